import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../command-base/base-command.js'

export default class Env extends BaseCommand<typeof Env> {
  static override summary = 'print the S3 endpoint, keys, bucket and cluster URLs for test code'
  static override description = `Prints AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, S3_BUCKET (the first bucket), SEAWEED_MASTER_URL, SEAWEED_FILER_URL and SEAWEED_S3_URL.
The keys are the admin identity's, or with --identity NAME that identity's; they come from the 0600 file \`up\` writes,
and before the first \`up\` only the URLs are printed. --format json adds "identities": every identity's keys and actions.
--github appends them to $GITHUB_ENV as KEY=value lines and prints ::add-mask:: for the secret.`

  static override examples = [
    'eval "$(<%= config.bin %> <%= command.id %>)"',
    '<%= config.bin %> <%= command.id %> --format dotenv > .env.test',
    '<%= config.bin %> <%= command.id %> --github',
    'eval "$(<%= config.bin %> <%= command.id %> --identity reader)"',
    '<%= config.bin %> <%= command.id %> --format json | jq -r .identities.reader.accessKeyId',
  ]

  static override flags = {
    format: Flags.string({summary: 'sh (export lines for eval), dotenv or json', options: ['sh', 'dotenv', 'json'], default: 'sh'}),
    github: Flags.boolean({summary: 'append to $GITHUB_ENV and mask the secret (GitHub Actions)'}),
    identity: Flags.string({summary: 'the S3 identity whose keys to print (default admin)', helpValue: 'NAME'}),
  }

  async run(): Promise<Record<string, unknown>> {
    const {planFromFile} = await import('../services/plan.js')
    const {appendGithubEnv, clusterEnv, renderEnv, s3Identities} = await import('../services/env.js')
    const {runningEndpoints} = await import('../services/running.js')
    const plan = runningEndpoints(planFromFile(this.flags.file))
    const env = clusterEnv(plan, this.flags.identity)
    if (this.flags.github) {
      for (const line of appendGithubEnv(env, process.env.GITHUB_ENV)) this.log(line)
      return env
    }
    const withIdentities = {...env, identities: s3Identities(plan)}
    if (this.jsonEnabled()) return withIdentities
    if (this.flags.format === 'json') process.stdout.write(`${JSON.stringify(withIdentities, null, 2)}\n`)
    else process.stdout.write(renderEnv(env, this.flags.format as 'sh' | 'dotenv'))
    return env
  }
}
