import {SeaweedctlError} from '../lib/errors.js'
import {closest} from '../lib/suggest.js'
import type {Plan} from '../plan/types.js'
import {ADMIN, readCredentials, type S3Credentials} from './credentials.js'

/** Where S3 is and how to sign for it: what test code needs (the secret is read from the 0600 file). */
export interface S3Access {
  endpoint: string
  accessKeyId: string
  secretAccessKey: string
  region: string
  buckets: string[]
}

/**
 * One identity's access (the admin's unless named), or undefined when the cluster has no gateway or `up` has not
 * made keys yet. A name the cluster does not have is refused, with the nearest one it does.
 */
export function s3Access(plan: Plan, identity = ADMIN): S3Access | undefined {
  if (!plan.s3 || !plan.endpoints.s3) return undefined
  const credentials = readCredentials(plan.s3.credentialsFile)
  if (!credentials) return undefined
  const chosen = credentials.identities.find((i) => i.name === identity)
  if (!chosen) throw unknownIdentity(identity, credentials)
  const buckets = [...new Set([...plan.s3.buckets, ...credentials.buckets])]
  return {endpoint: plan.endpoints.s3, accessKeyId: chosen.accessKeyId, secretAccessKey: chosen.secretAccessKey, region: plan.s3.region, buckets}
}

function unknownIdentity(name: string, credentials: S3Credentials): SeaweedctlError {
  const names = credentials.identities.map((i) => i.name)
  const suggestion = closest(name, names)
  return new SeaweedctlError('BAD_ARGUMENT', `--identity ${name}: this cluster has no such S3 identity (it has ${names.join(', ')}); nothing was printed.`, {
    hints: [suggestion ? `Did you mean --identity ${suggestion}?` : 'Identities are s3.identities in seaweed.yaml, plus admin'],
    data: {flag: '--identity', value: name, identities: names},
  })
}

/** `status --json`'s s3 block: everything but the secret. */
export function s3Status(plan: Plan): {endpoint: string; accessKeyId: string; region: string; buckets: string[]} | null {
  const access = s3Access(plan)
  return access ? {endpoint: access.endpoint, accessKeyId: access.accessKeyId, region: access.region, buckets: access.buckets} : null
}
