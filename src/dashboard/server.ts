import {randomBytes} from 'node:crypto'
import {readFileSync, rmSync} from 'node:fs'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {writeFileAtomic} from '../lib/fs-atomic.js'
import type {Supervisor} from '../supervisor/supervisor.js'
import {Actions, type Refusal} from './actions.js'
import {Feed} from './feed.js'
import {checkRequest} from './guard.js'
import {streamLog} from './log-stream.js'
import {type DashboardAnswer, type DashboardRequest, TOKEN_FILE} from './protocol.js'

/** What the daemon hands the dashboard. */
export interface DaemonContext {
  supervisor: Supervisor
  runDir: string
  socketPath: string
}

const page = (name: string) => fileURLToPath(new URL(`../../templates/dashboard/${name}`, import.meta.url))
/** The page's files; units.js is the CLI's own duration formatting (plain ESM), so the page writes "2m10s" like `status`. */
const ASSETS: Record<string, string> = {
  '/': page('index.html'),
  '/dashboard.css': page('dashboard.css'),
  '/dashboard.js': page('dashboard.js'),
  '/dom.js': page('dom.js'),
  '/log-pane.js': page('log-pane.js'),
  '/graphs.js': page('graphs.js'),
  '/transport.js': page('transport.js'),
  '/favicon.svg': page('favicon.svg'),
  '/units.js': fileURLToPath(new URL('../lib/units.js', import.meta.url)),
}
const TYPES: Record<string, string> = {html: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8', svg: 'image/svg+xml'}
const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
}
/** A one-time code for a browser that `dashboard --open` starts is good for this long. */
const OPEN_CODE_MS = 2 * 60_000
const MAX_BODY = 16 * 1024

/**
 * The dashboard: a page and its API on 127.0.0.1 only, inside the supervisor daemon (loaded on the first
 * `seaweedctl dashboard`, never at daemon start-up). One per daemon, with one token per daemon.
 */
class Dashboard {
  readonly token = randomBytes(32).toString('base64url')
  readonly feed: Feed
  readonly actions: Actions
  specFile: string | undefined
  port = 0
  private server: Server | undefined
  private readonly openCodes = new Map<string, number>()
  private readonly assets = new Map<string, Buffer>()

  constructor(private readonly context: DaemonContext) {
    this.feed = new Feed(context.supervisor, context.socketPath)
    this.specFile = context.supervisor.plan.specFile
    this.actions = new Actions(this.feed, {
      specFile: () => this.specFile,
      processNames: () => context.supervisor.processes.map((p) => p.name),
      volumeCount: () => context.supervisor.ofKind('volume').length,
    })
    writeFileAtomic(this.tokenFile, `${this.token}\n`, 0o600)
    // The token dies with the daemon that made it.
    process.once('exit', () => rmSync(this.tokenFile, {force: true}))
  }

  get tokenFile(): string {
    return join(this.context.runDir, TOKEN_FILE)
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/#token=${this.token}`
  }

  /** Listen on `port` (0: any free one); an open dashboard moving to another port ends its pages' streams. */
  async listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: Error) => {
        if (!res.headersSent) json(res, 500, {error: {code: 'INTERNAL', message: error.message}})
        else res.end()
      })
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({port, host: '127.0.0.1', exclusive: true}, () => {
        server.off('error', reject)
        resolve()
      })
    })
    if (this.server) {
      this.feed.close()
      this.server.close()
      this.server.closeAllConnections()
    }
    this.server = server
    this.port = (server.address() as {port: number}).port
  }

  openCode(): string {
    const code = randomBytes(16).toString('base64url')
    this.openCodes.set(code, Date.now() + OPEN_CODE_MS)
    return code
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard')
    const method = req.method ?? 'GET'
    const api = url.pathname.startsWith('/api/')
    // The code exchange is how a browser without the token gets it: it needs the code instead.
    const session = url.pathname === '/api/session'
    const verdict = checkRequest(method, req.headers, {port: this.port, token: this.token}, api && !session)
    if (!verdict.ok) {
      json(res, verdict.status, {error: {code: verdict.code, message: verdict.message}})
      return
    }
    if (!api) {
      const asset = ASSETS[url.pathname]
      if (method !== 'GET' || !asset) {
        json(res, method === 'GET' ? 404 : 405, {error: {code: 'NOT_FOUND', message: `no page ${url.pathname}`}})
        return
      }
      this.serveAsset(res, asset)
      return
    }
    const route = `${method} ${url.pathname}`
    const control = /^POST \/api\/processes\/([\w.-]+)\/(\w+)$/.exec(route)
    if (control) {
      answer(res, this.actions.control(control[2], control[1]))
      return
    }
    switch (route) {
      case 'GET /api/events':
        this.feed.subscribe(req, res)
        return
      case 'GET /api/logs': {
        const name = url.searchParams.get('name') ?? ''
        const process = this.context.supervisor.processes.find((p) => p.name === name)
        if (!process) {
          json(res, 404, {error: {code: 'UNKNOWN_PROCESS', message: `no process named "${name}"`}})
          return
        }
        const lines = Math.min(Math.max(Number(url.searchParams.get('lines')) || 200, 1), 2000)
        streamLog(req, res, process.plan.logFile, lines)
        return
      }
      case 'POST /api/scale': {
        const body = await readJson(req)
        if (body?.kind !== 'volume') {
          json(res, 400, {error: {code: 'BAD_ARGUMENT', message: 'the page scales volume servers: {"kind": "volume", "delta": 1}'}})
          return
        }
        answer(res, this.actions.scaleVolumes(Number(body.delta)))
        return
      }
      case 'POST /api/session': {
        const code = String((await readJson(req))?.code ?? '')
        const expires = this.openCodes.get(code)
        this.openCodes.delete(code)
        if (expires === undefined || expires < Date.now()) {
          json(res, 401, {error: {code: 'UNAUTHORIZED', message: 'this link was already used or has expired: run `seaweedctl dashboard` for the current URL'}})
          return
        }
        json(res, 200, {token: this.token})
        return
      }
      default:
        json(res, 404, {error: {code: 'NOT_FOUND', message: `no route ${route}`}})
    }
  }

  private serveAsset(res: ServerResponse, file: string): void {
    let body = this.assets.get(file)
    if (!body) {
      body = readFileSync(file)
      this.assets.set(file, body)
    }
    res.writeHead(200, {...SECURITY_HEADERS, 'content-type': TYPES[file.split('.').pop()!], 'content-length': body.length})
    res.end(body)
  }
}

let dashboard: Dashboard | undefined

/** POST /v1/dashboard: start the dashboard (or move it to the port asked for) and say where it is. */
export async function serveDashboard(context: DaemonContext, request: DashboardRequest): Promise<DashboardAnswer> {
  const wanted = request.port ?? 0
  if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65_535) {
    return {error: {code: 'BAD_ARGUMENT', message: `--port ${wanted} is not a TCP port (1-65535)`}}
  }
  dashboard ??= new Dashboard(context)
  if (request.specFile) dashboard.specFile = request.specFile
  if (dashboard.port === 0 || (wanted !== 0 && wanted !== dashboard.port)) {
    try {
      await dashboard.listen(wanted)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      return {
        error: {
          code: code === 'EADDRINUSE' ? 'PORT_IN_USE' : 'BAD_ARGUMENT',
          message: code === 'EADDRINUSE' ? `port ${wanted} on 127.0.0.1 is already in use` : `cannot listen on 127.0.0.1:${wanted}: ${(error as Error).message}`,
          hints: [dashboard.port ? `The dashboard keeps serving at http://127.0.0.1:${dashboard.port}/` : 'Leave out --port to use any free port'],
          data: {port: wanted},
        },
      }
    }
  }
  return {
    url: dashboard.url,
    port: dashboard.port,
    tokenFile: dashboard.tokenFile,
    ...(request.open ? {openUrl: `http://127.0.0.1:${dashboard.port}/#code=${dashboard.openCode()}`} : {}),
  }
}

function answer(res: ServerResponse, outcome: {id: number} | Refusal): void {
  if ('id' in outcome) json(res, 202, {accepted: true, id: outcome.id})
  else json(res, outcome.status, {error: {code: outcome.code, message: outcome.message}})
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {...SECURITY_HEADERS, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text)})
  res.end(text)
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY) return undefined
    chunks.push(chunk as Buffer)
  }
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
