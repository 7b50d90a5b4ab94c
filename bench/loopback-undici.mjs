// The daemon's loopback client (src/lib/loopback-http.ts) written on undici instead of by hand, with the same
// exports, for bench/daemon-idle.mjs --client=undici: it replaces dist/lib/loopback-http.js in a copy of the
// package that only the bench runs (no switch in the product). One undici Client per origin (host:port): one
// kept-open connection, no pipelining, as the hand-written client keeps one per weed server.
import {Client} from 'undici'

/** Clients by origin (host:port). */
const clients = new Map()
/** Origins whose connections close after each request, until the time given (epoch ms). */
const quiet = new Map()

function keepsConnections(origin) {
  const until = quiet.get(origin)
  if (until === undefined) return true
  if (Date.now() < until) return false
  quiet.delete(origin)
  return true
}

function clientOf(u) {
  let client = clients.get(u.host)
  if (!client || client.destroyed || client.closed) {
    client = new Client(u.origin, {pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000})
    clients.set(u.host, client)
  }
  return client
}

const EMPTY = Buffer.alloc(0)
const urls = new Map()

function parse(url) {
  let u = urls.get(url)
  if (!u) {
    u = new URL(url)
    if (u.protocol !== 'http:') throw new Error(`loopback requests are plain http, not ${url}`)
    if (urls.size >= 512) urls.clear()
    urls.set(url, u)
  }
  return u
}

export async function loopbackRequest(url, options) {
  const u = parse(url)
  const client = clientOf(u)
  const method = options.method ?? 'GET'
  try {
    const {statusCode, body} = await client.request({
      path: `${u.pathname}${u.search}`,
      method,
      headers: options.headers,
      body: options.body,
      reset: !keepsConnections(u.host),
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    })
    if (options.keepBody === false) {
      await body.dump({limit: Number.MAX_SAFE_INTEGER})
      return {status: statusCode, body: EMPTY}
    }
    return {status: statusCode, body: Buffer.from(await body.arrayBuffer())}
  } catch (error) {
    const code = error.code ?? error.cause?.code
    const message = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' ? `timed out (${options.timeoutMs}ms)` : code ?? error.message
    return {status: 0, body: EMPTY, error: message}
  }
}

export function closeLoopbackConnections(origins, quietMs = 0) {
  for (const origin of origins ?? [...clients.keys()]) {
    if (quietMs > 0) quiet.set(origin, Date.now() + quietMs)
    const client = clients.get(origin)
    clients.delete(origin)
    client?.destroy().catch(() => {})
  }
}

export function originOf(url) {
  return parse(url).host
}
