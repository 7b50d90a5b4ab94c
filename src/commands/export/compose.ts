import {ExportCommand} from '../../command-base/export-command.js'
import {exportFlags} from '../../command-base/export-flags.js'

export default class ExportCompose extends ExportCommand {
  static override summary = 'render a Docker Compose file for the cluster'
  static override description = "One service per process (image chrislusf/seaweedfs:VERSION, which must hold /usr/bin/weed, sh, wget and grep), healthchecks every 10 s on the readiness endpoints and depends_on: service_healthy, so kinds start in order; json-file logs with size limits, nofile 65536, a named volume per process that keeps data. The S3 identities (keys new for this export) are written beside compose.yaml as s3-identities.json (mode 0600) and mounted as a Compose secret. Needs Compose v2 (`docker compose`)."
  static override examples = ['<%= config.bin %> <%= command.id %> -o deploy/ && docker compose -f deploy/compose.yaml up -d --wait', '<%= config.bin %> <%= command.id %> -o out/ --json']

  static override flags = {
    ...exportFlags,
  }

  protected readonly target = 'compose'
}
