import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {writeFileAtomic} from '../lib/fs-atomic.js'
import {parseWeedHelp, type WeedFlags, type WeedFlagTable} from '../plan/weed-flags.js'
import {KIND_ORDER, type ProcessKind} from '../plan/types.js'
import {cacheRoot} from './binary.js'

type Cache = Record<string, WeedFlagTable>

/**
 * The flags of the weed at `path` (of version `version`), read from `weed <kind> -h` once per binary (four runs,
 * ≈0.6 s) and kept in the cache keyed by path, size and mtime, so a replaced binary is read again. The tables of
 * the other versions in seaweedctl's weed cache come along (read once too): they tell which version has a flag
 * this one lacks.
 */
export function weedFlagsOf(path: string, version: string, env: NodeJS.ProcessEnv = process.env): WeedFlags {
  const file = join(cacheRoot(env), 'weed-flags.json')
  let cache: Cache = {}
  try {
    cache = JSON.parse(readFileSync(file, 'utf8')) as Cache
  } catch {
    // no cache yet, or unreadable: ask the binary
  }
  let changed = false
  const tableOf = (binary: string, binaryVersion: string): [string, WeedFlagTable] => {
    const stat = statSync(binary)
    const key = `${binary}\0${stat.size}\0${stat.mtimeMs}`
    if (cache[key]?.version !== binaryVersion) {
      cache[key] = {version: binaryVersion, kinds: Object.fromEntries(KIND_ORDER.map((kind) => [kind, readHelp(binary, kind)])) as WeedFlagTable['kinds']}
      changed = true
    }
    return [key, cache[key]]
  }
  const [key, table] = tableOf(path, version)
  for (const other of installedVersions(env)) {
    if (other.path === path) continue
    try {
      tableOf(other.path, other.version)
    } catch {
      // a broken copy in the cache only means less to say about other versions
    }
  }
  if (changed) {
    try {
      mkdirSync(dirname(file), {recursive: true})
      writeFileAtomic(file, JSON.stringify(cache))
    } catch {
      // a read-only cache only costs speed
    }
  }
  const others = Object.entries(cache).filter(([k]) => k !== key).map(([, t]) => t)
  return {table, others}
}

/** The weeds in seaweedctl's cache (~/.cache/seaweedctl/weed/<version>/weed). */
function installedVersions(env: NodeJS.ProcessEnv): Array<{version: string; path: string}> {
  const dir = join(cacheRoot(env), 'weed')
  try {
    return readdirSync(dir).filter((v) => /^\d+\.\d+$/.test(v) && existsSync(join(dir, v, 'weed'))).map((v) => ({version: v, path: join(dir, v, 'weed')}))
  } catch {
    return []
  }
}

function readHelp(path: string, kind: ProcessKind): Record<string, WeedFlagTable['kinds'][ProcessKind][string]> {
  // weed prints its usage on stderr and exits 2; both streams are read in case a version differs.
  const run = spawnSync(path, [kind, '-h'], {encoding: 'utf8', timeout: 15_000, env: {PATH: '/usr/bin:/bin'}, stdio: ['ignore', 'pipe', 'pipe']})
  const text = `${run.stdout ?? ''}\n${run.stderr ?? ''}`
  const flags = parseWeedHelp(text)
  if (Object.keys(flags).length === 0) throw new Error(`${path} ${kind} -h listed no flags`)
  return flags
}
