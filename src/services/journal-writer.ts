import {procIdentity} from '../supervisor/proc.js'
import type {DrainHooks} from './drain.js'
import {clearJournal, failed, interrupted, type Journal, type JournalStep, withShell, withShells, withStep, writeJournal} from './journal.js'

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

  shells(pids: number[]): void {
    const known = new Map((this.journal.shells ?? []).map((s) => [s.pid, s.startTime]))
    const shells = pids.flatMap((pid) => {
      const startTime = known.get(pid) ?? procIdentity(pid)?.startTime
      return startTime === undefined ? [] : [{pid, startTime}]
    })
    this.save(withShells(this.journal, shells, new Date()))
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
  /** What a drain of these servers (each a drain step of the journal, which names its node) reports into it. */
  drainHooks(processes: string[], signal: AbortSignal | undefined): DrainHooks {
    const steps = processes.map((process) => ({process, index: this.index('drain', process)}))
    const byNode = new Map(steps.map((s) => [this.journal.steps[s.index].node!, s]))
    return {
      signal,
      progress: (node, left, total) => this.step(byNode.get(node)!.index, {volumes: {total, left}}),
      shells: (pids) => this.shells(pids),
      maintenance: (nodes, on) => nodes.forEach((n) => this.maintenance(byNode.get(n)!.process, n, on)),
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
