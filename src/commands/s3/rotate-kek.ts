import {BaseCommand} from '../../command-base/base-command.js'

export default class S3RotateKek extends BaseCommand<typeof S3RotateKek> {
  static override summary = 'rotate the SSE-S3 key-encryption key (refused: weed cannot re-wrap the objects written with it)'
  static override description = `The key is made once per cluster (or read from s3.sse.kekFile) and kept in <dataDir>/run/s3/conf/security.toml (0600).
weed wraps every SSE-S3 object's data key with it and cannot re-wrap them under another key, so this command changes
nothing and says why (exit 2); \`up\` likewise refuses an s3.sse.kekFile that holds another key than the cluster's.`

  static override examples = ['<%= config.bin %> <%= command.id %>']

  async run(): Promise<void> {
    const {planFromFile} = await import('../../services/plan.js')
    const {refuseKekRotation} = await import('../../s3/sse-key.js')
    const plan = planFromFile(this.flags.file)
    refuseKekRotation(plan.s3, plan.weedVersion)
  }
}
