/*
 * Why this client is written by hand, not undici (#26 item 3; docs/benchmarks-daemon.md): measured side by side,
 * alternating, on one loaded 2-core machine with a 34-process cluster, the idle daemon on an undici Client per
 * origin (keep-alive, no pipelining) used 0.30 % of a core against 0.18 % with this client (median of the
 * passes: +0.11 percentage points, 1.6×; the bar for switching was 0.1) and held 71.6 MB RSS against 51.2 MB:
 * +15 MB of the daemon's own memory and +5 MB of node's code pages for undici and its WebAssembly parser, where
 * the target is within 10 MB of an idle bare Node process (39.6 MB). The CLI keeps using undici.
 */
import {connect, type Socket} from 'node:net'

import {ResponseParser} from './http-response.js'

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
