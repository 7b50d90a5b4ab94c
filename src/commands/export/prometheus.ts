import {ExportCommand} from '../../command-base/export-command.js'
import {exportFlags} from '../../command-base/export-flags.js'

export default class ExportPrometheus extends ExportCommand {
  static override summary = 'render a Prometheus scrape configuration for the cluster'
  static override description = 'prometheus.yml with one static target per process (its metrics port, HTTP + 5000), labelled cluster, kind, name, rack and data_center. Run it with: prometheus --config.file=prometheus.yml'
  static override examples = ['<%= config.bin %> <%= command.id %> -o monitoring/ && prometheus --config.file=monitoring/prometheus.yml', '<%= config.bin %> <%= command.id %> --json']

  static override flags = {
    ...exportFlags,
  }

  protected readonly target = 'prometheus'
}
