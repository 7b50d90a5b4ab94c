import {randomBytes} from 'node:crypto'

import type {Plan} from '../plan/types.js'
import {type Clock, systemClock} from '../supervisor/clock.js'
import {s3ErrorCode, s3Request} from '../s3/client.js'
import {readAdminKey} from '../s3/credentials.js'
import {CANARY_BUCKET, canaryBucket} from './buckets.js'

export interface CanaryResult {
  ok: boolean
  via: 'filer' | 'master' | 'filer and S3'
  bytes: number
  elapsedMs: number
  attempts: number
  /** How long the writes waited for weed's master warm-up (see waitForWarmup); absent when there was none. */
  warmupMs?: number
  error?: string
}

/**
 * Write a small random file through the cluster and read it back byte for byte, then delete it: through the
 * filer (or the master without one), and through S3 when there is a gateway.
 */
export async function runCanary(plan: Plan, deadline: number): Promise<CanaryResult> {
  const undici = await import('undici')
  const started = Date.now()
  const warmupMs = await waitForWarmup(masterUrls(plan), deadline, {lookup: (url) => lookupStatus(undici, url)})
  const data = randomBytes(1024)
  const direct = plan.endpoints.filer
    ? retried(() => throughFiler(undici, plan.endpoints.filer!, data), deadline)
    : retried(() => throughMaster(undici, plan.endpoints.master, data), deadline)
  // Through S3 too (signed), in parallel: its bucket is its own collection, so it waits on its own volume growth.
  const [first, s3] = await Promise.all([direct, plan.s3 && plan.endpoints.s3 ? retried(() => throughS3(plan, data), deadline) : undefined])
  const via = plan.endpoints.filer ? (s3 ? 'filer and S3' : 'filer') : 'master'
  const attempts = first.attempts + (s3?.attempts ?? 0)
  const error = first.error ?? (s3?.error ? `through S3: ${s3.error}` : undefined)
  return {ok: !error, via, bytes: data.length, elapsedMs: Date.now() - started, attempts, ...(warmupMs > 0 ? {warmupMs} : {}), ...(error ? {error} : {})}
}

/** A volume id no cluster has: looking it up reads nothing and changes nothing. */
const NO_SUCH_VOLUME = 4_294_967_295
const WARMUP_POLL_MS = 250

function masterUrls(plan: Plan): string[] {
  const readiness = plan.processes.find((p) => p.kind === 'master')?.readiness
  return readiness?.kind === 'masterLeader' ? readiness.urls : [plan.endpoints.master]
}

async function lookupStatus({request}: Undici, url: string): Promise<number> {
  const res = await request(url, {method: 'GET', headersTimeout: 2000, bodyTimeout: 2000})
  await res.body.dump()
  return res.statusCode
}

/**
 * weed's master refuses every assign (so every write) for 15 s after it became the leader of a cluster that already
 * had volumes ("master is warming up", weed/topology/topology.go IsWarmingUp: 3 pulses of 5 s, no flag). That
 * follows a failover, and also a restart of a cluster with data whenever the master loaded its raft state before
 * it registered as leader. A write sent meanwhile hangs in the filer's own assign retry, whose back-off (1 s, 1.5 s,
 * 2.25 s, …) lands up to seconds after the warm-up ends. So: ask every master for a volume that does not exist
 * (the leader answers 503 with Retry-After while it warms up, 404 otherwise) every 250 ms until none warms up,
 * then write. Returns the milliseconds waited (0 when no master was warming up); a master that does not answer
 * counts as not warming up (the writes' own retries deal with it). Never waits past `deadline`.
 */
export async function waitForWarmup(masters: string[], deadline: number, deps: {lookup: (url: string) => Promise<number>; clock?: Clock}): Promise<number> {
  const clock = deps.clock ?? systemClock
  const started = clock.now()
  const warming = async () => {
    const statuses = await Promise.all(masters.map((m) => deps.lookup(`${m}/dir/lookup?volumeId=${NO_SUCH_VOLUME}`).catch(() => 0)))
    return statuses.includes(503)
  }
  let waited = false
  while (await warming()) {
    if (clock.now() + WARMUP_POLL_MS > deadline) break
    waited = true
    await new Promise<void>((resolve) => clock.after(WARMUP_POLL_MS, resolve))
  }
  return waited ? clock.now() - started : 0
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
