import {readFileSync} from 'node:fs'

import {writeFileAtomic} from '../lib/fs-atomic.js'
import {planCluster} from '../plan/planner.js'
import type {Plan} from '../plan/types.js'
import {setNumberInSpecText} from '../spec/edit.js'
import {loadSpecFile} from '../spec/load.js'
import {procIdentity} from '../supervisor/proc.js'
import {has, NEWEST_KNOWN, parseVersionString} from '../weed/versions.js'
import {finishInterruptedMoves, maintenanceOff} from './drain.js'
import {clearJournal, interrupted, type Journal, type JournalStep, maintenanceNodes, readJournal, stoppedBy, withShell, withStep, writeJournal} from './journal.js'
import {findRunningCluster} from './running.js'

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
    if (journal.scale) {
      // Stopped by the operation (its stop step done, or sent before the command died): forget them as scale does.
      const stopped = new Set([...stoppedBy(journal), ...journal.steps.filter((s) => s.action === 'stop' && report.processes.find((p) => p.name === s.process)?.state === 'STOPPED').map((s) => s.process)])
      const inPlan = running.plan.processes.filter((p) => stopped.has(p.name))
      if (inPlan.length > 0) {
        await cluster.client.request('POST', '/v1/reconfigure', {plan: {...running.plan, processes: running.plan.processes.filter((p) => !stopped.has(p.name))}})
        result.removed = inPlan.map((p) => p.name)
      }
      recordCount(filePlan, journal.scale, running.plan.processes.filter((p) => p.kind === journal.scale!.kind && !stopped.has(p.name)).length)
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
