import {BaseCommand} from '../../lib/base-command.js'
import {exportFlags} from '../../lib/export-flags.js'
import type {ExportResult} from '../../export/service.js'

export default class ExportK8s extends BaseCommand<typeof ExportK8s> {
  static override summary = 'render Kubernetes manifests for the cluster'
  static override description = "Headless Services and StatefulSets with volumeClaimTemplates, and readiness/liveness probes on the readiness endpoints."
  static override examples = ['<%= config.bin %> <%= command.id %> -o deploy/ && kubectl apply -f deploy/', '<%= config.bin %> <%= command.id %> -o out/ --json']

  static override flags = {
    ...exportFlags,
  }

  async run(): Promise<ExportResult> {
    const {exportCluster} = await import('../../export/service.js')
    const {describeExport} = await import('../../lib/export-output.js')
    const result = await exportCluster({target: 'k8s', file: this.flags.file, out: this.flags.out, force: this.flags.force})
    for (const line of describeExport(result)) this.say(line)
    return result
  }
}
