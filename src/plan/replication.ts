/**
 * Can the topology place the replication? Rules from the master's volume growth: the main data center needs
 * y+1 racks that each have z+1 servers, and x other data centers with at least one server each.
 */

export interface Replication {
  otherDataCenters: number
  otherRacks: number
  otherServers: number
  copies: number
}

export function parseReplication(text: string): Replication {
  const [x, y, z] = text.split('').map(Number)
  return {otherDataCenters: x, otherRacks: y, otherServers: z, copies: x + y + z + 1}
}

/** dataCenter → rack → number of servers */
export type Topology = Map<string, Map<string, number>>

export function topologyOf(placements: Array<{dataCenter: string; rack: string}>): Topology {
  const topology: Topology = new Map()
  for (const {dataCenter, rack} of placements) {
    const racks = topology.get(dataCenter) ?? new Map<string, number>()
    racks.set(rack, (racks.get(rack) ?? 0) + 1)
    topology.set(dataCenter, racks)
  }
  return topology
}

/** undefined when it can be placed, else a sentence saying what is missing. */
export function unplaceableReason(replication: string, topology: Topology): string | undefined {
  const r = parseReplication(replication)
  const dataCenters = [...topology.values()]
  const mainOk = dataCenters.some((racks) => [...racks.values()].filter((n) => n >= r.otherServers + 1).length >= r.otherRacks + 1)
  if (mainOk && dataCenters.length >= r.otherDataCenters + 1) return undefined
  return `replication "${replication}" (${r.copies} ${r.copies === 1 ? 'copy' : 'copies'}) needs ${requirement(r)}; the plan has ${describe(topology)}.`
}

export function requirement(r: Replication): string {
  const parts: string[] = []
  const perRack = r.otherServers + 1
  if (r.otherRacks === 0) parts.push(`at least ${perRack} volume server${perRack > 1 ? 's' : ''} in one rack`)
  else parts.push(`${r.otherRacks + 1} racks in one data center with at least ${perRack} volume server${perRack > 1 ? 's' : ''} each`)
  if (r.otherDataCenters > 0) parts.push(`${r.otherDataCenters + 1} data centers`)
  return parts.join(' and ')
}

function describe(topology: Topology): string {
  const servers = [...topology.values()].flatMap((racks) => [...racks.values()]).reduce((a, b) => a + b, 0)
  const racks = [...topology.values()].reduce((a, r) => a + r.size, 0)
  const most = Math.max(0, ...[...topology.values()].flatMap((r) => [...r.values()]))
  return `${servers} volume server${servers === 1 ? '' : 's'} in ${racks} rack${racks === 1 ? '' : 's'} (at most ${most} in one) and ${topology.size} data center${topology.size === 1 ? '' : 's'}`
}

/**
 * The smallest sizing that places it with the planner's round-robin placement, for a "Try:" hint.
 * Racks go to data centers in turn, so the main data center holds racks 1, 1+D, 1+2D…; servers go to racks
 * in turn, so the last of the y+1 racks it needs (rack y·D+1) is the one with the fewest servers.
 */
export function minimalSizing(replication: string): {volumes: number; racks: number; dataCenters: number} {
  const r = parseReplication(replication)
  const dataCenters = r.otherDataCenters + 1
  const racks = Math.max(r.otherRacks * dataCenters + 1, dataCenters)
  const volumes = Math.max(racks, r.otherServers * racks + r.otherRacks * dataCenters + 1)
  return {volumes, racks, dataCenters}
}
