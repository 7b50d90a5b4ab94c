import {ExportCommand} from '../../lib/export-command.js'
import {exportFlags, weedFlag} from '../../lib/export-flags.js'

export default class ExportSystemd extends ExportCommand {
  static override summary = 'render systemd units for the cluster'
  static override description = "One service unit per process (ordered with After=/Wants=, directories created by ExecStartPre, TimeoutStopSec above the graceful stop) and a target that starts them all."
  static override examples = ['<%= config.bin %> <%= command.id %> -o units/', '<%= config.bin %> <%= command.id %> -o out/ --json']

  static override flags = {
    ...exportFlags,
    ...weedFlag,
  }

  protected readonly target = 'systemd'
}
