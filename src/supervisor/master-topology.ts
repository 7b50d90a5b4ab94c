import {loopbackRequest} from '../lib/loopback-http.js'
import {TopologyCache} from './topology-cache.js'

/** The part of a master's /dir/status that seaweedctl reads. */
export interface DirStatus {
  Version?: string
  Topology?: {
    Max?: number
    Free?: number
    DataCenters?: Array<{Id?: string; Racks?: Array<{Id?: string; DataNodes?: Array<{Url?: string; PublicUrl?: string; Volumes?: number; EcShards?: number; Max?: number}>}>}>
  }
}

/** One answer to /dir/status: which master gave it, and what it said. */
export interface DirStatusRead {
  master: string
  status: DirStatus
}

export type Topology = Map<string, {volumes: number; ecShards: number; max: number}>

/** /dir/status of the first of `masterUrls` that answers it; undefined when none does. */
export async function readDirStatus(masterUrls: string[], timeoutMs: number): Promise<DirStatusRead | undefined> {
  for (const master of masterUrls) {
    const answer = await loopbackRequest(`${master}/dir/status`, {timeoutMs, headers: {accept: 'application/json'}})
    if (answer.status !== 200) continue
    try {
      const status = JSON.parse(answer.body.toString('utf8')) as DirStatus
      if (status.Topology) return {master, status}
    } catch {
      continue
    }
  }
  return undefined
}

const nodesByRead = new WeakMap<DirStatusRead, Topology>()

/** The data nodes a read lists, by ip:port, with their volume counts (made once per read, however many ask). */
export function nodesOf(read: DirStatusRead): Topology {
  let nodes = nodesByRead.get(read)
  if (nodes) return nodes
  nodes = new Map()
  for (const dc of read.status.Topology?.DataCenters ?? []) {
    for (const rack of dc.Racks ?? []) {
      for (const node of rack.DataNodes ?? []) {
        if (node.Url) nodes.set(node.Url, {volumes: node.Volumes ?? 0, ecShards: node.EcShards ?? 0, max: node.Max ?? 0})
      }
    }
  }
  nodesByRead.set(read, nodes)
  return nodes
}

/** The data nodes the master lists, read afresh (for the CLI's services: scale, drain). */
export async function masterTopology(masterUrls: string[], timeoutMs: number): Promise<Topology | undefined> {
  const read = await readDirStatus(masterUrls, timeoutMs)
  return read ? nodesOf(read) : undefined
}

/**
 * Everyone in the daemon reads the topology through this one cache: every volume server's liveness probe and
 * the dashboard, so a 32-server cluster costs the master one /dir/status per interval (topology-cache.ts).
 */
const shared = new TopologyCache(readDirStatus)

export function sharedDirStatus(masterUrls: string[], timeoutMs: number, maxAgeMs: number): Promise<DirStatusRead | undefined> {
  return shared.get(masterUrls, timeoutMs, maxAgeMs)
}
