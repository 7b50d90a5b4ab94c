/**
 * The machine-wide registry of running clusters: one file per cluster under the user's state directory
 * ($XDG_STATE_HOME/seaweedctl/clusters, else ~/.local/state/seaweedctl/clusters), written by the daemon that
 * runs the cluster and removed by `down` (or by that daemon when it stops). `seaweedctl ls` lists it, and
 * `status`/`down`/`logs` find a cluster through it after its seaweed.yaml moved its dataDir or was deleted.
 */
import {createHash} from 'node:crypto'
import {chmodSync, mkdirSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {writeFileAtomic} from '../lib/fs-atomic.js'

export interface RegistryEntry {
  name: string
  /** The seaweed.yaml the cluster was started from (null for a plan without a file). */
  specFile: string | null
  runDir: string
  dataDir: string
  socketPath: string
  /** The supervising daemon: its pid and start time (clock ticks since boot), so a reused pid is never taken for it. */
  daemon: {pid: number; startTime: number}
  endpoints: {master: string; filer?: string; s3?: string}
  updatedAt: string
}

/** Where the registry lives for this environment (the CLI hands it to the daemon it starts). */
export function registryDir(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state')
  return join(state, 'seaweedctl', 'clusters')
}

/** One file per run directory: two clusters of the same name in different directories are two entries. */
export function entryPath(dir: string, runDir: string): string {
  return join(dir, `${createHash('sha256').update(runDir).digest('hex').slice(0, 16)}.json`)
}

export function registerCluster(dir: string, entry: RegistryEntry): void {
  mkdirSync(dir, {recursive: true, mode: 0o700})
  chmodSync(dir, 0o700)
  writeFileAtomic(entryPath(dir, entry.runDir), `${JSON.stringify(entry, null, 2)}\n`, 0o600)
}

/** Remove a cluster's entry; with `daemonPid`, only while it still names that daemon (a successor's stays). */
export function unregisterCluster(dir: string, runDir: string, daemonPid?: number): void {
  const path = entryPath(dir, runDir)
  if (daemonPid !== undefined) {
    const current = readEntry(path)
    if (current && current.daemon.pid !== daemonPid) return
  }
  rmSync(path, {force: true})
}

export function readRegistry(dir: string): RegistryEntry[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).flatMap((n) => {
    const entry = readEntry(join(dir, n))
    return entry ? [entry] : []
  })
}

function readEntry(path: string): RegistryEntry | undefined {
  try {
    const entry = JSON.parse(readFileSync(path, 'utf8')) as RegistryEntry
    return typeof entry?.runDir === 'string' && typeof entry.daemon?.pid === 'number' ? entry : undefined
  } catch {
    return undefined
  }
}
