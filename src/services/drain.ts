import {SeaweedctlError} from '../lib/errors.js'
import {checkInterrupted, pause} from '../lib/interrupt.js'
import type {Plan, ProcessPlan} from '../plan/types.js'
import {masterTopology} from '../supervisor/master-topology.js'
import {runWeedShell} from '../weed/shell.js'
import {has, parseVersionString, NEWEST_KNOWN} from '../weed/versions.js'

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
  try {
    await maintenanceOff(nodes, plan.endpoints.master.replace(/^http:\/\//, ''), weedPath)
  } catch (error) {
    if (error instanceof SeaweedctlError) throw new SeaweedctlError(error.code, `${error.message}. They run, but the master places no new volumes on them.`, {hints: error.hints, data: error.data, nothingChanged: false})
    throw error
  }
}

export interface DrainHooks {
  signal?: AbortSignal
  /** How many volumes the server still holds, whenever that changes (`total`: what it held when the drain began). */
  progress?: (left: number, total: number) => void
  /** The weed shell moving the volumes (its pid), and undefined once it ended. */
  shell?: (pid: number | undefined) => void
  /** Maintenance mode was turned on (true) or off again (false) on the server. */
  maintenance?: (on: boolean) => void
}

/**
 * Maintenance on, evacuate under the shell lock, then wait until the master shows the server empty, all within
 * `timeoutMs`. However it ends short of empty (weed refused, the time ran out, Ctrl-C), maintenance mode is
 * turned off again before it returns: it never outlives the drain that set it.
 */
export async function drain(victim: ProcessPlan, plan: Plan, weedPath: string, versionText: string, timeoutMs: number, say: (l: string) => void, hooks: DrainHooks = {}): Promise<void> {
  if (victim.readiness.kind !== 'volumeListed') return
  const node = victim.readiness.node
  const master = plan.endpoints.master.replace(/^http:\/\//, '')
  const version = parseVersionString(versionText) ?? NEWEST_KNOWN
  const apply = has(version, 'shellApply') ? '-apply' : '-force'
  const deadline = Date.now() + timeoutMs
  const total = (await masterTopology([plan.endpoints.master], 5000))?.get(node)?.volumes ?? 0
  hooks.progress?.(total, total)
  say(`draining ${victim.name} (${node}): maintenance on, moving its ${total} volume${total === 1 ? '' : 's'} to the other servers`)
  // Maintenance mode keeps new volumes off the server while it drains. Some weed versions (4.30) also refuse
  // to move volumes out of a server in maintenance; then drain without it (the re-check before stopping
  // still catches a volume grown there meanwhile).
  let maintenance = has(version, 'volumeMaintenance')
  let maintenanceSet = false
  const watch = watchVolumes(plan, node, total, hooks)
  try {
    for (let attempt = 1; ; attempt++) {
      checkInterrupted(hooks.signal)
      const commands = [
        'lock',
        maintenance ? `volumeServer.state -nodes ${node} -maintenanceOn` : '',
        `volumeServer.evacuate -node ${node} ${apply}`,
        'unlock',
      ].filter(Boolean)
      if (maintenance && !maintenanceSet) {
        maintenanceSet = true
        hooks.maintenance?.(true)
      }
      const left = Math.max(1000, deadline - Date.now())
      const result = await runWeedShell(weedPath, master, commands, left, {signal: hooks.signal, started: (pid) => hooks.shell?.(pid)})
        .catch((error: unknown) => {
          if (error instanceof SeaweedctlError && error.code === 'SHELL_FAILED' && Date.now() >= deadline) throw drainTimedOut(victim, node, timeoutMs)
          throw error
        })
        .finally(() => hooks.shell?.(undefined))
      if (maintenance && /is in maintenance mode/.test(`${result.stdout}\n${result.stderr}`)) {
        maintenance = false
        await maintenanceOff([node], master, weedPath)
        maintenanceSet = false
        hooks.maintenance?.(false)
        say(`${victim.name}: this weed cannot move volumes out of a server in maintenance mode; draining without it`)
        continue
      }
      const topology = await waitForEmpty(plan, node, Math.min(10_000, Math.max(0, deadline - Date.now())), hooks.signal)
      if (topology === 'empty') {
        // Stays in maintenance until it stops: nothing new may land on it in between.
        maintenanceSet = false
        return
      }
      if (Date.now() >= deadline) throw drainTimedOut(victim, node, timeoutMs, topology)
      if (attempt >= 3) {
        throw new SeaweedctlError('DRAIN_FAILED', `could not drain ${victim.name} (${node}): it still holds ${topology} volume(s) after ${attempt} evacuations${result.errors.length ? `; weed shell said:\n${result.errors.join('\n')}` : ''}\n${victim.name} keeps running (maintenance mode turned off again).`, {
          hints: ['Check free slots and replication placement: seaweedctl status; weed shell volume.list'],
          data: {process: victim.name, node, errors: result.errors},
          nothingChanged: false,
        })
      }
      say(`${victim.name} still holds ${topology} volume(s); evacuating again`)
    }
  } finally {
    watch.stop()
    if (maintenanceSet) {
      say(`${victim.name}: turning maintenance mode off again`)
      await maintenanceOff([node], master, weedPath)
        .then(() => hooks.maintenance?.(false))
        .catch((error: Error) => say(`${victim.name}: ${error.message}`))
    }
  }
}

function drainTimedOut(victim: ProcessPlan, node: string, timeoutMs: number, left?: number): SeaweedctlError {
  return new SeaweedctlError('DRAIN_FAILED', `could not drain ${victim.name} (${node}) within --timeout ${Math.round(timeoutMs / 1000)}s${left === undefined ? '' : `: it still holds ${left} volume(s)`}. The volumes moved so far stay where they are; ${victim.name} keeps running (maintenance mode turned off again).`, {
    hints: ['Give it longer: --timeout 20m (each volume takes weed several seconds to move)'],
    data: {process: victim.name, node, timeoutMs},
    nothingChanged: false,
  })
}

/**
 * Turn weed's maintenance mode off on `nodes`. Without the shell lock when weed allows it: a shell killed while
 * holding the lock (an interrupted drain's) keeps it about 9 s more (measured, weed 4.48), and turning
 * maintenance off changes no placement a lock holder relies on. Under the lock when weed insists.
 */
export async function maintenanceOff(nodes: string[], master: string, weedPath: string): Promise<void> {
  const command = `volumeServer.state -nodes ${nodes.join(',')} -maintenanceOff`
  let result = await runWeedShell(weedPath, master, [command], 30_000)
  if (result.errors.some((e) => /lock/i.test(e))) result = await runWeedShell(weedPath, master, ['lock', command, 'unlock'], 60_000)
  if (result.errors.length > 0) {
    throw new SeaweedctlError('SHELL_FAILED', `could not turn maintenance mode off on ${nodes.join(', ')}: ${result.errors.join('; ')}`, {
      hints: [`Retry by hand: weed shell -master=${master}, then: lock; ${command}; unlock`],
      data: {nodes, errors: result.errors},
      nothingChanged: false,
    })
  }
}

/** The nodes weed reports in maintenance mode (`volumeServer.state`, a read: no lock); undefined when the shell fails. */
export async function inMaintenance(nodes: string[], master: string, weedPath: string, versionText: string): Promise<string[] | undefined> {
  const version = parseVersionString(versionText) ?? NEWEST_KNOWN
  if (nodes.length === 0 || !has(version, 'volumeMaintenance')) return []
  const result = await runWeedShell(weedPath, master, [`volumeServer.state -nodes ${nodes.join(',')}`], 15_000).catch(() => undefined)
  if (!result || result.errors.length > 0) return undefined
  // "127.0.0.2:8080	 -> Maintenance mode: yes" (4.30 and 4.48)
  return [...result.stdout.matchAll(/^(\S+)\s+->\s+Maintenance mode:\s*yes/gm)].map((m) => m[1]).filter((n) => nodes.includes(n))
}

/** Poll the master once a second while a drain runs and report the server's volume count when it changes. */
function watchVolumes(plan: Plan, node: string, total: number, hooks: DrainHooks): {stop: () => void} {
  if (!hooks.progress) return {stop: () => {}}
  let last = total
  let busy = false
  const timer = setInterval(() => {
    if (busy) return
    busy = true
    void masterTopology([plan.endpoints.master], 2000).then((t) => {
      const info = t?.get(node)
      if (info && info.volumes !== last) {
        last = info.volumes
        hooks.progress?.(info.volumes, Math.max(total, info.volumes))
      }
    }).finally(() => {
      busy = false
    })
  }, 1000)
  return {stop: () => clearInterval(timer)}
}

/** 'empty' once the master lists the node with no volumes and no EC shards (checked twice, a beat apart). */
async function waitForEmpty(plan: Plan, node: string, timeoutMs: number, signal?: AbortSignal): Promise<'empty' | number> {
  const deadline = Date.now() + timeoutMs
  let remaining = -1
  while (true) {
    const topology = await masterTopology([plan.endpoints.master], 5000)
    const info = topology?.get(node)
    remaining = info ? info.volumes + info.ecShards : remaining
    if (info && info.volumes === 0 && info.ecShards === 0) {
      // Re-check just before stopping: a volume could have been grown on it in between.
      await pause(300, signal)
      const again = (await masterTopology([plan.endpoints.master], 5000))?.get(node)
      if (again && again.volumes === 0 && again.ecShards === 0) return 'empty'
    }
    if (Date.now() > deadline) return remaining
    await pause(200, signal)
  }
}
