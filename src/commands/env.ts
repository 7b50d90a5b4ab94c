import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../lib/base-command.js'

export default class Env extends BaseCommand<typeof Env> {
  static override summary = 'print the S3 endpoint, keys, bucket and cluster URLs for test code'
  static override description = `Prints AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, S3_BUCKET (the first bucket), SEAWEED_MASTER_URL, SEAWEED_FILER_URL and SEAWEED_S3_URL.
The keys come from the 0600 file \`up\` writes; before the first \`up\` only the URLs are printed.
--github appends them to $GITHUB_ENV as KEY=value lines and prints ::add-mask:: for the secret.`

  static override examples = [
    'eval "$(<%= config.bin %> <%= command.id %>)"',
    '<%= config.bin %> <%= command.id %> --format dotenv > .env.test',
    '<%= config.bin %> <%= command.id %> --github',
  ]

  static override flags = {
    format: Flags.string({summary: 'sh (export lines for eval), dotenv or json', options: ['sh', 'dotenv', 'json'], default: 'sh'}),
    github: Flags.boolean({summary: 'append to $GITHUB_ENV and mask the secret (GitHub Actions)'}),
  }

  async run(): Promise<Record<string, string>> {
    const {planFromFile} = await import('../services/plan.js')
    const {appendGithubEnv, clusterEnv, renderEnv} = await import('../services/env.js')
    const {runningEndpoints} = await import('../services/running.js')
    const env = clusterEnv(runningEndpoints(planFromFile(this.flags.file)))
    if (this.flags.github) {
      for (const line of appendGithubEnv(env, process.env.GITHUB_ENV)) this.log(line)
      return env
    }
    if (!this.jsonEnabled()) process.stdout.write(renderEnv(env, this.flags.format as 'sh' | 'dotenv' | 'json'))
    return env
  }
}
