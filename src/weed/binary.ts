import {execFile} from 'node:child_process'
import {accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync} from 'node:fs'
import {homedir} from 'node:os'
import {delimiter, dirname, join, resolve} from 'node:path'

import {writeFileAtomic} from '../lib/fs-atomic.js'

import {SeaweedctlError} from '../lib/errors.js'
import {parseWeedVersionOutput, supportVerdict, type WeedVersion} from './versions.js'

export type WeedSource = 'flag' | 'env' | 'spec' | 'cache' | 'PATH'

export interface WeedBinary {
  path: string
  source: WeedSource
  version: WeedVersion & {text: string}
  warning?: string
}

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache')
  return join(base, 'seaweedctl')
}

export function cachedWeedPath(version: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'weed', version, 'weed')
}

export interface FindOptions {
  flag?: string
  specBinary: string
  specVersion: string
  env?: NodeJS.ProcessEnv
}

/** The candidates in the documented order; the first that exists wins. */
export function weedCandidates(options: FindOptions): Array<{path: string; source: WeedSource}> {
  const env = options.env ?? process.env
  const out: Array<{path: string; source: WeedSource}> = []
  if (options.flag) out.push({path: resolve(options.flag), source: 'flag'})
  if (env.SEAWEEDCTL_WEED) out.push({path: resolve(env.SEAWEEDCTL_WEED), source: 'env'})
  if (options.specBinary !== 'auto') out.push({path: options.specBinary, source: 'spec'})
  out.push({path: cachedWeedPath(options.specVersion, env), source: 'cache'})
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir) out.push({path: join(dir, 'weed'), source: 'PATH'})
  return out
}

/** The weed that would be used (the first candidate that exists), without running it. Throws WEED_NOT_FOUND. */
export function locateWeed(options: FindOptions): {path: string; source: WeedSource} {
  const candidates = weedCandidates(options)
  // An explicit choice (flag, env, spec) that is missing is an error, not a reason to fall through silently.
  const chosen = candidates.find((c) => c.source === 'flag' || c.source === 'env' || c.source === 'spec')
  if (chosen && !existsSync(chosen.path)) {
    throw new SeaweedctlError('WEED_NOT_FOUND', `weed binary ${chosen.path} (from ${describeSource(chosen.source)}) does not exist`, {
      hints: [`Fix the path, or install weed ${options.specVersion}: seaweedctl weed install ${options.specVersion}`],
      data: {path: chosen.path, source: chosen.source},
    })
  }
  const found = candidates.find((c) => isExecutableFile(c.path))
  if (!found) {
    throw new SeaweedctlError('WEED_NOT_FOUND', 'no weed binary found (looked at --weed, $SEAWEEDCTL_WEED, weed.binary in the spec, the cache, and PATH). Nothing was started.', {
      hints: [`Install weed ${options.specVersion}: seaweedctl weed install ${options.specVersion}   (or bash scripts/install-weed.sh ${options.specVersion}; both put it in ${cachedWeedPath(options.specVersion, options.env)})`],
      data: {tried: candidates.filter((c) => c.source !== 'PATH').map((c) => c.path)},
    })
  }
  return found
}

/** Find weed, read its version, and check it against the spec. Throws a SeaweedctlError naming what was tried. */
export async function findWeed(options: FindOptions): Promise<WeedBinary> {
  const found = locateWeed(options)
  const version = await cachedWeedVersion(found.path, options.env ?? process.env)
  const verdict = supportVerdict(version)
  if (!verdict.ok) {
    throw new SeaweedctlError('WEED_VERSION_UNSUPPORTED', `${found.path}: ${verdict.reason}`, {data: {path: found.path, version: version.text}})
  }
  if (version.text !== options.specVersion) {
    throw new SeaweedctlError('WEED_VERSION_MISMATCH', `${found.path} (from ${describeSource(found.source)}) is weed ${version.text}, but the spec asks for weed.version "${options.specVersion}". Nothing was started.`, {
      hints: [`Set weed.version: "${version.text}" in the spec, or point --weed at a weed ${options.specVersion}`],
      data: {path: found.path, version: version.text, expected: options.specVersion},
    })
  }
  return {path: found.path, source: found.source, version, warning: verdict.warning}
}

export function describeSource(source: WeedSource): string {
  switch (source) {
    case 'flag': return '--weed'
    case 'env': return '$SEAWEEDCTL_WEED'
    case 'spec': return 'weed.binary in the spec'
    case 'cache': return "seaweedctl's cache"
    case 'PATH': return 'PATH'
  }
}

/**
 * `weed version` costs a 150 MB binary's start (≈100 ms); its answer is kept per path, size and mtime, so a
 * replaced binary is asked again.
 */
export async function cachedWeedVersion(path: string, env: NodeJS.ProcessEnv): Promise<WeedVersion & {text: string; sizeLimit: string}> {
  const file = join(cacheRoot(env), 'versions.json')
  const stat = statSync(path)
  const key = `${path}\0${stat.size}\0${stat.mtimeMs}`
  let cache: Record<string, WeedVersion & {text: string; sizeLimit: string}> = {}
  try {
    cache = JSON.parse(readFileSync(file, 'utf8')) as typeof cache
    if (cache[key]) return cache[key]
  } catch {
    // no cache yet, or unreadable: ask the binary
  }
  const version = await readWeedVersion(path)
  try {
    mkdirSync(dirname(file), {recursive: true})
    writeFileAtomic(file, JSON.stringify({...cache, [key]: version}))
  } catch {
    // a read-only cache only costs speed
  }
  return version
}

export function readWeedVersion(path: string): Promise<WeedVersion & {text: string; sizeLimit: string}> {
  return new Promise((resolvePromise, reject) => {
    if (!isElf(path)) {
      reject(new SeaweedctlError('WEED_NOT_EXECUTABLE', `${path} is not a weed executable (not an ELF binary; a wrapper script would hide the real process from supervision)`, {
        hints: ['Point --weed at the weed executable itself'],
        data: {path},
      }))
      return
    }
    execFile(path, ['version'], {timeout: 15_000, env: {PATH: '/usr/bin:/bin'}}, (error, stdout) => {
      const parsed = parseWeedVersionOutput(stdout ?? '')
      if (error || !parsed) {
        reject(new SeaweedctlError('WEED_NOT_EXECUTABLE', `${path} did not answer \`weed version\`${error ? `: ${error.message}` : ''}`, {data: {path}}))
        return
      }
      resolvePromise(parsed)
    })
  })
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

export function isElf(path: string): boolean {
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    const head = Buffer.alloc(4)
    readSync(fd, head, 0, 4, 0)
    return head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))
  } catch {
    return false
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
