import {isNoDaemon} from '../daemon/client.js'
import {SeaweedctlError} from '../lib/errors.js'
import {isInterrupted} from '../lib/interrupt.js'
import type {StatusReport} from '../supervisor/status-types.js'
import type {JournalWriter} from './journal-writer.js'
import {activeRollStep, describeJournal, type Journal, type JournalStep} from './journal.js'

/** Why a journal outlives its command when the daemon died under it (status shows it). */
export const DAEMON_DIED = 'the supervisor daemon died'

/** The daemon is gone (killed, crashed) or stopped answering: the operation cannot go on, but must not be forgotten. */
export function daemonGone(error: unknown): boolean {
  return isNoDaemon(error) || (error instanceof SeaweedctlError && error.code === 'DAEMON_UNREACHABLE') || (error as {code?: string})?.code === 'UND_ERR_CLOSED'
}

/**
 * The error a journalled command ends with when the daemon died under it: the journal is kept (marked so), the
 * weed processes keep serving unsupervised, and `status` (which adopts them with a new daemon) names what is left.
 */
export function daemonDied(journal: JournalWriter, error: unknown): SeaweedctlError {
  const left = journal.fail(DAEMON_DIED)
  return new SeaweedctlError('DAEMON_UNREACHABLE', `the supervisor daemon stopped answering during \`seaweedctl ${left.command}\` (${(error as Error).message}); the weed processes keep serving unsupervised.\n${describeJournal(left, 'interrupted')}.`, {
    hints: ['`seaweedctl status` starts a new daemon that adopts the running processes, and names what is left'],
    data: {operation: left},
    nothingChanged: false,
  })
}

/**
 * Run a journalled operation: its journal is removed when it ends, or fails for good (the failure says where it
 * stands); kept and named when a signal stopped it at a safe point (exit 130) or the daemon died under it.
 */
export async function runJournalled<T>(journal: JournalWriter, fn: () => Promise<T>): Promise<T> {
  try {
    const result = await fn()
    journal.clear()
    return result
  } catch (error) {
    if (isInterrupted(error)) {
      const left = journal.interrupt(error.signal)
      throw new SeaweedctlError('INTERRUPTED', `${describeJournal(left, 'interrupted')}.`, {
        hints: ['See: seaweedctl status'],
        data: {operation: left},
        nothingChanged: !left.steps.some((s) => s.state !== 'pending'),
      })
    }
    if (daemonGone(error)) throw daemonDied(journal, error)
    journal.clear()
    throw error
  }
}

/** A roll's journal steps, in the order it takes them; `done` (restarted by an earlier run) come first. */
export function restartSteps(ordered: string[], done: string[] = []): JournalStep[] {
  return [
    ...done.map((process): JournalStep => ({action: 'restart', process, state: 'done'})),
    ...ordered.filter((n) => !done.includes(n)).map((process): JournalStep => ({action: 'restart', process, state: 'pending'})),
  ]
}

/** rolling.ts's onStep, written into the journal: each step begun (with the pid it had), then done. */
export function recordRoll(journal: JournalWriter): (name: string, state: 'active' | 'done', pidBefore?: number | null) => void {
  return (name, state, pidBefore) => journal.step(journal.index('restart', name), state === 'active' ? {state, pid: pidBefore ?? null} : {state})
}

/**
 * The processes an interrupted `restart --rolling` of the same targets already restarted: its done steps, and the
 * one it was in the middle of when that process now runs on another pid (the daemon finished it). Pure.
 */
export function alreadyRestarted(journal: Journal | undefined, command: string, report: Pick<StatusReport, 'processes'>): string[] {
  if (!journal || journal.op !== 'restart' || journal.command !== command) return []
  return journal.steps.filter((s) => s.action === 'restart' && (s.state === 'done' || (s.state === 'active' && activeRollStep(s, report.processes) === 'restarted'))).map((s) => s.process)
}
