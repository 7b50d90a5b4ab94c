// Pure planning of a drain: which volume goes where, and which moves may run at the same time. No I/O here.

/** A volume server as the master lists it. */
export interface PlacementNode {
  node: string
  dc: string
  rack: string
  volumes: number
  max: number
}

/** weed's replica placement "xyz": x copies in other data centers, y on other racks, z on other servers of the rack. */
export interface ReplicaPlacement {
  dc: number
  rack: number
  node: number
}

/** One copy of a volume on one server. */
export interface VolumeReplica {
  volume: number
  collection: string
  node: string
  placement: ReplicaPlacement
}

export interface DrainMove {
  volume: number
  collection: string
  from: string
  to: string
}

export interface DrainPlan {
  moves: DrainMove[]
  /** Copies with nowhere to go under weed's placement rules. */
  unmoveable: Array<{volume: number; node: string; replication: string}>
}

interface Place {
  node: string
  dc: string
  rack: string
}

export const replicationText = (p: ReplicaPlacement): string => `${p.dc}${p.rack}${p.node}`

/** The keys holding the highest count. */
function topKeys(counts: Map<string, number>): string[] {
  const max = Math.max(0, ...counts.values())
  return [...counts].filter(([, n]) => n === max).map(([k]) => k)
}

/**
 * weed's own rule for adding a copy at `candidate` next to the `others` (weed/shell/command_volume_fix_replication.go
 * satisfyReplicaPlacement, the same on 4.30 and 4.48): never a second copy on one server; a new data center while
 * fewer than x + 1 are used; else only the most used data center, then the same for racks within it, then servers.
 */
export function satisfiesPlacement(placement: ReplicaPlacement, others: Place[], candidate: Place): boolean {
  if (others.some((o) => o.node === candidate.node)) return false
  const dcs = new Map<string, number>()
  for (const o of others) dcs.set(o.dc, (dcs.get(o.dc) ?? 0) + 1)
  if (!dcs.has(candidate.dc)) return dcs.size < placement.dc + 1
  if (!topKeys(dcs).includes(candidate.dc)) return false
  const racks = new Map<string, number>()
  for (const o of others) if (o.dc === candidate.dc) racks.set(o.rack, (racks.get(o.rack) ?? 0) + 1)
  if (!racks.has(candidate.rack)) return racks.size < placement.rack + 1
  if (!topKeys(racks).includes(candidate.rack)) return false
  return racks.get(candidate.rack)! < placement.node + 1
}

/**
 * Where every copy on the leaving servers goes, all leaving servers at once: each copy moves exactly once, and
 * only onto a server that stays. The choice follows weed's volumeServer.evacuate: the staying server with a free
 * slot and the lowest share of its slots used that does not hold the volume and keeps the placement (checked
 * against the volume's other copies where they will be, so two copies of one volume never land together).
 */
export function planDrain(nodes: PlacementNode[], replicas: VolumeReplica[], leaving: string[]): DrainPlan {
  const leavingSet = new Set(leaving)
  const byNode = new Map(nodes.map((n) => [n.node, {...n}]))
  const where = new Map<number, Place[]>()
  for (const r of replicas) {
    const n = byNode.get(r.node)
    const place = {node: r.node, dc: n?.dc ?? '', rack: n?.rack ?? ''}
    where.set(r.volume, [...(where.get(r.volume) ?? []), place])
  }
  const plan: DrainPlan = {moves: [], unmoveable: []}
  const order = [...replicas].filter((r) => leavingSet.has(r.node)).sort((a, b) => leaving.indexOf(a.node) - leaving.indexOf(b.node) || a.volume - b.volume)
  for (const r of order) {
    const places = where.get(r.volume)!
    const others = places.filter((p) => p.node !== r.node)
    const rules = r.placement.dc + r.placement.rack + r.placement.node > 0
    const candidates = [...byNode.values()]
      .filter((n) => !leavingSet.has(n.node) && n.max - n.volumes > 0)
      .sort((a, b) => a.volumes / Math.max(1, a.max) - b.volumes / Math.max(1, b.max) || a.node.localeCompare(b.node))
    const target = candidates.find((n) => !places.some((p) => p.node === n.node) && (!rules || satisfiesPlacement(r.placement, others, n)))
    if (!target) {
      plan.unmoveable.push({volume: r.volume, node: r.node, replication: replicationText(r.placement)})
      continue
    }
    plan.moves.push({volume: r.volume, collection: r.collection, from: r.node, to: target.node})
    where.set(r.volume, [...others, {node: target.node, dc: target.dc, rack: target.rack}])
    target.volumes++
    byNode.get(r.node)!.volumes--
  }
  return plan
}

export interface MoveLimits {
  /** Moves at once in all. */
  total: number
  /** Moves at once touching one server (as source or target). */
  perServer: number
}

/**
 * The pending moves that may start now, given those running: in plan order, never two of one volume at once (nor one
 * ahead of an earlier planned move of the same volume, whose placement check assumed it done), and within the limits.
 */
export function startable(pending: DrainMove[], running: DrainMove[], limits: MoveLimits): DrainMove[] {
  const busy = new Map<string, number>()
  const touch = (m: DrainMove) => {
    busy.set(m.from, (busy.get(m.from) ?? 0) + 1)
    busy.set(m.to, (busy.get(m.to) ?? 0) + 1)
  }
  running.forEach(touch)
  const volumes = new Set(running.map((m) => m.volume))
  const chosen: DrainMove[] = []
  for (const m of pending) {
    if (running.length + chosen.length >= limits.total) break
    const blocked = volumes.has(m.volume)
    volumes.add(m.volume)
    if (blocked) continue
    if ((busy.get(m.from) ?? 0) >= limits.perServer || (busy.get(m.to) ?? 0) >= limits.perServer) continue
    chosen.push(m)
    touch(m)
  }
  return chosen
}

/** The master's /vol/status, the part a drain reads. */
export type VolStatusBody = {Volumes?: {DataCenters?: Record<string, Record<string, Record<string, Array<{Id: number; Collection?: string; ReplicaPlacement?: Record<string, number>}> | null> | null>>}}

/** Every copy the master lists, with its placement (weed's JSON: {"dc":x,"rack":y,"node":z}, zeros left out). */
export function replicasOf(body: VolStatusBody): VolumeReplica[] {
  const replicas: VolumeReplica[] = []
  for (const racks of Object.values(body.Volumes?.DataCenters ?? {})) {
    for (const nodes of Object.values(racks ?? {})) {
      for (const [node, volumes] of Object.entries(nodes ?? {})) {
        for (const v of volumes ?? []) {
          const p = v.ReplicaPlacement ?? {}
          replicas.push({volume: v.Id, collection: v.Collection ?? '', node, placement: {dc: Number(p.dc) || 0, rack: Number(p.rack) || 0, node: Number(p.node) || 0}})
        }
      }
    }
  }
  return replicas
}
