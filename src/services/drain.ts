import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {SeaweedctlError} from '../lib/errors.js'
import {checkInterrupted, pause} from '../lib/interrupt.js'
import type {Plan, ProcessPlan} from '../plan/types.js'
import {loopbackRequest} from '../lib/loopback-http.js'
import {masterTopology, readDirStatus, type Topology} from '../supervisor/master-topology.js'
import {type HeldLock, holdShellLock, runWeedShell} from '../weed/shell.js'
import {type DrainMove, type MoveLimits, type PlacementNode, planDrain, replicasOf, startable, type VolStatusBody, type VolumeReplica} from './drain-plan.js'
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
  // All leaving servers at once, as the drain will move them: each copy onto a server that stays.
  if (refusals.length === 0) {
    const layout = await readLayout(plan)
    const together = planDrain(layout.nodes, layout.replicas, leaving.map(nodeOf))
    for (const u of together.unmoveable) {
      const victim = leaving.find((p) => nodeOf(p) === u.node)!
      unmoveable.push({process: victim.name, node: u.node, volume: u.volume, replication: u.replication})
    }
    if (together.unmoveable.length > 0) refusals.push(`with all of them leaving at once, ${together.unmoveable.length} volume copies have no server that stays to go to: ${together.unmoveable.map((u) => `${u.volume} on ${u.node} (replication ${u.replication})`).join(', ')}`)
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
 * it when it stopped: when it comes back it must take volumes again, or the master places nothing on it. Only
 * servers whose data directory holds a state.pb are asked: weed writes the file when the mode is first set
 * (weed/storage/store_state.go), so a new server cannot be in it, and a scale-up of new servers runs no weed shell.
 */
export async function endMaintenance(servers: ProcessPlan[], plan: Plan, weedPath: string, versionText: string): Promise<void> {
  const version = parseVersionString(versionText) ?? NEWEST_KNOWN
  const nodes = servers.filter((p) => existsSync(join(p.dataDir, 'state.pb'))).map(nodeOf)
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
  /** How many volumes a leaving server still holds, whenever that changes (`total`: what it held when the drain began). */
  progress?: (node: string, left: number, total: number) => void
  /** The weed shells of the drain (the one holding the lock and those moving volumes), whenever the set changes. */
  shells?: (pids: number[]) => void
  /** Maintenance mode was turned on (true) or off again (false) on the leaving servers. */
  maintenance?: (nodes: string[], on: boolean) => void
}

/**
 * How many volume moves run at once: each is one `weed shell` (tens of MB) spending most of its time in weed's tail,
 * which waits until the source has been idle for 5 polls 2 s apart (weed/server/volume_grpc_tail.go), so a move takes
 * at least ~10 s however small the volume. Moves that share a server share its disk: a few at once per server.
 */
export const MOVE_LIMITS: MoveLimits = {total: 8, perServer: 4}

/**
 * Drain every leaving volume server at once, within `timeoutMs` in all: maintenance mode on all of them first (where
 * weed allows moves out of it), then under weed's shell lock every copy they hold moves once, straight onto a server
 * that stays (planDrain: weed's placement rules), several moves at a time (weed's own `volume.move`: copy, tail,
 * verify, delete, run by shells with -noLock while this drain holds the lock), until the master shows them empty.
 * However it ends short of empty (weed refused, the time ran out, Ctrl-C), maintenance mode is turned off again
 * before it returns: it never outlives the drain that set it.
 */
export async function drainAll(victims: ProcessPlan[], plan: Plan, weedPath: string, versionText: string, timeoutMs: number, say: (l: string) => void, hooks: DrainHooks = {}): Promise<void> {
  const leaving = victims.filter((v) => v.readiness.kind === 'volumeListed')
  if (leaving.length === 0) return
  const nodes = leaving.map(nodeOf)
  const names = leaving.map((v) => v.name).join(', ')
  const master = plan.endpoints.master.replace(/^http:\/\//, '')
  const version = parseVersionString(versionText) ?? NEWEST_KNOWN
  const deadline = Date.now() + timeoutMs
  const remaining = () => Math.max(1000, deadline - Date.now())
  const topology = await masterTopology([plan.endpoints.master], 5000)
  const totals = new Map(nodes.map((n) => [n, topology?.get(n)?.volumes ?? 0]))
  for (const [n, total] of totals) hooks.progress?.(n, total, total)
  const total = [...totals.values()].reduce((a, b) => a + b, 0)
  say(`draining ${names} (${nodes.join(', ')}): maintenance on, moving ${leaving.length === 1 ? 'its' : 'their'} ${total} volume${total === 1 ? '' : 's'} to the servers that stay`)
  // Maintenance mode keeps new volumes off the servers while they drain. Some weed versions (4.30) also refuse
  // to move volumes out of a server in maintenance; then drain without it (the re-check before stopping
  // still catches a volume grown there meanwhile, and no move ever targets a leaving server).
  let maintenance = has(version, 'volumeMaintenance')
  let maintenanceSet = false
  const shells = new Set<number>()
  const tell = () => hooks.shells?.([...shells])
  const track = (pid: number) => {
    shells.add(pid)
    tell()
  }
  const untrack = (pid: number | undefined) => {
    if (pid !== undefined && shells.delete(pid)) tell()
  }
  const watch = watchVolumes(plan, totals, hooks)
  let lock: HeldLock | undefined
  try {
    lock = await holdShellLock(weedPath, master, remaining(), {signal: hooks.signal, started: track}).catch((error: unknown) => {
      if (error instanceof SeaweedctlError && Date.now() >= deadline) throw drainTimedOut(names, timeoutMs)
      throw error
    })
    for (let attempt = 1; ; attempt++) {
      checkInterrupted(hooks.signal)
      if (maintenance && !maintenanceSet) {
        maintenanceSet = true
        hooks.maintenance?.(nodes, true)
        await lock.run([`volumeServer.state -nodes ${nodes.join(',')} -maintenanceOn`], remaining())
      }
      const layout = await readLayout(plan)
      const moves = planDrain(layout.nodes, layout.replicas, nodes)
      if (moves.unmoveable.length > 0) {
        const list = moves.unmoveable.map((u) => `volume ${u.volume} on ${u.node} (replication ${u.replication})`).join(', ')
        throw new SeaweedctlError('DRAIN_FAILED', `could not drain ${names}: weed's placement rules leave ${list} nowhere to go on the servers that stay. The volumes moved so far stay where they are; ${names} keep${leaving.length === 1 ? 's' : ''} running (maintenance mode turned off again).`, {
          hints: ['Check free slots and replication placement: seaweedctl status; weed shell volume.list'],
          data: {unmoveable: moves.unmoveable},
          nothingChanged: false,
        })
      }
      const outcome = await runMoves(moves.moves, weedPath, master, deadline, hooks.signal, track, untrack)
      if (outcome.timedOut) throw drainTimedOut(names, timeoutMs, await leftOn(plan, nodes))
      if (maintenance && outcome.maintenanceRefused) {
        maintenance = false
        await lock.run([`volumeServer.state -nodes ${nodes.join(',')} -maintenanceOff`], remaining())
        maintenanceSet = false
        hooks.maintenance?.(nodes, false)
        say(`${names}: this weed cannot move volumes out of a server in maintenance mode; draining without it`)
        continue
      }
      const left = await waitForEmpty(plan, nodes, Math.min(10_000, Math.max(0, deadline - Date.now())), hooks.signal)
      if (left === 'empty') {
        // Stays in maintenance until it stops: nothing new may land on it in between.
        maintenanceSet = false
        return
      }
      if (Date.now() >= deadline) throw drainTimedOut(names, timeoutMs, left)
      if (attempt >= 3) {
        throw new SeaweedctlError('DRAIN_FAILED', `could not drain ${names}: ${left} volume(s) still there after ${attempt} rounds of moves${outcome.errors.length ? `; weed shell said:\n${outcome.errors.join('\n')}` : ''}\n${names} keep${leaving.length === 1 ? 's' : ''} running (maintenance mode turned off again).`, {
          hints: ['Check free slots and replication placement: seaweedctl status; weed shell volume.list'],
          data: {processes: leaving.map((v) => v.name), nodes, errors: outcome.errors},
          nothingChanged: false,
        })
      }
      say(`${names} still hold${leaving.length === 1 ? 's' : ''} ${left} volume(s); moving again`)
    }
  } finally {
    watch.stop()
    await lock?.release().catch(() => {})
    untrack(lock?.pid)
    if (maintenanceSet) {
      say(`${names}: turning maintenance mode off again`)
      await maintenanceOff(nodes, master, weedPath)
        .then(() => hooks.maintenance?.(nodes, false))
        .catch((error: Error) => say(`${names}: ${error.message}`))
    }
  }
}

interface MovesOutcome {
  errors: string[]
  /** A server refused because it is in maintenance mode (weed 4.30 refuses moves out of one). */
  maintenanceRefused: boolean
  timedOut: boolean
}

/**
 * Run the planned moves, several at a time (startable: MOVE_LIMITS, one move per volume at a time). Each is weed's own
 * `volume.move` with -noLock: the caller holds the lock. Every shell has ended when this returns or throws.
 */
async function runMoves(moves: DrainMove[], weedPath: string, master: string, deadline: number, signal: AbortSignal | undefined, track: (pid: number) => void, untrack: (pid: number | undefined) => void): Promise<MovesOutcome> {
  const outcome: MovesOutcome = {errors: [], maintenanceRefused: false, timedOut: false}
  const pending = [...moves]
  const running = new Map<DrainMove, Promise<void>>()
  let interruption: unknown
  while (pending.length > 0 || running.size > 0) {
    const stopping = interruption !== undefined || outcome.maintenanceRefused || outcome.timedOut
    for (const move of stopping ? [] : startable(pending, [...running.keys()], MOVE_LIMITS)) {
      pending.splice(pending.indexOf(move), 1)
      let pid: number | undefined
      const command = `volume.move -noLock -source ${move.from} -target ${move.to} -volumeId ${move.volume}`
      const run = runWeedShell(weedPath, master, [command], Math.max(1000, deadline - Date.now()), {signal, started: (p) => {
        pid = p
        track(p)
      }})
        .then((result) => {
          outcome.errors.push(...result.errors)
          if (/is in maintenance mode/.test(`${result.stdout}\n${result.stderr}`)) outcome.maintenanceRefused = true
        }, (error: unknown) => {
          if (error instanceof SeaweedctlError && error.code === 'SHELL_FAILED' && Date.now() >= deadline) outcome.timedOut = true
          else if (error instanceof SeaweedctlError) outcome.errors.push(error.message)
          else interruption ??= error
        })
        .finally(() => {
          running.delete(move)
          untrack(pid)
        })
      running.set(move, run)
    }
    if (running.size === 0) break
    await Promise.race(running.values())
  }
  if (interruption !== undefined) throw interruption
  return outcome
}

/** The servers and every copy of every volume, from the master (/dir/status for slots and racks, /vol/status for copies). */
async function readLayout(plan: Plan): Promise<{nodes: PlacementNode[]; replicas: VolumeReplica[]}> {
  const dir = await readDirStatus([plan.endpoints.master], 5000)
  const vol = await loopbackRequest(`${plan.endpoints.master}/vol/status`, {timeoutMs: 5000, headers: {accept: 'application/json'}})
  if (!dir || vol.status !== 200) throw new SeaweedctlError('NOT_HEALTHY', `the master at ${plan.endpoints.master} does not answer /dir/status and /vol/status; cannot plan where the volumes go`, {nothingChanged: false})
  const nodes: PlacementNode[] = []
  for (const dc of dir.status.Topology?.DataCenters ?? []) {
    for (const rack of dc.Racks ?? []) {
      for (const n of rack.DataNodes ?? []) if (n.Url) nodes.push({node: n.Url, dc: dc.Id ?? '', rack: rack.Id ?? '', volumes: n.Volumes ?? 0, max: n.Max ?? 0})
    }
  }
  return {nodes, replicas: replicasOf(JSON.parse(vol.body.toString('utf8')) as VolStatusBody)}
}

async function leftOn(plan: Plan, nodes: string[]): Promise<number | undefined> {
  const topology = await masterTopology([plan.endpoints.master], 2000)
  return topology ? nodes.reduce((a, n) => a + (topology.get(n)?.volumes ?? 0), 0) : undefined
}

function drainTimedOut(names: string, timeoutMs: number, left?: number): SeaweedctlError {
  return new SeaweedctlError('DRAIN_FAILED', `could not drain ${names} within --timeout ${Math.round(timeoutMs / 1000)}s${left === undefined ? '' : `: ${left} volume(s) still there`}. The volumes moved so far stay where they are; ${names} keep${names.includes(',') ? '' : 's'} running (maintenance mode turned off again).`, {
    hints: ['Give it longer: --timeout 20m (each volume takes weed at least ~10 s to move)'],
    data: {processes: names.split(', '), timeoutMs},
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

/** Poll the master once a second while a drain runs and report each server's volume count when it changes. */
function watchVolumes(plan: Plan, totals: Map<string, number>, hooks: DrainHooks): {stop: () => void} {
  if (!hooks.progress) return {stop: () => {}}
  const last = new Map(totals)
  let busy = false
  const timer = setInterval(() => {
    if (busy) return
    busy = true
    void masterTopology([plan.endpoints.master], 2000).then((t) => {
      for (const [node, was] of last) {
        const info = t?.get(node)
        if (info && info.volumes !== was) {
          last.set(node, info.volumes)
          hooks.progress?.(node, info.volumes, Math.max(totals.get(node) ?? 0, info.volumes))
        }
      }
    }).finally(() => {
      busy = false
    })
  }, 1000)
  return {stop: () => clearInterval(timer)}
}

/** 'empty' once the master lists every node with no volumes and no EC shards (checked twice, a beat apart); else how many are left. */
async function waitForEmpty(plan: Plan, nodes: string[], timeoutMs: number, signal?: AbortSignal): Promise<'empty' | number> {
  const deadline = Date.now() + timeoutMs
  let remaining = -1
  const count = (topology: Topology | undefined): number | undefined => {
    if (!topology || nodes.some((n) => !topology.has(n))) return undefined
    return nodes.reduce((a, n) => a + topology.get(n)!.volumes + topology.get(n)!.ecShards, 0)
  }
  while (true) {
    const now = count(await masterTopology([plan.endpoints.master], 5000))
    remaining = now ?? remaining
    if (now === 0) {
      // Re-check just before stopping: a volume could have been grown there in between.
      await pause(300, signal)
      if (count(await masterTopology([plan.endpoints.master], 5000)) === 0) return 'empty'
    }
    if (Date.now() > deadline) return remaining
    await pause(200, signal)
  }
}
