import {readdirSync} from 'node:fs'

import type {DaemonClient} from '../daemon/client.js'
import type {ProcessWeed, ReplaceRequest} from '../daemon/protocol.js'
import {SeaweedctlError} from '../lib/errors.js'
import {checkInterrupted, pause} from '../lib/interrupt.js'
import {KIND_ORDER, type Plan, type ProcessPlan} from '../plan/types.js'
import {httpGet} from '../supervisor/probes.js'
import type {ProcessStatus, StatusReport} from '../supervisor/status-types.js'

/** One process to restart: onto `plan`/`weed` (the same as before for a plain rolling restart). */
export interface RollStep {
  name: string
  plan: ProcessPlan
  weed: ProcessWeed
  /** What it ran before, to put it back on when the new plan fails. */
  previous: ProcessPlan
  previousWeed: ProcessWeed
}

export interface RollOptions {
  masterUrls: string[]
  timeoutMs: number
  reason: string
  say: (line: string) => void
  /** Shown when a step fails: how to go back (e.g. `seaweedctl weed upgrade 4.30`). */
  goBack?: string
  /** Ctrl-C/SIGTERM: the roll stops before its next step (a step begun is finished: its process comes back). */
  signal?: AbortSignal
  /** The steps are in roll order already (orderRoll), as a journal written beforehand lists them. */
  ordered?: boolean
  /** Each step as it begins (with the pid it had) and once its process is RUNNING again: the journal's record. */
  onStep?: (name: string, state: 'active' | 'done', pidBefore?: number | null) => void
  /** Every volume server of the cluster (not only the roll's): whose disks tell a volume weed removed. */
  volumeServers: Array<Pick<ProcessPlan, 'name' | 'dataDir'>>
}

/**
 * Dependency order for a roll: masters (followers first, the leader last, so the cluster changes leader at
 * most once), then volume servers, filers and S3 gateways. Pure.
 */
export function rollOrder<T extends {name: string; plan: Pick<ProcessPlan, 'kind' | 'index'>}>(steps: T[], leader: string | undefined): T[] {
  const rank = (s: T) => KIND_ORDER.indexOf(s.plan.kind) * 2 + (s.plan.kind === 'master' && s.name === leader ? 1 : 0)
  return [...steps].sort((a, b) => rank(a) - rank(b) || a.plan.index - b.plan.index)
}

/** The steps in the order roll() takes them (the leading master asked now). */
export async function orderRoll<T extends RollStep>(steps: T[]): Promise<T[]> {
  return rollOrder(steps, await leaderOf(steps.filter((s) => s.plan.kind === 'master').map((s) => s.previous)))
}

/** Every master's URL (the planner's endpoint names the first). */
export function masterUrlsOf(plan: Plan): string[] {
  const host = new URL(plan.endpoints.master).hostname
  return plan.processes.filter((p) => p.kind === 'master').map((p) => `http://${host}:${p.ports.http}`)
}

/** Every volume server of the plan: where a roll looks for a volume's files on disk. */
export function volumeServersOf(plan: Plan): ProcessPlan[] {
  return plan.processes.filter((p) => p.kind === 'volume')
}

/** The master that leads: the one whose /cluster/status names itself as Leader. */
export async function leaderOf(masters: ProcessPlan[]): Promise<string | undefined> {
  for (const m of masters) {
    const address = m.args.find((a) => a.startsWith('-ip='))?.slice(4)
    const answer = await httpGet(`http://${address}:${m.ports.http}/cluster/status`, 3000)
    if (answer.status !== 200) continue
    try {
      const leader = String((JSON.parse(answer.body) as {Leader?: string}).Leader ?? '').replace(/\.\d+$/, '')
      if (leader === `${address}:${m.ports.http}`) return m.name
    } catch {
      // not JSON yet: ask the next
    }
  }
  return undefined
}

/** The master's GET /vol/status: volumes by data center, rack and server, each with its replica placement. */
export type VolStatus = {Volumes?: {DataCenters?: Record<string, Record<string, Record<string, Array<{Id: number; ReplicaPlacement?: Record<string, number>}> | null>>>}}

/** The copies a replica placement asks for (weed's SameRackCount + DiffRackCount + DiffDataCenterCount, plus one). */
export function copiesOf(placement: Record<string, number>): number {
  return 1 + Object.values(placement).reduce((a, n) => a + (Number(n) || 0), 0)
}

export interface Replicas {
  /** Volume id → the servers (ip:port) the master lists holding a copy of it. */
  holders: Map<number, Set<string>>
  /** Volume id → the copies its replication asks for. */
  copies: Map<number, number>
}

async function readReplicas(masterUrls: string[]): Promise<Replicas | undefined> {
  for (const url of masterUrls) {
    const answer = await httpGet(`${url}/vol/status`, 5000)
    if (answer.status !== 200) continue
    try {
      const body = JSON.parse(answer.body) as VolStatus
      const holders = new Map<number, Set<string>>()
      const copies = new Map<number, number>()
      for (const racks of Object.values(body.Volumes?.DataCenters ?? {})) {
        for (const nodes of Object.values(racks ?? {})) {
          for (const [node, volumes] of Object.entries(nodes ?? {})) {
            for (const v of volumes ?? []) {
              if (!holders.has(v.Id)) holders.set(v.Id, new Set())
              holders.get(v.Id)!.add(node)
              if (v.ReplicaPlacement) copies.set(v.Id, copiesOf(v.ReplicaPlacement))
            }
          }
        }
      }
      return {holders, copies}
    } catch {
      continue
    }
  }
  return undefined
}

/** Volume id → the servers (ip:port) the master lists holding a replica of it (GET /vol/status). */
export async function replicaHolders(masterUrls: string[]): Promise<Map<number, Set<string>> | undefined> {
  return (await readReplicas(masterUrls))?.holders
}

/**
 * What a roll must keep listed: each volume the master lists with every copy its replication asks for, and how many
 * copies it has. A volume listed with fewer is still being created (weed lists its first copy before the others,
 * and deletes it again when the growth fails, as a master restart in the middle of it does) or was short before the
 * roll began: the roll does not wait for such a volume to appear. Without the replication, every volume counts.
 */
export function expectedReplicas(replicas: Replicas | undefined): Map<number, number> {
  const expected = new Map<number, number>()
  for (const [id, nodes] of replicas?.holders ?? []) {
    const wanted = replicas!.copies.get(id)
    if (wanted === undefined || nodes.size >= wanted) expected.set(id, nodes.size)
  }
  return expected
}

/**
 * Restart the steps one at a time, in dependency order, each waiting until it is RUNNING again (a volume
 * server: listed by the master again) before the next. A volume server goes down only while every volume it
 * holds has all its other replicas listed, so two holders of one volume are never down at once. A step that
 * fails is put back on what it ran before and the roll stops there, the rest untouched.
 */
export async function roll(client: DaemonClient, steps: RollStep[], options: RollOptions): Promise<string[]> {
  const ordered = options.ordered ? steps : await orderRoll(steps)
  // How many replicas each volume has while all is well: what must be listed again before the next server goes.
  const expected = expectedReplicas(await readReplicas(options.masterUrls))
  const done: string[] = []
  for (const step of ordered) {
    checkInterrupted(options.signal)
    // Never take a process down while another is not serving (e.g. still reconnecting after the last step).
    await waitForAllRunning(client, options, step, done, ordered)
    if (step.plan.kind === 'volume') await waitForReplicas(options, expected, step, done, ordered)
    options.say(`restarting ${step.name}${step.weed.version !== step.previousWeed.version ? ` on weed ${step.weed.version}` : ''}`)
    const failure = await replaceAndWait(client, step, step.plan, step.weed, options, true)
    if (failure) {
      options.say(`${step.name} did not come back (${failure}); putting it back on what it ran before`)
      const back = await replaceAndWait(client, step, step.previous, step.previousWeed, options)
      throw rollFailed(step, failure, back, done, ordered, options)
    }
    done.push(step.name)
    options.onStep?.(step.name, 'done')
  }
  if (ordered.some((s) => s.plan.kind === 'volume')) await waitForReplicas(options, expected, undefined, done, ordered)
  return done
}

/** Swap the plan, restart, and wait for a new pid that is RUNNING. Returns why it failed, or undefined. */
async function replaceAndWait(client: DaemonClient, step: RollStep, plan: ProcessPlan, weed: ProcessWeed, options: RollOptions, first = false): Promise<string | undefined> {
  const before = (await supervised(client))?.processes.find((p) => p.name === step.name)
  if (first) options.onStep?.(step.name, 'active', before?.pid ?? null)
  const request: ReplaceRequest = {name: step.name, plan, weed, reason: options.reason}
  await client.request('POST', '/v1/replace', request)
  const deadline = Date.now() + options.timeoutMs
  let version: number | undefined
  let last: ProcessStatus | undefined
  // Once asked, the daemon restarts it whatever happens here: a signal is heeded only after it is back.
  while (Date.now() < deadline) {
    const report: StatusReport | undefined = await nextOrGone(client, version)
    version = report?.version ?? version
    last = report?.processes.find((p) => p.name === step.name)
    if (last && last.state === 'RUNNING' && last.pid !== (before?.pid ?? null)) return undefined
    if (last?.state === 'FATAL') return last.health
    // A process that exits again after a start on the new plan will not settle by waiting: give up early.
    if (last && last.restarts > (before?.restarts ?? 0) + 1) return `restarted ${last.restarts - (before?.restarts ?? 0)} times: ${last.health}`
  }
  return `not RUNNING after ${Math.round(options.timeoutMs / 1000)}s${last ? ` (${last.state}${last.health ? `, ${last.health}` : ''})` : ''}`
}

/**
 * Wait until every process serves, except the ones this roll is still to restart: those may be failing only
 * because of a step already taken (S3 gateways still pointed at a filer that moved), and their own step fixes them.
 */
async function waitForAllRunning(client: DaemonClient, options: RollOptions, step: RollStep, done: string[], ordered: RollStep[]): Promise<void> {
  const deadline = Date.now() + options.timeoutMs
  const ahead = new Set(awaitedNot(done, ordered))
  let version: number | undefined
  let waiting: ProcessStatus[] = []
  while (Date.now() < deadline) {
    checkInterrupted(options.signal)
    const report = await nextOrGone(client, version)
    version = report?.version ?? version
    waiting = report?.processes.filter((p) => p.state !== 'RUNNING' && p.state !== 'STOPPED' && !ahead.has(p.name)) ?? []
    if (report && waiting.length === 0) return
  }
  throw new SeaweedctlError('ROLL_FAILED', `not restarting ${step.name}: ${waiting.map((p) => `${p.name} is ${p.state}`).join(', ')} after ${Math.round(options.timeoutMs / 1000)}s.${progress(done, ordered)}`, {
    hints: ['See: seaweedctl status', ...(options.goBack ? [options.goBack] : [])],
    data: {done, remaining: ordered.map((s) => s.name).filter((n) => !done.includes(n))},
    nothingChanged: done.length === 0,
  })
}

async function waitForReplicas(options: RollOptions, expected: Map<number, number>, step: RollStep | undefined, done: string[], ordered: RollStep[]): Promise<void> {
  const node = step?.previous.readiness.kind === 'volumeListed' ? step.previous.readiness.node : undefined
  const deadline = Date.now() + options.timeoutMs
  let short: Array<[number, number, number]> = []
  while (Date.now() < deadline) {
    checkInterrupted(options.signal)
    const holders = await replicaHolders(options.masterUrls)
    if (holders) {
      // Only volumes this server holds matter before it goes down; at the end, every volume.
      short = [...expected]
        .filter(([id]) => !node || holders.get(id)?.has(node))
        .map(([id, want]): [number, number, number] => [id, holders.get(id)?.size ?? 0, want])
        .filter(([, have, want]) => have < want)
      // Each data directory is read once per look, however many volumes are short.
      const filesIn = onceEach(listFiles)
      short = short.filter(([id]) => {
        if (keptOnDisk(id, options.volumeServers, filesIn).length > 0) return true
        options.say(`volume ${id} is gone: no volume server keeps its files (weed removed it); not waiting for it`)
        expected.delete(id)
        return false
      })
      if (short.length === 0) return
    }
    await pause(250, options.signal)
  }
  const list = describeShort(short.slice(0, 5), options.volumeServers)
  throw new SeaweedctlError('ROLL_FAILED', `${step ? `not restarting ${step.name}` : 'the roll ended'}, but the master does not list every replica again after ${Math.round(options.timeoutMs / 1000)}s (${list || 'master /vol/status not answering'}).${progress(done, ordered)}`, {
    hints: ['See: seaweedctl status; weed shell volume.list', ...(options.goBack ? [options.goBack] : [])],
    data: {done, remaining: ordered.map((s) => s.name).filter((n) => !done.includes(n))},
    nothingChanged: done.length === 0,
  })
}

/**
 * "volume 23: 0 of 2 replicas listed, its files on disk in volume-2, volume-3": for each volume short of replicas,
 * which of the cluster's volume servers still keep its files (keptOnDisk).
 */
export function describeShort(short: Array<[number, number, number]>, volumeServers: Array<Pick<ProcessPlan, 'name' | 'dataDir'>>, filesIn: (dir: string) => string[] = listFiles): string {
  return short.map(([id, have, want]) => {
    const keep = keptOnDisk(id, volumeServers, filesIn)
    const disk = volumeServers.length === 0 ? '' : keep.length > 0 ? `, its files on disk in ${keep.join(', ')}` : ', no volume server keeps its files'
    return `volume ${id}: ${have} of ${want} replicas listed${disk}`
  }).join('; ')
}

/**
 * The volume servers whose data directory holds files of volume `id` (its .dat, .idx or .vif, named <id> or
 * <collection>_<id>). None is a volume weed removed, whatever the master still lists: deleting a collection (as
 * the S3 canary's bucket is deleted) while the master still takes in the heartbeats that added its new volumes
 * leaves the master listing copies whose files are gone, until their servers reconnect. A restart deletes no
 * file, so waiting cannot bring such a volume back; a copy on disk that is not listed is one weed has still to
 * load, and is waited for.
 */
export function keptOnDisk(id: number, volumeServers: Array<Pick<ProcessPlan, 'name' | 'dataDir'>>, filesIn: (dir: string) => string[] = listFiles): string[] {
  const named = new RegExp(`^(?:.+_)?${id}\\.(?:dat|idx|vif)$`)
  return volumeServers.filter((v) => filesIn(v.dataDir).some((f) => named.test(f))).map((v) => v.name)
}

function onceEach(list: (dir: string) => string[]): (dir: string) => string[] {
  const seen = new Map<string, string[]>()
  return (dir) => seen.get(dir) ?? seen.set(dir, list(dir)).get(dir)!
}

function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

function rollFailed(step: RollStep, failure: string, back: string | undefined, done: string[], ordered: RollStep[], options: RollOptions): SeaweedctlError {
  const restored = back === undefined ? `${step.name} runs what it ran before again` : `${step.name} did not come back on what it ran before either (${back})`
  return new SeaweedctlError('ROLL_FAILED', `${step.name} failed on its new plan: ${failure}. The roll stopped; ${restored}.${progress(done, ordered)}`, {
    hints: [`See: seaweedctl logs ${step.name}; seaweedctl diff shows what is still to change`, ...(options.goBack ? [options.goBack] : [])],
    data: {process: step.name, failure, restored: back === undefined, done, remaining: ordered.map((s) => s.name).filter((n) => !done.includes(n))},
    nothingChanged: false,
  })
}

/** The steps not yet taken (the current one included): a roll never waits on what it is about to restart. Pure. */
export function awaitedNot(done: string[], ordered: Array<{name: string}>): string[] {
  return ordered.map((s) => s.name).filter((n) => !done.includes(n))
}

function progress(done: string[], ordered: RollStep[]): string {
  const remaining = ordered.map((s) => s.name).filter((n) => !done.includes(n))
  return `\nAlready on the new plan: ${done.length ? done.join(', ') : 'none'}. Still on the old: ${remaining.join(', ') || 'none'}.`
}

/** The daemon's report; DAEMON_UNREACHABLE once no daemon answers at all (it died): a roll never waits on nothing. */
async function supervised(client: DaemonClient): Promise<StatusReport> {
  const report = await client.status()
  if (report) return report
  throw new SeaweedctlError('DAEMON_UNREACHABLE', 'the supervisor daemon stopped answering (it died?); the weed processes it ran keep serving unsupervised', {
    hints: ['seaweedctl status starts a new daemon that adopts them'],
    nothingChanged: false,
  })
}

async function nextOrGone(client: DaemonClient, version: number | undefined): Promise<StatusReport> {
  return (await client.next(version)) ?? supervised(client)
}
