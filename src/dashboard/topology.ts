import {loopbackRequest} from '../lib/loopback-http.js'
import {type DirStatus, sharedDirStatus} from '../supervisor/master-topology.js'

/** What the page shows of the master's topology and of the S3 buckets, read over loopback HTTP. */

export interface TopologyNode {
  url: string
  /** The volume server of this cluster at that address, when there is one. */
  process: string | null
  volumes: number
  ecShards: number
  max: number
  free: number
}

export interface TopologyView {
  /** The master that answered. */
  master: string
  weedVersion: string | null
  volumes: number
  max: number
  free: number
  dataCenters: Array<{id: string; racks: Array<{id: string; nodes: TopologyNode[]}>}>
}

const TIMEOUT_MS = 2000

/**
 * The first master (leader first) that answers /dir/status; `undefined` when none does. The read is the one
 * the volume servers' liveness probes share, when one is at most `maxAgeMs` old.
 */
export async function readTopology(masters: string[], processAt: (url: string) => string | null, maxAgeMs: number): Promise<TopologyView | undefined> {
  const read = await sharedDirStatus(masters, TIMEOUT_MS, maxAgeMs)
  return read ? parseDirStatus(read.master, read.status, processAt) : undefined
}

export function parseDirStatus(master: string, status: DirStatus, processAt: (url: string) => string | null): TopologyView {
  let volumes = 0
  const dataCenters = (status.Topology?.DataCenters ?? []).map((dc) => ({
    id: dc.Id ?? '?',
    racks: (dc.Racks ?? []).map((rack) => ({
      id: rack.Id ?? '?',
      nodes: (rack.DataNodes ?? []).map((n): TopologyNode => {
        const url = n.Url ?? '?'
        const max = n.Max ?? 0
        volumes += n.Volumes ?? 0
        return {url, process: processAt(url), volumes: n.Volumes ?? 0, ecShards: n.EcShards ?? 0, max, free: Math.max(0, max - (n.Volumes ?? 0))}
      }).sort((a, b) => a.url.localeCompare(b.url, 'en', {numeric: true})),
    })),
  }))
  // "8000GB 4.48 pypi": the size limit it was built for, the version, the build.
  const weedVersion = /\b(\d+\.\d+)\b/.exec((status.Version ?? '').replace(/^\S+GB\s+/, ''))?.[1] ?? null
  return {master, weedVersion, volumes, max: status.Topology?.Max ?? 0, free: status.Topology?.Free ?? 0, dataCenters}
}

/** Bucket names, from the filer's /buckets directory (S3 keeps one directory per bucket there). */
export async function listBuckets(filer: string): Promise<string[] | undefined> {
  const listing = await getJson<{Entries?: Array<{FullPath?: string; Mode?: number}> | null}>(`${filer}/buckets/`)
  if (!listing) return undefined
  const isDirectory = (mode: number | undefined) => mode !== undefined && mode >= 0x80000000
  return (listing.Entries ?? [])
    .filter((e) => isDirectory(e.Mode))
    .map((e) => (e.FullPath ?? '').replace(/^.*\//, ''))
    .filter((name) => name && !name.startsWith('.'))
    .sort()
}

async function getJson<T>(url: string): Promise<T | undefined> {
  const answer = await loopbackRequest(url, {headers: {accept: 'application/json'}, timeoutMs: TIMEOUT_MS})
  if (answer.status !== 200) return undefined
  try {
    return JSON.parse(answer.body.toString('utf8')) as T
  } catch {
    return undefined
  }
}
