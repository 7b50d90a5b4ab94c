import {randomBytes} from 'node:crypto'

import {type LoopbackAnswer, loopbackRequest} from '../lib/loopback-http.js'
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
  const started = Date.now()
  const warmupMs = await waitForWarmup(masterUrls(plan), deadline, {lookup: lookupStatus})
  const data = randomBytes(1024)
  const direct = plan.endpoints.filer
    ? retried(() => throughFiler(plan.endpoints.filer!, data), deadline)
    : retried(() => throughMaster(plan.endpoints.master, data), deadline)
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

async function lookupStatus(url: string): Promise<number> {
  return (await loopbackRequest(url, {timeoutMs: 2000, keepBody: false})).status
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

/** A multipart/form-data body with one file part, as weed's upload handlers take it. */
function formWith(data: Buffer): {body: Buffer; headers: Record<string, string>} {
  const boundary = `seaweedctl-${randomBytes(12).toString('hex')}`
  const head = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="canary.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`
  const body = Buffer.concat([Buffer.from(head), data, Buffer.from(`\r\n--${boundary}--\r\n`)])
  return {body, headers: {'content-type': `multipart/form-data; boundary=${boundary}`}}
}

/** An answer's status, or why none came. */
const statusOf = (answer: LoopbackAnswer): string => answer.error ?? String(answer.status)

async function throughFiler(filer: string, data: Buffer): Promise<string | undefined> {
  const url = `${filer}/.seaweedctl/canary-${process.pid}-${Date.now()}.bin`
  const put = await loopbackRequest(url, {method: 'POST', ...formWith(data), timeoutMs: 10_000})
  if (put.status === 0 || put.status >= 300) return `write ${statusOf(put)}: ${put.body.toString('utf8').trim().slice(0, 200)}`
  const get = await loopbackRequest(url, {timeoutMs: 10_000})
  if (get.status !== 200) return `read ${statusOf(get)}`
  if (!get.body.equals(data)) return `read back ${get.body.length} bytes that differ from the ${data.length} written`
  await loopbackRequest(url, {method: 'DELETE', timeoutMs: 10_000, keepBody: false})
  return undefined
}

async function throughMaster(master: string, data: Buffer): Promise<string | undefined> {
  const assign = await loopbackRequest(`${master}/dir/assign`, {timeoutMs: 15_000})
  let a: {fid?: string; url?: string; error?: string} = {}
  try {
    a = JSON.parse(assign.body.toString('utf8')) as typeof a
  } catch {}
  if (!a.fid || !a.url) return `assign: ${a.error ?? statusOf(assign)}`
  const url = `http://${a.url}/${a.fid}`
  const put = await loopbackRequest(url, {method: 'POST', ...formWith(data), timeoutMs: 10_000})
  if (put.status === 0 || put.status >= 300) return `write ${statusOf(put)}: ${put.body.toString('utf8').trim().slice(0, 200)}`
  const get = await loopbackRequest(url, {timeoutMs: 10_000})
  if (get.status !== 200 || !get.body.equals(data)) return `read back failed (${statusOf(get)})`
  await loopbackRequest(url, {method: 'DELETE', timeoutMs: 10_000, keepBody: false})
  return undefined
}
