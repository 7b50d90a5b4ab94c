import {randomBytes} from 'node:crypto'

import type {Plan} from '../plan/types.js'

export interface CanaryResult {
  ok: boolean
  via: 'filer' | 'master'
  bytes: number
  elapsedMs: number
  attempts: number
  error?: string
}

/**
 * Write a small random file through the cluster and read it back byte for byte, then delete it. The first
 * write can fail while the master grows the first volumes, so it is retried until the deadline.
 */
export async function runCanary(plan: Plan, deadline: number): Promise<CanaryResult> {
  const undici = await import('undici')
  const started = Date.now()
  const data = randomBytes(1024)
  const via = plan.endpoints.filer ? 'filer' : 'master'
  let attempts = 0
  let lastError = ''
  let delay = 25
  while (true) {
    attempts++
    try {
      const error = via === 'filer' ? await throughFiler(undici, plan.endpoints.filer!, data) : await throughMaster(undici, plan.endpoints.master, data)
      if (!error) return {ok: true, via, bytes: data.length, elapsedMs: Date.now() - started, attempts}
      lastError = error
    } catch (error) {
      lastError = (error as Error).message
    }
    if (Date.now() + delay > deadline) return {ok: false, via, bytes: data.length, elapsedMs: Date.now() - started, attempts, error: lastError}
    await new Promise((r) => setTimeout(r, delay))
    delay = Math.min(delay * 2, 500)
  }
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
