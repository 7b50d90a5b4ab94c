import {BaseCommand} from '../../lib/base-command.js'
import {exportFlags, weedFlag} from '../../lib/export-flags.js'
import type {ExportResult} from '../../export/service.js'

export default class ExportSystemd extends BaseCommand<typeof ExportSystemd> {
  static override summary = 'render systemd units for the cluster'
  static override description = "One service unit per process (ordered with After=/Wants=, directories created by ExecStartPre, TimeoutStopSec above the graceful stop) and a target that starts them all."
  static override examples = ['<%= config.bin %> <%= command.id %> -o units/', '<%= config.bin %> <%= command.id %> -o out/ --json']

  static override flags = {
    ...exportFlags,
    ...weedFlag,
  }

  async run(): Promise<ExportResult> {
    const {exportCluster} = await import('../../export/service.js')
    const {describeExport} = await import('../../lib/export-output.js')
    const result = await exportCluster({target: 'systemd', file: this.flags.file, out: this.flags.out, force: this.flags.force, weed: this.flags.weed})
    for (const line of describeExport(result)) this.say(line)
    return result
  }
}
