import {appendFileSync} from 'node:fs'

import {SeaweedctlError} from '../lib/errors.js'
import type {Plan} from '../plan/types.js'
import {s3Access} from '../s3/access.js'
import {readCredentials} from '../s3/credentials.js'

/** Every identity's keys and actions, by name (`env --format json`); empty before the first `up`. */
export function s3Identities(plan: Plan): Record<string, {accessKeyId: string; secretAccessKey: string; actions: string[]}> {
  const credentials = plan.s3 ? readCredentials(plan.s3.credentialsFile) : undefined
  return Object.fromEntries((credentials?.identities ?? []).map((i) => [i.name, {accessKeyId: i.accessKeyId, secretAccessKey: i.secretAccessKey, actions: i.actions}]))
}

/** The variables `seaweedctl env` prints, in a stable order (the keys are `identity`'s, the admin's by default). */
export function clusterEnv(plan: Plan, identity?: string): Record<string, string> {
  const env: Record<string, string> = {}
  const access = s3Access(plan, identity)
  if (access) {
    env.AWS_ENDPOINT_URL = access.endpoint
    env.AWS_ENDPOINT_URL_S3 = access.endpoint
    env.AWS_ACCESS_KEY_ID = access.accessKeyId
    env.AWS_SECRET_ACCESS_KEY = access.secretAccessKey
    env.AWS_REGION = access.region
    env.AWS_DEFAULT_REGION = access.region
    if (access.buckets.length > 0) env.S3_BUCKET = access.buckets[0]
  }
  env.SEAWEED_MASTER_URL = plan.endpoints.master
  if (plan.endpoints.filer) env.SEAWEED_FILER_URL = plan.endpoints.filer
  if (plan.endpoints.s3) env.SEAWEED_S3_URL = plan.endpoints.s3
  return env
}

export type EnvFormat = 'sh' | 'dotenv' | 'json'

export function renderEnv(env: Record<string, string>, format: EnvFormat): string {
  if (format === 'json') return `${JSON.stringify(env, null, 2)}\n`
  const quote = (v: string) => `'${v.replaceAll("'", "'\\''")}'`
  const lines = Object.entries(env).map(([k, v]) => (format === 'sh' ? `export ${k}=${quote(v)}` : `${k}=${v}`))
  return `${lines.join('\n')}\n`
}

/**
 * GitHub Actions: append KEY=value lines to $GITHUB_ENV (a value with a newline would break the file, so it is
 * refused) and return the workflow commands that mask the secret in the job's log.
 */
export function appendGithubEnv(env: Record<string, string>, githubEnv: string | undefined): string[] {
  if (!githubEnv) throw new SeaweedctlError('BAD_ARGUMENT', '--github needs $GITHUB_ENV (set by GitHub Actions); nothing was written.', {data: {flag: '--github'}})
  for (const [k, v] of Object.entries(env)) {
    if (/[\r\n]/.test(v)) throw new SeaweedctlError('BAD_ARGUMENT', `${k} contains a newline and cannot be written to $GITHUB_ENV as KEY=value; nothing was written.`, {data: {key: k}})
  }
  const masks = env.AWS_SECRET_ACCESS_KEY ? [`::add-mask::${env.AWS_SECRET_ACCESS_KEY}`] : []
  appendFileSync(githubEnv, renderEnv(env, 'dotenv'))
  return masks
}
