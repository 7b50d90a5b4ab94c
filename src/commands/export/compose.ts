import {ExportCommand} from '../../lib/export-command.js'
import {exportFlags} from '../../lib/export-flags.js'

export default class ExportCompose extends ExportCommand {
  static override summary = 'render a Docker Compose file for the cluster'
  static override description = "One service per process (image chrislusf/seaweedfs), healthchecks on the readiness endpoints and depends_on: service_healthy, so kinds start in order."
  static override examples = ['<%= config.bin %> <%= command.id %> -o deploy/ && docker compose -f deploy/compose.yaml up -d --wait', '<%= config.bin %> <%= command.id %> -o out/ --json']

  static override flags = {
    ...exportFlags,
  }

  protected readonly target = 'compose'
}
