import {ExportCommand} from '../../command-base/export-command.js'
import {bucketFlag, exportFlags} from '../../command-base/export-flags.js'

export default class ExportOperator extends ExportCommand {
  static override summary = 'render a Seaweed resource for the SeaweedFS operator'
  static override description = "One Seaweed (seaweed.seaweedfs.com/v1): masters, volume servers by rack in volumeTopology, filers (their embedded S3 off) and S3 gateways whose identities come from a Secret the resource names: with -o, a generated one is written as s3-credentials.secret.yaml (mode 0600). Nothing that is safe only on loopback is carried over."
  static override examples = ['<%= config.bin %> <%= command.id %> -o deploy/ && kubectl apply -f deploy/', '<%= config.bin %> <%= command.id %> -o out/ --json']

  static override flags = {
    ...exportFlags,
    ...bucketFlag,
  }

  protected readonly target = 'operator'
}
