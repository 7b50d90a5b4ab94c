import {ExportCommand} from '../../command-base/export-command.js'
import {bucketFlag, exportFlags} from '../../command-base/export-flags.js'

export default class ExportHelm extends ExportCommand {
  static override summary = 'render values.yaml for the official SeaweedFS Helm chart'
  static override description = "Masters, volume servers (one volume group per rack, with -rack/-dataCenter), filers and S3 with the plan's replicas, ports and replication, data in PersistentVolumeClaims. S3 requires signed requests; its keys live in a Secret the values only name: with -o, a generated one is written next to values.yaml as s3-credentials.secret.yaml (mode 0600). Nothing that is safe only on loopback is carried over."
  static override examples = [
    '<%= config.bin %> <%= command.id %> -o deploy/ && kubectl apply -f deploy/s3-credentials.secret.yaml && helm install dev seaweedfs/seaweedfs -f deploy/values.yaml',
    '<%= config.bin %> <%= command.id %> --bucket photos -o deploy/ --json',
  ]

  static override flags = {
    ...exportFlags,
    ...bucketFlag,
  }

  protected readonly target = 'helm'
}
