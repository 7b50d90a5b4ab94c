import {existsSync, readFileSync} from 'node:fs'

import {readRegistry, registryDir, unregisterCluster} from '../daemon/registry.js'
import {procIdentity} from '../supervisor/proc.js'
import {renderTable} from '../lib/table.js'
import {survivors} from './cluster.js'

/**
 * running: its daemon runs (same pid and start time). daemon-stopped: the daemon is stopped (SIGSTOP) and does
 * not answer. unsupervised: the daemon is gone but weed processes of the cluster run. stale: nothing runs; the
 * entry is shown once and pruned.
 */
export type ListedState = 'running' | 'daemon-stopped' | 'unsupervised' | 'stale'

export interface ListedCluster {
  name: string
  state: ListedState
  specFile: string | null
  /** False when the spec file was deleted or moved: `down` in its directory still finds the cluster. */
  specExists: boolean
  runDir: string
  daemonPid: number
  endpoints: {master: string; filer?: string; s3?: string}
}

export interface ListResult {
  clusters: ListedCluster[]
  registry: string
}

/** Every cluster of this user the registry knows, with its state checked now; stale entries are pruned. */
export function listClusters(dir = registryDir()): ListResult {
  const clusters = readRegistry(dir).map((e): ListedCluster => {
    const state = stateOf(e.daemon, e.runDir)
    if (state === 'stale') unregisterCluster(dir, e.runDir, e.daemon.pid)
    return {
      name: e.name, state, specFile: e.specFile, specExists: e.specFile !== null && existsSync(e.specFile),
      runDir: e.runDir, daemonPid: e.daemon.pid, endpoints: e.endpoints,
    }
  })
  clusters.sort((a, b) => a.name.localeCompare(b.name) || a.runDir.localeCompare(b.runDir))
  return {clusters, registry: dir}
}

function stateOf(daemon: {pid: number; startTime: number}, runDir: string): ListedState {
  const live = procIdentity(daemon.pid)
  if (live && live.startTime === daemon.startTime) return processState(daemon.pid) === 'T' ? 'daemon-stopped' : 'running'
  return survivors({runDir}).length > 0 ? 'unsupervised' : 'stale'
}

/** The state letter of /proc/PID/stat (R, S, T…). */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]
  } catch {
    return undefined
  }
}

export function renderList(result: ListResult): string {
  if (result.clusters.length === 0) return 'no clusters running'
  const rows = result.clusters.map((c) => [
    c.name, c.state === 'stale' ? 'stale (pruned)' : c.state, String(c.daemonPid),
    c.specFile === null ? '-' : `${c.specFile}${c.specExists ? '' : ' (deleted)'}`, c.runDir,
    [`master ${c.endpoints.master}`, c.endpoints.filer ? `filer ${c.endpoints.filer}` : '', c.endpoints.s3 ? `s3 ${c.endpoints.s3}` : ''].filter(Boolean).join(' · '),
  ])
  return renderTable(['NAME', 'STATE', 'DAEMON', 'SPEC', 'RUN DIR', 'ENDPOINTS'], rows)
}
