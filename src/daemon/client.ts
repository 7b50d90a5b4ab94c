import {existsSync} from 'node:fs'

import {SeaweedctlError} from '../lib/errors.js'
import type {StatusReport} from '../supervisor/status-types.js'
import {DAEMON_ANSWER_MS, daemonNotAnswering} from './unreachable.js'

/**
 * The CLI's side of the daemon's unix socket: JSON over HTTP with undici. `undefined` from `status()` means
 * no daemon answers there (no socket, or a stale one).
 */
export class DaemonClient {
  private client: import('undici').Client | undefined

  /** `runDir` names the daemon (its pid, its log) when it does not answer. */
  constructor(readonly socketPath: string, readonly runDir?: string) {}

  /** The daemon's report; undefined when none listens; DAEMON_UNREACHABLE (exit 5) when one listens but hangs. */
  async status(): Promise<StatusReport | undefined> {
    // No socket file, no daemon: answer without loading the HTTP client.
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
    const {Client} = await import('undici')
    this.client ??= new Client('http://seaweedctl', {socketPath: this.socketPath, pipelining: 0})
    let res: import('undici').Dispatcher.ResponseData
    let text: string
    try {
      res = await this.client.request({
        method, path,
        headers: {'content-type': 'application/json'},
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      })
      text = await res.body.text()
    } catch (error) {
      // A hung daemon (SIGSTOP, a deadlock) is reported as such, never as the HTTP client's own error.
      if (isTimeout(error)) throw daemonNotAnswering(this.runDir ?? '', timeoutMs)
      throw error
    }
    const parsed = text ? JSON.parse(text) : {}
    if (res.statusCode >= 400) {
      throw new SeaweedctlError('DAEMON_UNREACHABLE', `the daemon answered ${res.statusCode} to ${method} ${path}: ${parsed?.error?.message ?? text}`)
    }
    return parsed as T
  }

  async close(): Promise<void> {
    await this.client?.close().catch(() => {})
    this.client = undefined
  }
}

function isTimeout(error: unknown): boolean {
  const code = (error as {code?: string})?.code
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'DAEMON_UNREACHABLE'
}

/** No daemon listens (its socket is gone or refuses): it exited or was killed. */
export function isNoDaemon(error: unknown): boolean {
  const code = (error as {code?: string})?.code
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'UND_ERR_SOCKET' || code === 'ECONNRESET'
}
