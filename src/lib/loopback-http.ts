import {Agent, request, type RequestOptions} from 'node:http'

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
}

/**
 * One connection per weed server, kept open between requests. The supervisor probes every process every
 * interval; opening and closing a TCP connection per probe was most of its idle CPU. An idle socket does not
 * keep a CLI alive (the agent unrefs it), and a timed-out request destroys its socket, so a hung process is
 * met with a fresh connection next time.
 */
const agent = new Agent({keepAlive: true, keepAliveMsecs: 10_000, maxFreeSockets: 2, scheduling: 'lifo'})

/** Parsed request options per URL: the same few URLs are asked every interval for the daemon's whole life. */
const parsed = new Map<string, RequestOptions>()
const MAX_PARSED = 512

function optionsFor(url: string): RequestOptions {
  let options = parsed.get(url)
  if (!options) {
    const u = new URL(url)
    options = {protocol: u.protocol, hostname: u.hostname, port: u.port, path: `${u.pathname}${u.search}`}
    if (parsed.size >= MAX_PARSED) parsed.clear()
    parsed.set(url, options)
  }
  return options
}

/** Errors that mean the server closed a kept-open connection just as it was reused: worth one retry. */
const STALE_SOCKET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED'])

/**
 * One HTTP request to a local weed server with a hard timeout. Never rejects: a refused connection, a timeout
 * or a reset is an answer with status 0 and an error, because a probe that is "not yet" must not be an exception.
 */
export function loopbackRequest(url: string, options: LoopbackRequest): Promise<LoopbackAnswer> {
  const deadline = Date.now() + options.timeoutMs
  return attempt(url, options, options.timeoutMs).then((answer) =>
    // A request on a reused socket that the server had just closed fails without reaching it: ask once more.
    answer.retry && Date.now() < deadline ? attempt(url, options, deadline - Date.now()) : answer,
  )
}

function attempt(url: string, options: LoopbackRequest, timeoutMs: number): Promise<LoopbackAnswer & {retry?: boolean}> {
  return new Promise((resolve) => {
    let settled = false
    const done = (answer: LoopbackAnswer & {retry?: boolean}) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(answer)
    }
    const req = request({...optionsFor(url), method: options.method ?? 'GET', agent, headers: options.headers}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => done({status: res.statusCode ?? 0, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)}))
      res.on('error', (e) => done({status: 0, body: EMPTY, error: e.message}))
    })
    const timer = setTimeout(() => {
      req.destroy()
      done({status: 0, body: EMPTY, error: `timed out (${timeoutMs}ms)`})
    }, timeoutMs)
    req.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? e.message
      done({status: 0, body: EMPTY, error: code, retry: req.reusedSocket && STALE_SOCKET.has(code)})
    })
    req.end(options.body)
  })
}

const EMPTY = Buffer.alloc(0)

/** Close every kept-open connection (a daemon that stops; tests that count sockets). */
export function closeLoopbackConnections(): void {
  agent.destroy()
}
