import {readFileSync} from 'node:fs'

import {writeFileAtomic} from '../lib/fs-atomic.js'
import {planCluster} from '../plan/planner.js'
import type {Plan} from '../plan/types.js'
import {setNumberInSpecText} from '../spec/edit.js'
import {loadSpecFile} from '../spec/load.js'
import {procIdentity} from '../supervisor/proc.js'
import {has, NEWEST_KNOWN, parseVersionString} from '../weed/versions.js'
import {inMaintenance, maintenanceOff, nodeOf} from './drain.js'
import {httpGet} from '../supervisor/probes.js'
import {SeaweedctlError} from '../lib/errors.js'
import {runWeedShell} from '../weed/shell.js'
import type {UpOptions} from './up.js'
import {clearJournal, failed, interrupted, type Journal, type JournalStep, maintenanceNodes, readJournal, stoppedBy, withShell, withStep, writeJournal} from './journal.js'
import type {DrainHooks} from './drain.js'
import {findRunningCluster, type RunningCluster} from './running.js'

/** This process, as a journal names it (pid and start time: a recycled pid is not mistaken for it). */
export function selfIdentity(): {pid: number; startTime: number} {
  return {pid: process.pid, startTime: procIdentity(process.pid)?.startTime ?? 0}
}

export function isAliveAs(pid: number, startTime: number): boolean {
  const live = procIdentity(pid)
  return live !== undefined && live.startTime === startTime
}

/** The journal of the operation this command runs: every change is on disk (atomically) before the next action. */
export class JournalWriter {
  private maintenanceOn = new Map<string, string>()

  constructor(private readonly runDir: string, private journal: Journal) {
    writeJournal(runDir, journal)
  }

  index(action: JournalStep['action'], process: string): number {
    return this.journal.steps.findIndex((s) => s.action === action && s.process === process)
  }

  step(index: number, change: Partial<JournalStep>): void {
    this.save(withStep(this.journal, index, change, new Date()))
  }

  shell(pid: number | undefined): void {
    const startTime = pid === undefined ? undefined : procIdentity(pid)?.startTime
    this.save(withShell(this.journal, pid !== undefined && startTime !== undefined ? {pid, startTime} : undefined, new Date()))
  }

  maintenance(process: string, node: string, on: boolean): void {
    if (on) this.maintenanceOn.set(process, node)
    else this.maintenanceOn.delete(process)
  }

  /** Record a clean interruption: what is still in maintenance mode (what could not be turned off). */
  interrupt(signal: string): Journal {
    const stillOn = [...this.maintenanceOn].map(([process, node]) => ({process, node}))
    this.save(interrupted(this.journal, signal, new Date(), stillOn))
    return this.journal
  }

  /** Record a failure that leaves the operation to be finished later (the daemon died under it). */
  fail(reason: string): Journal {
    this.save(failed(this.journal, reason, new Date()))
    return this.journal
  }

  /** A drain's progress, weed shell and maintenance mode, recorded in its drain step (which must be next). */
  drainHooks(process: string, node: string, signal: AbortSignal | undefined): DrainHooks {
    const step = this.index('drain', process)
    return {
      signal,
      progress: (left, total) => this.step(step, {volumes: {total, left}}),
      shell: (pid) => this.shell(pid),
      maintenance: (on) => this.maintenance(process, node, on),
    }
  }

  clear(): void {
    clearJournal(this.runDir)
  }

  private save(journal: Journal): void {
    this.journal = journal
    writeJournal(this.runDir, journal)
  }
}

export interface Settled {
  journal: Journal
  /** Servers taken out of maintenance mode. */
  maintenanceOff: string[]
  /** Processes whose removal was recorded in the plan and seaweed.yaml. */
  removed: string[]
  /** Surplus copies an interrupted move left on a drained server, removed ("volume-4: volumes 10, 11"). */
  trimmed: string[]
}

/**
 * Settle an operation an earlier command left unfinished (it was interrupted, or killed even with -9): end the
 * weed shell it left moving volumes, turn maintenance mode off, and record in the daemon's plan and seaweed.yaml
 * the servers it already stopped. Afterwards what runs, the plan and the file agree and the journal is gone; the
 * caller then finishes (up) or undoes (scale back) the change. Call with the cluster lock held. A cluster that is
 * not running keeps its journal until it runs again.
 */
export async function settlePending(filePlan: Plan, say: (line: string) => void): Promise<Settled | undefined> {
  const journal = readJournal(filePlan.runDir)
  if (!journal) return undefined
  if (journal.pid !== process.pid && isAliveAs(journal.pid, journal.startTime)) return undefined // cannot be: it would hold the lock
  if (journal.shell && isAliveAs(journal.shell.pid, journal.shell.startTime)) {
    say(`ending the weed shell (pid ${journal.shell.pid}) that \`seaweedctl ${journal.command}\` left moving volumes`)
    await endProcess(journal.shell.pid)
  }
  const cluster = await findRunningCluster(filePlan)
  if (!cluster) return undefined
  try {
    const {report, running} = cluster
    const result: Settled = {journal, maintenanceOff: [], removed: [], trimmed: []}
    const live = (name: string) => report.processes.find((p) => p.name === name && p.pid !== null)
    const pending = maintenanceNodes(journal).filter((m) => live(m.process))
    const version = parseVersionString(running.weeds[pending[0]?.process]?.version ?? running.plan.weedVersion) ?? NEWEST_KNOWN
    if (pending.length > 0 && has(version, 'volumeMaintenance')) {
      await maintenanceOff(pending.map((m) => m.node), running.plan.endpoints.master.replace(/^http:\/\//, ''), running.weeds[pending[0].process]?.path ?? running.weedPath)
      result.maintenanceOff = pending.map((m) => m.process)
    }
    // Drains cut short (their server still runs): finish the move weed's shell was in the middle of.
    for (const step of journal.steps.filter((s) => s.action === 'drain' && s.state === 'active' && s.node && live(s.process))) {
      const weed = running.weeds[step.process] ?? {path: running.weedPath}
      const trimmed = await finishInterruptedMoves(step.node!, running.plan.endpoints.master, weed.path)
      if (trimmed.length) result.trimmed.push(`${step.process}: volume${trimmed.length === 1 ? '' : 's'} ${trimmed.join(', ')}`)
    }
    if (journal.scale || journal.op === 'apply') {
      // Stopped by the operation (its stop step done, or sent before the command died): forget them as scale does.
      const stopped = new Set([...stoppedBy(journal), ...journal.steps.filter((s) => s.action === 'stop' && report.processes.find((p) => p.name === s.process)?.state === 'STOPPED').map((s) => s.process)])
      const inPlan = running.plan.processes.filter((p) => stopped.has(p.name))
      if (inPlan.length > 0) {
        await cluster.client.request('POST', '/v1/reconfigure', {plan: {...running.plan, processes: running.plan.processes.filter((p) => !stopped.has(p.name))}})
        result.removed = inPlan.map((p) => p.name)
      }
      if (journal.scale) recordCount(filePlan, journal.scale, running.plan.processes.filter((p) => p.kind === journal.scale!.kind && !stopped.has(p.name)).length)
    }
    clearJournal(filePlan.runDir)
    const what = [
      result.maintenanceOff.length ? `maintenance mode off on ${result.maintenanceOff.join(', ')}` : '',
      result.removed.length ? `recorded the removal of ${result.removed.join(', ')}` : '',
      result.trimmed.length ? `finished the moves it was in the middle of (removed the drained server's surplus copy: ${result.trimmed.join('; ')})` : '',
    ].filter(Boolean)
    say(`settled the unfinished \`seaweedctl ${journal.command}\`${what.length ? `: ${what.join('; ')}` : ''}`)
    return result
  } finally {
    await cluster.client.close()
  }
}

/** seaweed.yaml's count of the scaled kind, where the interrupted scale left it (never past where it was going). */
function recordCount(filePlan: Plan, scale: NonNullable<Journal['scale']>, reached: number): void {
  const loaded = loadSpecFile(filePlan.specFile!, 'existing')
  const now = loaded.spec[scale.kind].count
  const [low, high] = [Math.min(scale.from, scale.to), Math.max(scale.from, scale.to)]
  if (now === reached || now < low || now > high) return
  const text = readFileSync(loaded.source.file!, 'utf8')
  planCluster({...loaded.spec, [scale.kind]: {...loaded.spec[scale.kind], count: reached}})
  writeFileAtomic(loaded.source.file!, setNumberInSpecText(text, [scale.kind, 'count'], reached))
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the pid is gone. */
async function endProcess(pid: number): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s)
    } catch {
      // gone already
    }
  }
  signal('SIGTERM')
  const deadline = Date.now() + 5000
  while (procIdentity(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  if (procIdentity(pid)) signal('SIGKILL')
  while (procIdentity(pid) && Date.now() < deadline + 5000) await new Promise((r) => setTimeout(r, 50))
}

/**
 * Settle what an interrupted command left (converge.ts) and finish it: a scale goes on to the count it was
 * going to, before the file (which says the count reached so far) is applied.
 */
export async function finishPending(plan: Plan, options: Pick<UpOptions, 'timeoutMs' | 'signal'>, say: (line: string) => void): Promise<boolean> {
  const settled = await settlePending(plan, say)
  const scale = settled?.journal.scale
  if (!settled) return false
  if (!scale) return true
  say(`finishing \`seaweedctl ${settled.journal.command}\``)
  const {scaleLocked} = await import('./scale.js')
  await scaleLocked({file: plan.specFile!, kind: scale.kind, count: String(scale.to), purge: false, force: false, timeoutMs: options.timeoutMs, say, signal: options.signal}, scale.kind, scale.to)
  return true
}

/**
 * A volume server the plan keeps should never be in weed's maintenance mode outside an operation (one left so by
 * an older seaweedctl, or by hand, takes no new volumes): `up` turns it off.
 */
export async function clearStrayMaintenance(cluster: RunningCluster, say: (line: string) => void): Promise<void> {
  const {plan, weeds, weedPath} = cluster.running
  const volumes = plan.processes.filter((p) => p.kind === 'volume' && cluster.report.processes.some((r) => r.name === p.name && r.pid !== null))
  if (volumes.length === 0) return
  const weed = weeds[volumes[0].name] ?? {path: weedPath, version: plan.weedVersion}
  const master = plan.endpoints.master.replace(/^http:\/\//, '')
  const on = await inMaintenance(volumes.map(nodeOf), master, weed.path, weed.version)
  if (!on?.length) return
  say(`turning weed's maintenance mode off on ${volumes.filter((p) => on.includes(nodeOf(p))).map((p) => p.name).join(', ')}`)
  await maintenanceOff(on, master, weed.path)
}

export type VolStatus = {Volumes?: {DataCenters?: Record<string, Record<string, Record<string, Array<{Id: number; ReplicaPlacement?: Record<string, number>}> | null>>>}}

/** Volumes `node` holds a copy of beyond what their replication wants (from the master's /vol/status). Pure. */
export function surplusOn(node: string, body: VolStatus): number[] {
  const holders = new Map<number, {nodes: Set<string>; copies: number}>()
  for (const racks of Object.values(body.Volumes?.DataCenters ?? {})) {
    for (const nodes of Object.values(racks ?? {})) {
      for (const [at, volumes] of Object.entries(nodes ?? {})) {
        for (const v of volumes ?? []) {
          // No placement reported: the wanted count is unknown, and then no copy is ever called surplus.
          const copies = v.ReplicaPlacement ? 1 + Object.values(v.ReplicaPlacement).reduce((a, n) => a + (Number(n) || 0), 0) : Number.POSITIVE_INFINITY
          const entry = holders.get(v.Id) ?? {nodes: new Set<string>(), copies}
          entry.nodes.add(at)
          holders.set(v.Id, entry)
        }
      }
    }
  }
  return [...holders].filter(([, h]) => h.nodes.has(node) && h.nodes.size > h.copies).map(([id]) => id)
}

/**
 * An interrupted `volume.move` (a drain stopped by Ctrl-C, or its shell killed) can leave a volume mounted on its
 * new server and still on the drained one: one copy more than its replication wants, which weed's placement
 * rules then refuse to move anywhere. The move's own last step was deleting the drained server's copy; this
 * does that step, only for volumes whose other copies are all listed, so the count never drops below what the
 * replication wants. Returns the volume ids trimmed.
 */
export async function finishInterruptedMoves(node: string, masterUrl: string, weedPath: string): Promise<number[]> {
  const answer = await httpGet(`${masterUrl}/vol/status`, 5000)
  if (answer.status !== 200) return []
  let body: VolStatus
  try {
    body = JSON.parse(answer.body) as VolStatus
  } catch {
    return []
  }
  const surplus = surplusOn(node, body)
  if (surplus.length === 0) return []
  const master = masterUrl.replace(/^http:\/\//, '')
  const result = await runWeedShell(weedPath, master, ['lock', ...surplus.map((id) => `volume.delete -node ${node} -volumeId ${id}`), 'unlock'], 60_000)
  if (result.errors.length > 0) {
    throw new SeaweedctlError('SHELL_FAILED', `could not remove the surplus copies of volumes ${surplus.join(', ')} from ${node} (an interrupted move left them): ${result.errors.join('; ')}`, {
      hints: [`weed shell -master=${master}, then: lock; volume.fix.replication -apply; unlock`],
      data: {node, volumes: surplus, errors: result.errors},
      nothingChanged: false,
    })
  }
  return surplus
}
