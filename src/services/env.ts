import {appendFileSync} from 'node:fs'

import {SeaweedctlError} from '../lib/errors.js'
import type {Plan} from '../plan/types.js'
import {readCredentials} from '../s3/credentials.js'
import type {StatusReport} from '../supervisor/status-types.js'

/** Where S3 is and how to sign for it: what test code needs (the secret is read from the 0600 file). */
export interface S3Access {
  endpoint: string
  accessKeyId: string
  secretAccessKey: string
  region: string
  buckets: string[]
}

/** The admin identity's access, or undefined when the cluster has no gateway or `up` has not made keys yet. */
export function s3Access(plan: Plan): S3Access | undefined {
  if (!plan.s3 || !plan.endpoints.s3) return undefined
  const credentials = readCredentials(plan.s3.credentialsFile)
  const admin = credentials?.identities.find((i) => i.name === 'admin')
  if (!credentials || !admin) return undefined
  const buckets = [...new Set([...plan.s3.buckets, ...credentials.buckets])]
  return {endpoint: plan.endpoints.s3, accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey, region: plan.s3.region, buckets}
}

/** `status --json`'s s3 block: everything but the secret. */
export function s3Status(plan: Plan): StatusReport['s3'] {
  const access = s3Access(plan)
  return access ? {endpoint: access.endpoint, accessKeyId: access.accessKeyId, region: access.region, buckets: access.buckets} : null
}

/** The variables `seaweedctl env` prints, in a stable order. */
export function clusterEnv(plan: Plan): Record<string, string> {
  const env: Record<string, string> = {}
  const access = s3Access(plan)
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
