import {readdir, rename, rm, stat} from 'node:fs/promises'
import {join} from 'node:path'

import {SeaweedctlError} from '../lib/errors.js'
import {cacheRoot, isElf} from './binary.js'
import {worksAs} from './install-verify.js'
import {compareVersions, parseVersionString} from './versions.js'

/**
 * The cache of weed versions, <cache>/weed/<version>/weed: a version directory appears whole (renamed into place
 * from a temp directory) or not at all; temp directories of killed installs are swept.
 */

export function weedDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'weed')
}

/** A temp directory under <cache>/weed older than this belongs to an install that was killed: removed. */
const STALE_TMP_MS = 6 * 3600 * 1000

export async function placeVersionDir(stage: string, finalDir: string, tmp: string, version: string, force: boolean): Promise<void> {
  const attempt = async () => {
    try {
      await rename(stage, finalDir)
      return true
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') return false
      throw error
    }
  }
  if (await attempt()) return
  // Something is there already. A working weed of this version (another install won the race) is success.
  if (!force && await worksAs(join(finalDir, 'weed'), version)) return
  // Broken, or --force: move it aside into our temp dir (removed with it), then try once more.
  await rename(finalDir, join(tmp, `replaced-${Date.now()}`)).catch(() => {})
  if (await attempt()) return
  if (await worksAs(join(finalDir, 'weed'), version)) return
  throw new SeaweedctlError('WEED_INSTALL_FAILED', `could not move weed ${version} into ${finalDir}: something else keeps writing there`, {data: {path: finalDir}})
}

export async function sweepStaleTemps(root: string): Promise<void> {
  const now = Date.now()
  for (const entry of await readdir(root).catch(() => [] as string[])) {
    if (!entry.startsWith('.tmp-')) continue
    const path = join(root, entry)
    const info = await stat(path).catch(() => undefined)
    if (info && now - info.mtimeMs > STALE_TMP_MS) await rm(path, {recursive: true, force: true}).catch(() => {})
  }
}

/** Versions in the cache: every <cache>/weed/<version>/weed (temp directories are not versions). */
export async function listCachedVersions(env: NodeJS.ProcessEnv = process.env): Promise<Array<{version: string; path: string; bytes: number; elf: boolean}>> {
  const root = weedDir(env)
  const out: Array<{version: string; path: string; bytes: number; elf: boolean}> = []
  for (const entry of await readdir(root).catch(() => [] as string[])) {
    const parsed = parseVersionString(entry)
    if (!parsed) continue
    const path = join(root, entry, 'weed')
    const info = await stat(path).catch(() => undefined)
    if (!info?.isFile()) continue
    out.push({version: entry, path, bytes: info.size, elf: isElf(path)})
  }
  return out.sort((a, b) => compareVersions(parseVersionString(a.version)!, parseVersionString(b.version)!))
}
