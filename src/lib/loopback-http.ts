import {connect, type Socket} from 'node:net'

export interface LoopbackAnswer {
  status: number
  body: Buffer
  /** Set when no HTTP answer came (refused, reset, timed out); status is then 0. */
  error?: string
}

export interface LoopbackRequest {
  method?: string
  headers?: Record<string, string>
  body?: Buffer
  timeoutMs: number
  /** false: only the status matters (most probes); the body is read to its end but not kept. */
  keepBody?: boolean
}

/**
 * HTTP/1.1 to the local weed servers, on connections kept open between requests.
 *
 * The supervisor probes every process every interval, for the life of the cluster. On the 2-core machines this
 * runs on, node:http cost about 1 ms of CPU per request (its request and response objects and streams), which
 * made the idle daemon of a 34-process cluster use 3 % of a core. The probes need only this much of HTTP: one
 * request at a time per connection, a status line, Content-Length or chunked bodies. Anything unusual (a
 * malformed answer, a closed connection) ends that connection and is reported like a refused one.
 */
export function loopbackRequest(url: string, options: LoopbackRequest): Promise<LoopbackAnswer> {
  const deadline = Date.now() + options.timeoutMs
  const target = targetOf(url)
  return exchange(target, options, options.timeoutMs).then((answer) =>
    // A kept-open connection the server had just closed fails before any answer: ask once more, on a new one.
    answer.stale && Date.now() < deadline ? exchange(target, options, deadline - Date.now()) : answer,
  )
}

/**
 * Close the kept-open connections to `origins` (host:port), or all of them, and for `quietMs` open none to
 * them that outlives its request. The daemon does this before it signals a process to stop: weed 4.30's
 * master, asked to stop with one of these open, waited ~30 s before it exited, and the other processes' probes
 * (a volume server reading the topology) may ask it something while it stops.
 */
export function closeLoopbackConnections(origins?: string[], quietMs = 0): void {
  for (const origin of origins ?? [...idle.keys()]) {
    if (quietMs > 0) quiet.set(origin, Date.now() + quietMs)
    for (const c of idle.get(origin)?.splice(0) ?? []) c.socket.destroy()
    idle.delete(origin)
  }
}

/** The host:port a URL's connections are kept under. */
export function originOf(url: string): string {
  return targetOf(url).origin
}

interface Target {
  origin: string
  host: string
  port: number
  path: string
}

/** Parsed URLs: the same few are asked every interval for the daemon's whole life. */
const targets = new Map<string, Target>()

function targetOf(url: string): Target {
  let target = targets.get(url)
  if (!target) {
    const u = new URL(url)
    if (u.protocol !== 'http:') throw new Error(`loopback requests are plain http, not ${url}`)
    target = {origin: u.host, host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80), path: `${u.pathname}${u.search}`}
    if (targets.size >= 512) targets.clear()
    targets.set(url, target)
  }
  return target
}

interface Connection {
  socket: Socket
  /** Set while a request is on it; an idle connection has none. */
  onData?: (chunk: Buffer) => void
  onEnd?: (error: string) => void
}

/** Origins (host:port) whose connections close after each request, until the time given (epoch ms). */
const quiet = new Map<string, number>()

function keepsConnections(origin: string): boolean {
  const until = quiet.get(origin)
  if (until === undefined) return true
  if (Date.now() < until) return false
  quiet.delete(origin)
  return true
}

/** Idle connections by origin (host:port), most recently used last. */
const idle = new Map<string, Connection[]>()
const MAX_IDLE_PER_ORIGIN = 2

function take(target: Target): {connection: Connection; reused: boolean} {
  const list = idle.get(target.origin)
  let reused = list?.pop()
  // A connection the server closed is dropped from the list when its close event comes; skip it before that.
  while (reused?.socket.destroyed) reused = list?.pop()
  if (reused) {
    reused.socket.ref()
    return {connection: reused, reused: true}
  }
  const socket = connect({host: target.host, port: target.port})
  socket.setNoDelay(true)
  const connection: Connection = {socket}
  socket.on('data', (chunk: Buffer) => {
    // Bytes on an idle connection belong to no request: the connection can no longer be trusted.
    if (connection.onData) connection.onData(chunk)
    else socket.destroy()
  })
  const ended = (error: string) => {
    forget(target.origin, connection)
    connection.onEnd?.(error)
  }
  socket.on('error', (e: NodeJS.ErrnoException) => ended(e.code ?? e.message))
  socket.on('close', () => ended('ECONNRESET'))
  return {connection, reused: false}
}

function forget(origin: string, connection: Connection): void {
  const list = idle.get(origin)
  const at = list?.indexOf(connection) ?? -1
  if (at >= 0) list!.splice(at, 1)
}

function release(origin: string, connection: Connection): void {
  connection.onData = undefined
  connection.onEnd = undefined
  const list = idle.get(origin) ?? []
  if (list.length >= MAX_IDLE_PER_ORIGIN || !keepsConnections(origin)) {
    connection.socket.destroy()
    return
  }
  // An idle connection must not keep a CLI's event loop alive.
  connection.socket.unref()
  list.push(connection)
  idle.set(origin, list)
}

function exchange(target: Target, options: LoopbackRequest, timeoutMs: number): Promise<LoopbackAnswer & {stale?: boolean}> {
  return new Promise((resolve) => {
    const {connection, reused} = take(target)
    const parser = new ResponseParser(options.method === 'HEAD', options.keepBody ?? true)
    let answered = false
    const finish = (answer: LoopbackAnswer & {stale?: boolean}, keep: boolean) => {
      clearTimeout(timer)
      connection.onData = undefined
      connection.onEnd = undefined
      if (keep) release(target.origin, connection)
      else connection.socket.destroy()
      resolve(answer)
    }
    const timer = setTimeout(() => finish({status: 0, body: EMPTY, error: `timed out (${timeoutMs}ms)`}, false), timeoutMs)
    connection.onData = (chunk) => {
      answered = true
      const result = parser.push(chunk)
      if (result === 'more') return
      if (result === 'malformed') finish({status: 0, body: EMPTY, error: 'malformed answer'}, false)
      else finish({status: parser.status, body: parser.body()}, parser.keepAlive)
    }
    connection.onEnd = (error) => {
      // An answer without a length ends with the connection.
      if (parser.endsAtClose()) finish({status: parser.status, body: parser.body()}, false)
      else finish({status: 0, body: EMPTY, error, stale: reused && !answered}, false)
    }
    connection.socket.write(requestBytes(target, options))
  })
}

function requestBytes(target: Target, options: LoopbackRequest): Buffer {
  let head = `${options.method ?? 'GET'} ${target.path} HTTP/1.1\r\nhost: ${target.origin}\r\n${keepsConnections(target.origin) ? '' : 'connection: close\r\n'}`
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new Error(`header ${name} holds a line break`)
    if (name.toLowerCase() !== 'host' && name.toLowerCase() !== 'content-length') head += `${name}: ${value}\r\n`
  }
  if (options.body || (options.method && options.method !== 'GET' && options.method !== 'HEAD')) head += `content-length: ${options.body?.length ?? 0}\r\n`
  const bytes = Buffer.from(`${head}\r\n`, 'latin1')
  return options.body ? Buffer.concat([bytes, options.body]) : bytes
}

const EMPTY = Buffer.alloc(0)
const MAX_HEAD_BYTES = 64 * 1024

/** An HTTP/1.1 response, fed chunk by chunk: status line and headers, then a Content-Length, chunked or to-close body. */
export class ResponseParser {
  status = 0
  keepAlive = true
  private head: Buffer | undefined = EMPTY
  private pending: Buffer = EMPTY
  private readonly parts: Buffer[] = []
  private framing: {kind: 'length'; left: number} | {kind: 'chunked'; left: number; trailer: boolean} | {kind: 'close'} | undefined

  constructor(private readonly noBody = false, private readonly keepBody = true) {}

  push(chunk: Buffer): 'more' | 'done' | 'malformed' {
    if (this.head !== undefined) {
      const data = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk])
      const end = data.indexOf('\r\n\r\n')
      if (end < 0) {
        if (data.length > MAX_HEAD_BYTES) return 'malformed'
        this.head = data
        return 'more'
      }
      this.head = undefined
      if (!this.readHead(data.toString('latin1', 0, end))) return 'malformed'
      chunk = data.subarray(end + 4)
    }
    return this.readBody(chunk)
  }

  /** Whether a connection that ends now ends the answer (a body framed by the close). */
  endsAtClose(): boolean {
    return this.head === undefined && this.framing?.kind === 'close'
  }

  body(): Buffer {
    return this.parts.length === 1 ? this.parts[0] : this.parts.length === 0 ? EMPTY : Buffer.concat(this.parts)
  }

  private readHead(text: string): boolean {
    // Lower-cased once and searched, not split into lines: this runs for every probe of the daemon's life.
    const head = text.toLowerCase()
    const status = /^http\/1\.([01]) (\d{3})/.exec(head)
    if (!status) return false
    this.status = Number(status[2])
    const length = headerValue(head, 'content-length')
    if (length !== undefined && !/^\d+$/.test(length)) return false
    const chunked = headerValue(head, 'transfer-encoding')?.split(',').at(-1)?.trim() === 'chunked'
    const connection = headerValue(head, 'connection') ?? ''
    this.keepAlive = connection.includes('keep-alive') || (status[1] === '1' && !connection.includes('close'))
    if (this.noBody || this.status === 204 || this.status === 304 || this.status < 200) this.framing = {kind: 'length', left: 0}
    else if (chunked) this.framing = {kind: 'chunked', left: -1, trailer: false}
    else if (length !== undefined) this.framing = {kind: 'length', left: Number(length)}
    else {
      this.framing = {kind: 'close'}
      this.keepAlive = false
    }
    return true
  }

  private readBody(chunk: Buffer): 'more' | 'done' | 'malformed' {
    const framing = this.framing!
    if (framing.kind === 'close') {
      if (chunk.length > 0 && this.keepBody) this.parts.push(chunk)
      return 'more'
    }
    if (framing.kind === 'length') {
      const take = Math.min(framing.left, chunk.length)
      if (take > 0 && this.keepBody) this.parts.push(chunk.subarray(0, take))
      framing.left -= take
      if (framing.left > 0) return 'more'
      // Bytes past the answer mean the server and we disagree on framing: do not reuse this connection.
      if (chunk.length > take) this.keepAlive = false
      return 'done'
    }
    return this.readChunks(framing, chunk)
  }

  private readChunks(framing: {left: number; trailer: boolean}, chunk: Buffer): 'more' | 'done' | 'malformed' {
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    this.pending = EMPTY
    for (;;) {
      if (framing.trailer) {
        // After the last chunk: trailer lines until an empty one.
        const end = data.indexOf('\r\n')
        if (end < 0) return this.keep(data)
        data = data.subarray(end + 2)
        if (end > 0) continue
        if (data.length > 0) this.keepAlive = false
        return 'done'
      }
      if (framing.left < 0) {
        const end = data.indexOf('\r\n')
        if (end < 0) return this.keep(data)
        const size = Number.parseInt(data.toString('latin1', 0, end).split(';')[0].trim(), 16)
        if (!Number.isFinite(size) || size < 0) return 'malformed'
        data = data.subarray(end + 2)
        if (size === 0) {
          framing.trailer = true
          continue
        }
        framing.left = size + 2 // the chunk and its CRLF
      }
      const take = Math.min(framing.left, data.length)
      const bodyBytes = Math.min(take, Math.max(0, framing.left - 2))
      if (bodyBytes > 0 && this.keepBody) this.parts.push(data.subarray(0, bodyBytes))
      framing.left -= take
      data = data.subarray(take)
      if (framing.left > 0) return 'more'
      framing.left = -1
    }
  }

  private keep(data: Buffer): 'more' | 'malformed' {
    if (data.length > MAX_HEAD_BYTES) return 'malformed'
    this.pending = Buffer.from(data)
    return 'more'
  }
}

/** The value of header `name` in a lower-cased response head, trimmed. */
function headerValue(head: string, name: string): string | undefined {
  const at = head.indexOf(`\r\n${name}:`)
  if (at < 0) return undefined
  const start = at + name.length + 3
  const end = head.indexOf('\r\n', start)
  return head.slice(start, end < 0 ? undefined : end).trim()
}
