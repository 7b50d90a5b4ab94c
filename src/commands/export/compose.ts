import {BaseCommand} from '../../lib/base-command.js'
import {exportFlags} from '../../lib/export-flags.js'
import type {ExportResult} from '../../export/service.js'

export default class ExportCompose extends BaseCommand<typeof ExportCompose> {
  static override summary = 'render a Docker Compose file for the cluster'
  static override description = "One service per process (image chrislusf/seaweedfs), healthchecks on the readiness endpoints and depends_on: service_healthy, so kinds start in order."
  static override examples = ['<%= config.bin %> <%= command.id %> -o deploy/ && docker compose -f deploy/compose.yaml up -d --wait', '<%= config.bin %> <%= command.id %> -o out/ --json']

  static override flags = {
    ...exportFlags,
  }

  async run(): Promise<ExportResult> {
    const {exportCluster} = await import('../../export/service.js')
    const {describeExport} = await import('../../lib/export-output.js')
    const result = await exportCluster({target: 'compose', file: this.flags.file, out: this.flags.out, force: this.flags.force})
    for (const line of describeExport(result)) this.say(line)
    return result
  }
}
