import {existsSync} from 'node:fs'

import {SeaweedctlError} from '../lib/errors.js'
import type {StatusReport} from '../supervisor/status-types.js'

/**
 * The CLI's side of the daemon's unix socket: JSON over HTTP with undici. `undefined` from `status()` means
 * no daemon answers there (no socket, or a stale one).
 */
export class DaemonClient {
  private client: import('undici').Client | undefined

  constructor(readonly socketPath: string) {}

  async status(): Promise<StatusReport | undefined> {
    // No socket file, no daemon: answer without loading the HTTP client.
    if (!existsSync(this.socketPath)) return undefined
    try {
      return await this.request<StatusReport>('GET', '/v1/status')
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
    return this.request<StatusReport>('GET', `/v1/status?after=${version}`).catch(() => undefined)
  }

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
    const {Client} = await import('undici')
    this.client ??= new Client('http://seaweedctl', {socketPath: this.socketPath, pipelining: 0})
    const res = await this.client.request({
      method, path,
      headers: {'content-type': 'application/json'},
      body: body === undefined ? undefined : JSON.stringify(body),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    })
    const text = await res.body.text()
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

function isNoDaemon(error: unknown): boolean {
  const code = (error as {code?: string})?.code
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'UND_ERR_SOCKET' || code === 'ECONNRESET'
}
