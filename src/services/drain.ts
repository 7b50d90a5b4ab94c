import {SeaweedctlError} from '../lib/errors.js'
import type {Plan, ProcessPlan} from '../plan/types.js'
import {masterTopology} from '../supervisor/master-topology.js'
import {runWeedShell} from '../weed/shell.js'
import {has, parseVersionString, NEWEST_KNOWN} from '../weed/versions.js'

/** A drain moves whole volumes between servers; give it time, but never forever. */
const SHELL_TIMEOUT_MS = 10 * 60_000
/**
 * The dry run only reads the topology and plans: a few hundred milliseconds. The bound is for a master that does
 * not answer; a loaded machine can take seconds, and a refusal then is still a refusal before anything changed.
 */
const DRY_RUN_TIMEOUT_MS = 15_000

/** What `volumeServer.evacuate` without -apply says it would do for one server. */
export interface EvacuationPlan {
  moves: Array<{volume: number; from: string; to: string}>
  /** Volumes weed's placement rules give nowhere to go (reported with -skipNonMoveable). */
  unmoveable: Array<{volume: number; replication: string}>
  /** "error: …" lines: the server is not in the cluster, the lock failed… */
  errors: string[]
}

/** Parse the simulation output of `volumeServer.evacuate -skipNonMoveable` (same text on weed 4.30 and 4.48). */
export function parseEvacuationDryRun(output: string): EvacuationPlan {
  const plan: EvacuationPlan = {moves: [], unmoveable: [], errors: []}
  for (const raw of output.split('\n')) {
    const line = raw.trim()
    // "moving hdd volume images_7 127.0.0.5:8083 => 127.0.0.2:8080" (disk type and collection prefix optional)
    const move = /^moving\s+(?:\S+\s+)?volume\s+(?:.*_)?(\d+)\s+(\S+)\s+=>\s+(\S+)$/.exec(line)
    if (move) {
      plan.moves.push({volume: Number(move[1]), from: move[2], to: move[3]})
      continue
    }
    const skipped = /^skipping non moveable volume (\d+) replication:(\d{3})/.exec(line)
    if (skipped) {
      plan.unmoveable.push({volume: Number(skipped[1]), replication: skipped[2]})
      continue
    }
    const ec = /^failed to move away ec volume (\d+)/.exec(line)
    if (ec) {
      plan.unmoveable.push({volume: Number(ec[1]), replication: 'ec'})
      continue
    }
    if (/^error:/.test(line)) plan.errors.push(line)
  }
  return plan
}

/** The ip:port weed knows a volume server by. */
export function nodeOf(p: ProcessPlan): string {
  return p.readiness.kind === 'volumeListed' ? p.readiness.node : `${p.host}:${p.ports.http}`
}

/**
 * Everything that can be known before a drain starts, asked of the master and of weed itself, so that a
 * drain that cannot succeed is refused before maintenance mode or any move: free slots (overridable with
 * --force), then weed's own dry run of the evacuation of every leaving server (never overridable: it is
 * weed's placement rules speaking).
 */
export async function precheckDrain(plan: Plan, leaving: ProcessPlan[], weedPath: string, force: boolean): Promise<void> {
  const topology = await masterTopology([plan.endpoints.master], 2000)
  if (!topology) throw new SeaweedctlError('NOT_HEALTHY', `the master at ${plan.endpoints.master} does not answer /dir/status; cannot check where the volumes would go. Nothing was changed.`)
  const leavingNodes = new Set(leaving.map(nodeOf))
  let needed = 0
  let free = 0
  for (const [node, info] of topology) {
    if (leavingNodes.has(node)) needed += info.volumes
    else free += Math.max(0, info.max - info.volumes)
  }
  const names = leaving.map((p) => p.name).join(', ')
  if (needed > free && !force) {
    throw new SeaweedctlError('SCALE_REFUSED', `refusing to remove ${names}: they hold ${needed} volumes, but the servers that stay have only ${free} free volume slots. Nothing was changed.`, {
      hints: ['Raise volume.max (or free disk space), or pass --force to try anyway (weed\'s dry run still refuses a drain it cannot do)'],
      data: {needed, free},
    })
  }

  const master = plan.endpoints.master.replace(/^http:\/\//, '')
  const refusals: string[] = []
  const unmoveable: Array<{process: string; node: string; volume: number; replication: string}> = []
  for (const victim of leaving) {
    const node = nodeOf(victim)
    if (!topology.has(node)) {
      refusals.push(`${victim.name} (${node}) is not listed by the master, so its volumes cannot be moved`)
      continue
    }
    // The simulation checks the shell lock like a real move, so it takes the lock (for well under a second).
    const result = await runWeedShell(weedPath, master, ['lock', `volumeServer.evacuate -node ${node} -skipNonMoveable`, 'unlock'], DRY_RUN_TIMEOUT_MS)
    const dryRun = parseEvacuationDryRun(`${result.stdout}\n${result.stderr}`)
    for (const u of dryRun.unmoveable) unmoveable.push({process: victim.name, node, ...u})
    if (dryRun.unmoveable.length > 0) {
      const list = dryRun.unmoveable.map((u) => u.replication === 'ec' ? `${u.volume} (EC shards)` : `${u.volume} (replication ${u.replication})`)
      refusals.push(`${victim.name} (${node}): ${dryRun.unmoveable.length} of its ${topology.get(node)!.volumes} volumes cannot move: ${list.join(', ')}`)
    } else if (dryRun.errors.length > 0) {
      refusals.push(`${victim.name} (${node}): weed shell said ${dryRun.errors.join('; ')}`)
    }
  }
  if (refusals.length > 0) {
    const stay = [...topology.keys()].filter((n) => !leavingNodes.has(n))
    throw new SeaweedctlError('SCALE_REFUSED', `refusing to remove ${names}: weed's dry run of the drain (volumeServer.evacuate) says it cannot succeed.\n  ${refusals.join('\n  ')}\nA replica may only move to a server with a free slot on another host (and rack or data center, as its replication requires) than its other copies; ${stay.length} server${stay.length === 1 ? '' : 's'} would stay (${stay.join(', ')}) with ${free} free slots. Nothing was changed.`, {
      hints: ['Keep more volume servers, add servers in the racks the replication needs (seaweedctl scale volume N), or raise volume.max'],
      data: {unmoveable, free, staying: stay},
    })
  }
}

/**
 * Maintenance mode outlives a restart (weed keeps it in the server's state.pb), and a drained server was left in
 * it when it stopped: when it comes back it must take volumes again, or the master places nothing on it.
 */
export async function endMaintenance(nodes: string[], plan: Plan, weedPath: string, versionText: string): Promise<void> {
  const version = parseVersionString(versionText) ?? NEWEST_KNOWN
  if (nodes.length === 0 || !has(version, 'volumeMaintenance')) return
  const master = plan.endpoints.master.replace(/^http:\/\//, '')
  const result = await runWeedShell(weedPath, master, ['lock', `volumeServer.state -nodes ${nodes.join(',')} -maintenanceOff`, 'unlock'], 60_000)
  if (result.errors.length > 0) {
    throw new SeaweedctlError('SHELL_FAILED', `could not turn maintenance mode off on ${nodes.join(', ')}: ${result.errors.join('; ')}. They run, but the master places no new volumes on them.`, {
      hints: [`Retry by hand: weed shell -master=${master}, then: lock; volumeServer.state -nodes ${nodes.join(',')} -maintenanceOff; unlock`],
      data: {nodes, errors: result.errors},
      nothingChanged: false,
    })
  }
}

/** Maintenance on, evacuate under the shell lock, then wait until the master shows the server empty. */
export async function drain(victim: ProcessPlan, plan: Plan, weedPath: string, versionText: string, timeoutMs: number, say: (l: string) => void): Promise<void> {
  if (victim.readiness.kind !== 'volumeListed') return
  const node = victim.readiness.node
  const master = plan.endpoints.master.replace(/^http:\/\//, '')
  const version = parseVersionString(versionText) ?? NEWEST_KNOWN
  const apply = has(version, 'shellApply') ? '-apply' : '-force'
  say(`draining ${victim.name} (${node}): maintenance on, moving its volumes to the other servers`)
  // Maintenance mode keeps new volumes off the server while it drains. Some weed versions (4.30) also refuse
  // to move volumes out of a server in maintenance; then drain without it (the re-check before stopping
  // still catches a volume grown there meanwhile).
  let maintenance = has(version, 'volumeMaintenance')
  const deadline = Date.now() + timeoutMs
  for (let attempt = 1; ; attempt++) {
    const commands = [
      'lock',
      maintenance ? `volumeServer.state -nodes ${node} -maintenanceOn` : '',
      `volumeServer.evacuate -node ${node} ${apply}`,
      'unlock',
    ].filter(Boolean)
    const result = await runWeedShell(weedPath, master, commands, SHELL_TIMEOUT_MS)
    if (maintenance && /is in maintenance mode/.test(`${result.stdout}\n${result.stderr}`)) {
      maintenance = false
      await runWeedShell(weedPath, master, ['lock', `volumeServer.state -nodes ${node} -maintenanceOff`, 'unlock'], 60_000)
      say(`${victim.name}: this weed cannot move volumes out of a server in maintenance mode; draining without it`)
      continue
    }
    const topology = await waitForEmpty(plan, node, Math.min(10_000, Math.max(0, deadline - Date.now())))
    if (topology === 'empty') return
    if (attempt >= 3 || Date.now() > deadline) {
      if (has(version, 'volumeMaintenance')) await runWeedShell(weedPath, master, ['lock', `volumeServer.state -nodes ${node} -maintenanceOff`, 'unlock'], 60_000).catch(() => undefined)
      throw new SeaweedctlError('DRAIN_FAILED', `could not drain ${victim.name} (${node}): it still holds ${topology} volume(s) after ${attempt} evacuations${result.errors.length ? `; weed shell said:\n${result.errors.join('\n')}` : ''}\n${victim.name} keeps running (maintenance mode turned off again).`, {
        hints: ['Check free slots and replication placement: seaweedctl status; weed shell volume.list'],
        data: {process: victim.name, node, errors: result.errors},
        nothingChanged: false,
      })
    }
    say(`${victim.name} still holds ${topology} volume(s); evacuating again`)
  }
}

/** 'empty' once the master lists the node with no volumes and no EC shards (checked twice, a beat apart). */
async function waitForEmpty(plan: Plan, node: string, timeoutMs: number): Promise<'empty' | number> {
  const deadline = Date.now() + timeoutMs
  let remaining = -1
  while (true) {
    const topology = await masterTopology([plan.endpoints.master], 5000)
    const info = topology?.get(node)
    remaining = info ? info.volumes + info.ecShards : remaining
    if (info && info.volumes === 0 && info.ecShards === 0) {
      // Re-check just before stopping: a volume could have been grown on it in between.
      await new Promise((r) => setTimeout(r, 300))
      const again = (await masterTopology([plan.endpoints.master], 5000))?.get(node)
      if (again && again.volumes === 0 && again.ecShards === 0) return 'empty'
    }
    if (Date.now() > deadline) return remaining
    await new Promise((r) => setTimeout(r, 200))
  }
}
