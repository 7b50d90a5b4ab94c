import {existsSync} from 'node:fs'
import {Agent, request as httpRequest} from 'node:http'

import {SeaweedctlError} from '../lib/errors.js'
import type {StatusReport} from '../supervisor/status-types.js'
import {DAEMON_ANSWER_MS, daemonNotAnswering} from './unreachable.js'

/**
 * The CLI's side of the daemon's unix socket: JSON over HTTP with node:http (one kept-open connection; an HTTP
 * client library would cost every `up` its load time). `undefined` from `status()` means no daemon answers
 * there (no socket, or a stale one).
 */
export class DaemonClient {
  private agent: Agent | undefined

  /** `runDir` names the daemon (its pid, its log) when it does not answer. */
  constructor(readonly socketPath: string, readonly runDir?: string) {}

  /** The daemon's report; undefined when none listens; DAEMON_UNREACHABLE (exit 5) when one listens but hangs. */
  async status(): Promise<StatusReport | undefined> {
    // No socket file, no daemon: answer without connecting.
    if (!existsSync(this.socketPath)) return undefined
    try {
      return await this.request<StatusReport>('GET', '/v1/status', undefined, DAEMON_ANSWER_MS)
    } catch (error) {
      if (isNoDaemon(error)) return undefined
      throw error
    }
  }

  /**
   * The report after the one with `version`: the daemon answers as soon as a state changes (or after 2 s),
   * so callers wait for changes without polling. The first call (no version) answers at once.
   */
  async next(version?: number): Promise<StatusReport | undefined> {
    if (version === undefined) return this.status()
    // The daemon holds this answer up to 2 s by design; beyond that it is not answering.
    return this.request<StatusReport>('GET', `/v1/status?after=${version}`, undefined, 2000 + DAEMON_ANSWER_MS).catch((error) => {
      if (isTimeout(error)) throw error
      return undefined
    })
  }

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
    this.agent ??= new Agent({keepAlive: true, maxSockets: 1})
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const send = () => exchange(this.agent!, this.socketPath, method, path, payload, timeoutMs)
    // A kept-open connection the daemon closed just then fails before any answer: ask once more, on a new one.
    const answer = await send().catch((error: Error & {reused?: boolean}) => (error.reused && !isTimeout(error) ? send() : Promise.reject(error))).catch((error: Error) => {
      // A hung daemon (SIGSTOP, a deadlock) is reported as such, never as the HTTP client's own error.
      if (isTimeout(error)) throw daemonNotAnswering(this.runDir ?? '', timeoutMs)
      throw error
    })
    const parsed = answer.text ? JSON.parse(answer.text) : {}
    if (answer.status >= 400) {
      throw new SeaweedctlError('DAEMON_UNREACHABLE', `the daemon answered ${answer.status} to ${method} ${path}: ${parsed?.error?.message ?? answer.text}`)
    }
    return parsed as T
  }

  async close(): Promise<void> {
    this.agent?.destroy()
    this.agent = undefined
  }
}

/** One request on the socket; rejects with code TIMEOUT when no whole answer came within `timeoutMs`. */
function exchange(agent: Agent, socketPath: string, method: string, path: string, payload: string | undefined, timeoutMs: number): Promise<{status: number; text: string}> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {'content-type': 'application/json', host: 'seaweedctl'}
    if (payload !== undefined) headers['content-length'] = Buffer.byteLength(payload)
    const req = httpRequest({agent, socketPath, method, path, headers})
    const timer = setTimeout(() => {
      req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), {code: 'TIMEOUT'}))
    }, timeoutMs)
    const fail = (error: Error) => {
      clearTimeout(timer)
      reject(Object.assign(error, {reused: req.reusedSocket}))
    }
    req.on('error', fail)
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', fail)
      res.on('end', () => {
        clearTimeout(timer)
        resolve({status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8')})
      })
    })
    req.end(payload)
  })
}

function isTimeout(error: unknown): boolean {
  const code = (error as {code?: string})?.code
  return code === 'TIMEOUT' || code === 'DAEMON_UNREACHABLE'
}

/** No daemon listens (its socket is gone or refuses): it exited or was killed. */
export function isNoDaemon(error: unknown): boolean {
  const code = (error as {code?: string})?.code
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE'
}
