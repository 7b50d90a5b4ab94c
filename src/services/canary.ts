import {randomBytes} from 'node:crypto'

import type {Plan} from '../plan/types.js'
import {s3ErrorCode, s3Request} from '../s3/client.js'
import {readAdminKey} from '../s3/credentials.js'
import {CANARY_BUCKET, canaryBucket} from './buckets.js'

export interface CanaryResult {
  ok: boolean
  via: 'filer' | 'master' | 'filer and S3'
  bytes: number
  elapsedMs: number
  attempts: number
  error?: string
}

/**
 * Write a small random file through the cluster and read it back byte for byte, then delete it: through the
 * filer (or the master without one), and through S3 when there is a gateway.
 */
export async function runCanary(plan: Plan, deadline: number): Promise<CanaryResult> {
  const undici = await import('undici')
  const started = Date.now()
  const data = randomBytes(1024)
  const direct = plan.endpoints.filer
    ? retried(() => throughFiler(undici, plan.endpoints.filer!, data), deadline)
    : retried(() => throughMaster(undici, plan.endpoints.master, data), deadline)
  // Through S3 too (signed), in parallel: its bucket is its own collection, so it waits on its own volume growth.
  const [first, s3] = await Promise.all([direct, plan.s3 && plan.endpoints.s3 ? retried(() => throughS3(plan, data), deadline) : undefined])
  const via = plan.endpoints.filer ? (s3 ? 'filer and S3' : 'filer') : 'master'
  const attempts = first.attempts + (s3?.attempts ?? 0)
  const error = first.error ?? (s3?.error ? `through S3: ${s3.error}` : undefined)
  return {ok: !error, via, bytes: data.length, elapsedMs: Date.now() - started, attempts, ...(error ? {error} : {})}
}

/** The first write can fail while the master grows the first volumes, so it is retried until the deadline. */
async function retried(attempt: () => Promise<string | undefined>, deadline: number): Promise<{attempts: number; error?: string}> {
  let attempts = 0
  let delay = 25
  while (true) {
    attempts++
    let error: string | undefined
    try {
      error = await attempt()
      if (!error) return {attempts}
    } catch (error_) {
      error = (error_ as Error).message
    }
    if (Date.now() + delay > deadline) return {attempts, error}
    await new Promise((r) => setTimeout(r, delay))
    delay = Math.min(delay * 2, 500)
  }
}

/** Put, get byte for byte and delete an object through the first gateway, signed with the admin key. */
async function throughS3(plan: Plan, data: Buffer): Promise<string | undefined> {
  const key = readAdminKey(plan.s3!.credentialsFile)
  if (!key) return `no credentials in ${plan.s3!.credentialsFile}`
  const signing = {...key, region: plan.s3!.region}
  const path = `/${canaryBucket(plan)}/.seaweedctl-canary-${process.pid}-${Date.now()}.bin`
  if (canaryBucket(plan) === CANARY_BUCKET) {
    const made = await s3Request(plan.endpoints.s3!, signing, 'PUT', `/${CANARY_BUCKET}`)
    if (made.status !== 200 && !s3ErrorCode(made).endsWith('BucketAlreadyOwnedByYou')) return `CreateBucket ${CANARY_BUCKET}: ${s3ErrorCode(made)}`
  }
  const put = await s3Request(plan.endpoints.s3!, signing, 'PUT', path, {body: data})
  if (put.status !== 200) return `PutObject ${s3ErrorCode(put)}`
  const get = await s3Request(plan.endpoints.s3!, signing, 'GET', path)
  if (get.status !== 200) return `GetObject ${s3ErrorCode(get)}`
  if (!get.body.equals(data)) return `GetObject returned ${get.body.length} bytes that differ from the ${data.length} written`
  const del = await s3Request(plan.endpoints.s3!, signing, 'DELETE', path)
  if (del.status !== 204 && del.status !== 200) return `DeleteObject ${s3ErrorCode(del)}`
  // seaweedctl's own bucket goes too: a user listing the buckets sees only theirs.
  if (canaryBucket(plan) === CANARY_BUCKET) {
    const gone = await s3Request(plan.endpoints.s3!, signing, 'DELETE', `/${CANARY_BUCKET}`)
    if (gone.status !== 204 && gone.status !== 200 && !s3ErrorCode(gone).endsWith('NoSuchBucket')) return `DeleteBucket ${CANARY_BUCKET}: ${s3ErrorCode(gone)}`
  }
  return undefined
}

type Undici = typeof import('undici')

async function throughFiler({request, FormData}: Undici, filer: string, data: Buffer): Promise<string | undefined> {
  const url = `${filer}/.seaweedctl/canary-${process.pid}-${Date.now()}.bin`
  const form = new FormData()
  form.append('file', new Blob([data]), 'canary.bin')
  const put = await request(url, {method: 'POST', body: form, headersTimeout: 10_000, bodyTimeout: 10_000})
  const putText = await put.body.text()
  if (put.statusCode >= 300) return `write ${put.statusCode}: ${putText.trim().slice(0, 200)}`
  const get = await request(url, {method: 'GET', headersTimeout: 10_000, bodyTimeout: 10_000})
  const body = Buffer.from(await get.body.arrayBuffer())
  if (get.statusCode !== 200) return `read ${get.statusCode}`
  if (!body.equals(data)) return `read back ${body.length} bytes that differ from the ${data.length} written`
  const del = await request(url, {method: 'DELETE', headersTimeout: 10_000})
  await del.body.dump()
  return undefined
}

async function throughMaster({request, FormData}: Undici, master: string, data: Buffer): Promise<string | undefined> {
  const assign = await request(`${master}/dir/assign`, {method: 'GET', headersTimeout: 15_000})
  const a = (await assign.body.json()) as {fid?: string; url?: string; error?: string}
  if (!a.fid || !a.url) return `assign: ${a.error ?? assign.statusCode}`
  const url = `http://${a.url}/${a.fid}`
  const form = new FormData()
  form.append('file', new Blob([data]), 'canary.bin')
  const put = await request(url, {method: 'POST', body: form, headersTimeout: 10_000})
  const putText = await put.body.text()
  if (put.statusCode >= 300) return `write ${put.statusCode}: ${putText.trim().slice(0, 200)}`
  const get = await request(url, {method: 'GET', headersTimeout: 10_000})
  const body = Buffer.from(await get.body.arrayBuffer())
  if (get.statusCode !== 200 || !body.equals(data)) return `read back failed (${get.statusCode})`
  await (await request(url, {method: 'DELETE', headersTimeout: 10_000})).body.dump()
  return undefined
}
