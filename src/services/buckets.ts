import {SeaweedctlError} from '../lib/errors.js'
import type {Plan} from '../plan/types.js'
import {s3ErrorCode, s3Request} from '../s3/client.js'
import {readAdminKey, recordBuckets} from '../s3/credentials.js'
import {BUCKET_NAME, BUCKET_NAME_HINT} from '../clusterfile/schema.js'

/** The bucket the S3 canary writes into: the first bucket `up` creates, else one of seaweedctl's own. */
export const CANARY_BUCKET = 'seaweedctl-canary'

export function canaryBucket(plan: Plan): string {
  return plan.s3?.buckets[0] ?? CANARY_BUCKET
}

/** `up --bucket a --bucket b,c` (repeated, comma lists, or both): names checked against S3's rules before anything starts. */
export function bucketsFromFlag(given: string | readonly string[] | undefined): string[] {
  if (given === undefined) return []
  const names = (typeof given === 'string' ? [given] : given).flatMap((text) => text.split(',')).map((b) => b.trim()).filter(Boolean)
  for (const name of names) {
    if (!BUCKET_NAME.test(name)) {
      throw new SeaweedctlError('BAD_ARGUMENT', `--bucket ${JSON.stringify(name)} is not a valid S3 bucket name; nothing was started.`, {hints: [BUCKET_NAME_HINT], data: {flag: '--bucket', given: name}})
    }
  }
  return [...new Set(names)]
}

/**
 * Create the plan's buckets through the first gateway, signed; an existing bucket is kept
 * as it is. Retried until the deadline: a gateway can be RUNNING a moment before its filer accepts writes.
 */
export async function createBuckets(plan: Plan, deadline: number): Promise<string[]> {
  if (!plan.s3 || !plan.endpoints.s3) return []
  const key = readAdminKey(plan.s3.credentialsFile)
  if (!key) throw new SeaweedctlError('NOT_READY', `no S3 credentials in ${plan.s3.credentialsFile}`)
  // seaweedctl's own canary bucket, when there is no other, is made and removed by the canary itself.
  const names = plan.s3.buckets
  for (const name of names) {
    let delay = 25
    while (true) {
      const answer = await s3Request(plan.endpoints.s3, {...key, region: plan.s3.region}, 'PUT', `/${name}`)
      const code = s3ErrorCode(answer)
      if (answer.status === 200 || code.endsWith('BucketAlreadyOwnedByYou') || code.endsWith('BucketAlreadyExists')) break
      if (Date.now() + delay > deadline) {
        throw new SeaweedctlError('NOT_READY', `could not create bucket ${name} through ${plan.endpoints.s3}: ${code}`, {hints: ['See the logs: seaweedctl logs s3-1'], data: {bucket: name, answer: code}, nothingChanged: false})
      }
      await new Promise((r) => setTimeout(r, delay))
      delay = Math.min(delay * 2, 500)
    }
  }
  recordBuckets(plan.s3.credentialsFile, plan.s3.buckets)
  return plan.s3.buckets
}
