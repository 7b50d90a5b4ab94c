import {ExportCommand} from '../../command-base/export-command.js'
import {exportFlags} from '../../command-base/export-flags.js'

export default class ExportK8s extends ExportCommand {
  static override summary = 'render Kubernetes manifests for the cluster'
  static override description = "Headless Services and StatefulSets with volumeClaimTemplates, and readiness/liveness probes on the readiness endpoints. The S3 gateways read their identities from the Secret seaweed-NAME-s3, mounted read-only: with -o, one with keys new for this export is written as s3-credentials.secret.yaml (mode 0600)."
  static override examples = ['<%= config.bin %> <%= command.id %> -o deploy/ && kubectl apply -f deploy/', '<%= config.bin %> <%= command.id %> -o out/ --json']

  static override flags = {
    ...exportFlags,
  }

  protected readonly target = 'k8s'
}
