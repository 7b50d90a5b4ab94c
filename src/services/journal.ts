// Loaded by the fast `status` path too: node built-ins only, besides fs-atomic.
import {readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {writeFileAtomic} from '../lib/fs-atomic.js'
import type {JournalState, JournalStep, OperationStatus} from '../supervisor/status-types.js'

/**
 * A multi-step operation (scale down, applying an edited file, a rolling restart, a weed upgrade) writes what it is about to do to
 * runDir/operation.json before doing it, and each step's progress as it goes. If the command is interrupted
 * (Ctrl-C, SIGTERM, kill -9), the file remains: `status` names what was left unfinished, and the next `up` or
 * `scale` settles it (maintenance mode off, the plan and seaweed.yaml made to match what runs) before acting.
 */
export const JOURNAL_FILE = 'operation.json'

export type {JournalState, JournalStep} from '../supervisor/status-types.js'

export interface Journal {
  op: 'scale' | 'apply' | 'restart' | 'upgrade'
  /** The command as typed, e.g. "scale volume 2". */
  command: string
  /** The seaweedctl process that runs it, recognised by pid and start time. */
  pid: number
  startTime: number
  startedAt: string
  updatedAt: string
  /** Scale: the count before and the count asked for. */
  scale?: {kind: 'volume' | 'filer' | 's3'; from: number; to: number}
  /** A weed upgrade: the version the cluster ran and the one it goes to. */
  upgrade?: {from: string; to: string}
  /** The weed shell running the current drain, so a later command can end it if this one was killed. */
  shell?: {pid: number; startTime: number}
  /** The weed shells of a drain moving several volumes at once (and the one holding the lock): ended the same way. */
  shells?: Array<{pid: number; startTime: number}>
  /** Set when the command was stopped by a signal and cleaned up after itself (`maintenance`: what it could not clear). */
  interrupted?: {signal: string; at: string; maintenance?: Array<{process: string; node: string}>}
  /** Set when the command stopped on a failure that left the operation to finish (the supervisor daemon died). */
  failed?: {reason: string; at: string}
  steps: JournalStep[]
}

export function newJournal(op: Journal['op'], command: string, self: {pid: number; startTime: number}, steps: JournalStep[], now: Date, scale?: Journal['scale'], upgrade?: Journal['upgrade']): Journal {
  const at = now.toISOString()
  return {op, command, pid: self.pid, startTime: self.startTime, startedAt: at, updatedAt: at, ...(scale ? {scale} : {}), ...(upgrade ? {upgrade} : {}), steps: steps.map((s) => ({...s}))}
}

/**
 * The journal with step `index` changed; steps before it must be done (they run in order), except steps of the same
 * action listed together just before it, which run at the same time (the drains of a scale-down, then its stops).
 */
export function withStep(journal: Journal, index: number, change: Partial<JournalStep>, now: Date): Journal {
  const step = journal.steps[index]
  if (!step) throw new Error(`no step ${index} in the journal of ${journal.command}`)
  let first = index
  while (first > 0 && journal.steps[first - 1].action === step.action) first--
  if (journal.steps.slice(0, first).some((s) => s.state !== 'done')) throw new Error(`step ${index} of ${journal.command} before the steps ahead of it`)
  const steps = journal.steps.map((s, i) => (i === index ? {...s, ...change} : s))
  return {...journal, steps, updatedAt: now.toISOString()}
}

export function withShell(journal: Journal, shell: Journal['shell'] | undefined, now: Date): Journal {
  const {shell: _old, ...rest} = journal
  return {...rest, ...(shell ? {shell} : {}), updatedAt: now.toISOString()}
}

export function withShells(journal: Journal, shells: NonNullable<Journal['shells']>, now: Date): Journal {
  const {shells: _old, ...rest} = journal
  return {...rest, ...(shells.length ? {shells} : {}), updatedAt: now.toISOString()}
}

/** After a signal, once the command cleaned up: `stillOn` lists the servers it could not take out of maintenance. */
export function interrupted(journal: Journal, signal: string, now: Date, stillOn: Array<{process: string; node: string}> = []): Journal {
  const {shell: _gone, shells: _all, ...rest} = journal
  return {...rest, interrupted: {signal, at: now.toISOString(), ...(stillOn.length ? {maintenance: stillOn} : {})}, updatedAt: now.toISOString()}
}

/** After a failure that leaves the operation to be finished (the daemon died under it): why, for `status`. */
export function failed(journal: Journal, reason: string, now: Date): Journal {
  const {shell: _gone, ...rest} = journal
  return {...rest, failed: {reason, at: now.toISOString()}, updatedAt: now.toISOString()}
}

/** Running while its command lives; interrupted when it stopped after a signal or a failure; killed when it just died. */
export function journalState(journal: Journal, alive: (pid: number, startTime: number) => boolean): JournalState {
  if (alive(journal.pid, journal.startTime)) return 'running'
  return journal.interrupted || journal.failed ? 'interrupted' : 'killed'
}

/**
 * Volume servers that may still be in weed's maintenance mode because of this operation: one being drained,
 * or drained and not yet stopped. After a clean interruption the command already turned it off.
 */
export function maintenanceNodes(journal: Journal): Array<{process: string; node: string}> {
  if (journal.interrupted) return journal.interrupted.maintenance ?? []
  return journal.steps
    .filter((s) => s.action === 'drain' && s.state !== 'pending' && s.node)
    .filter((s) => !journal.steps.some((t) => t.action === 'stop' && t.process === s.process && t.state === 'done'))
    .map((s) => ({process: s.process, node: s.node!}))
}

/** The processes whose stop step is done. */
export function stoppedBy(journal: Journal): string[] {
  return journal.steps.filter((s) => s.action === 'stop' && s.state === 'done').map((s) => s.process)
}

/** A process as the supervisor reports it: enough to tell whether a roll's step under way was ever asked for. */
export type SupervisedProcess = {name: string; state: string; pid: number | null}

/**
 * One line for people: what happened and what to do. With `processes` (the supervisor's report), a step a command
 * that is gone had begun, whose process still runs on the pid it had then, is "not yet": the command recorded the
 * step and ended before it asked the supervisor (a restart asked for stops the old process at once).
 */
export function describeJournal(journal: Journal, state: JournalState, processes?: SupervisedProcess[]): string {
  const never = state === 'running' ? [] : neverAsked(journal, processes ?? [])
  const done = journal.op === 'restart' || journal.op === 'upgrade' || (journal.op === 'apply' && !journal.steps.some((s) => s.action !== 'restart'))
    ? rollProgress(journal, never)
    : stepProgress(journal)
  const left = journal.steps.filter((s) => s.state !== 'done').length
  if (state === 'running') return `in progress: \`seaweedctl ${journal.command}\` (pid ${journal.pid}): ${done}`
  const how = journal.failed
    ? `interrupted: ${journal.failed.reason} at ${journal.failed.at}`
    : journal.interrupted ? `interrupted by ${journal.interrupted.signal} at ${journal.interrupted.at}` : `interrupted: its command (pid ${journal.pid}) ended without finishing`
  const maintenance = maintenanceNodes(journal).map((m) => m.process)
  const steps = journal.op === 'scale' || journal.op === 'apply' ? (left ? ` (${left} step${left === 1 ? '' : 's'} left)` : '') : ''
  return `${how}: \`seaweedctl ${journal.command}\`: ${done}${steps}${maintenance.length ? `; ${maintenance.join(', ')} still in maintenance mode` : ''}; ${nextCommands(journal)}`
}

/** What finishes the operation, and what undoes it where that is another command. */
function nextCommands(journal: Journal): string {
  if (journal.op === 'restart') return `run \`seaweedctl ${journal.command}\` to finish (or \`seaweedctl up\` to leave the rest as they are)`
  if (journal.op === 'upgrade' && journal.upgrade) return `run \`seaweedctl ${journal.command}\` or \`seaweedctl up\` to finish, or \`seaweedctl weed upgrade ${journal.upgrade.from}\` to go back`
  const undo = journal.scale ? ` or \`seaweedctl scale ${journal.scale.kind} ${journal.scale.from}\` to undo` : ''
  return `run \`seaweedctl up\` to finish${undo}`
}

/**
 * Where a roll step that was begun (active) stands, by the supervisor's report: its process RUNNING on another pid
 * than the one recorded when the step began — restarted; on that same pid — never asked for (an asked restart
 * stops the old process at once); otherwise still under way.
 */
export function activeRollStep(step: JournalStep, processes: readonly SupervisedProcess[]): 'restarted' | 'never asked' | 'under way' {
  const now = processes.find((p) => p.name === step.process)
  if (step.pid === undefined || now?.state !== 'RUNNING' || now.pid === null) return 'under way'
  return now.pid === step.pid ? 'never asked' : 'restarted'
}

/** The roll steps begun that the supervisor was never asked for. */
function neverAsked(journal: Journal, processes: SupervisedProcess[]): string[] {
  return journal.steps
    .filter((s) => s.action === 'restart' && s.state === 'active' && activeRollStep(s, processes) === 'never asked')
    .map((s) => s.process)
}

/** A roll: "2 of 4 restarted (volume-1, volume-2); volume-3 restarting; not yet: volume-4"; an upgrade names versions. */
function rollProgress(journal: Journal, never: string[]): string {
  const rolls = journal.steps.filter((s) => s.action === 'restart')
  const done = rolls.filter((s) => s.state === 'done').map((s) => s.process)
  const active = rolls.filter((s) => s.state === 'active' && !never.includes(s.process)).map((s) => s.process)
  const pending = rolls.filter((s) => s.state === 'pending' || never.includes(s.process)).map((s) => s.process)
  const list = (names: string[]) => names.join(', ')
  if (journal.op === 'upgrade' && journal.upgrade) {
    const {from, to} = journal.upgrade
    return [
      done.length ? `${list(done)} run${done.length === 1 ? 's' : ''} weed ${to}` : `none runs weed ${to} yet`,
      active.length ? `${list(active)} restarting onto weed ${to}` : '',
      pending.length ? `${list(pending)} still run${pending.length === 1 ? 's' : ''} weed ${from}` : '',
    ].filter(Boolean).join('; ')
  }
  const verb = journal.op === 'apply' ? 'restarted on the new plan' : 'restarted'
  return [
    `${done.length} of ${rolls.length} ${verb}${done.length ? ` (${list(done)})` : ''}`,
    active.length ? `${list(active)} restarting` : '',
    pending.length ? `not yet: ${list(pending)}` : '',
  ].filter(Boolean).join('; ')
}

/** A scale or an apply with removals: each step begun, in order. */
function stepProgress(journal: Journal): string {
  const parts: string[] = []
  for (const s of journal.steps) {
    if (s.state === 'pending') continue
    if (s.action === 'drain') {
      const moved = s.volumes ? s.volumes.total - s.volumes.left : undefined
      if (s.state === 'done') {
        if (!journal.steps.some((t) => t.action === 'stop' && t.process === s.process && t.state === 'done')) parts.push(`${s.process} drained${s.volumes ? ` (${s.volumes.total} volumes moved)` : ''}, not stopped`)
      } else parts.push(`${s.process} drained ${moved ?? '?'} of ${s.volumes?.total ?? '?'} volumes`)
    } else if (s.state === 'done') {
      parts.push(`${s.process} ${s.action === 'stop' ? 'removed' : s.action === 'start' ? 'started' : 'restarted'}`)
    } else if (!(s.action === 'stop' && journal.steps.some((t) => t.action === 'drain' && t.process === s.process))) {
      // (A drained server being stopped is already "drained, not stopped".)
      parts.push(`${s.process} ${s.action === 'stop' ? 'stopping' : s.action === 'start' ? 'starting' : 'restarting'}`)
    }
  }
  return parts.length ? parts.join('; ') : 'nothing done yet'
}

export function journalPath(runDir: string): string {
  return join(runDir, JOURNAL_FILE)
}

export function readJournal(runDir: string): Journal | undefined {
  try {
    return JSON.parse(readFileSync(journalPath(runDir), 'utf8')) as Journal
  } catch {
    return undefined
  }
}

export function writeJournal(runDir: string, journal: Journal): void {
  writeFileAtomic(journalPath(runDir), `${JSON.stringify(journal, null, 2)}\n`, 0o600)
}

export function clearJournal(runDir: string): void {
  rmSync(journalPath(runDir), {force: true})
}

export function operationStatus(runDir: string, alive: (pid: number, startTime: number) => boolean, processes?: SupervisedProcess[]): OperationStatus | undefined {
  const journal = readJournal(runDir)
  if (!journal) return undefined
  const state = journalState(journal, alive)
  return {state, command: journal.command, pid: journal.pid, startedAt: journal.startedAt, message: describeJournal(journal, state, processes), maintenance: maintenanceNodes(journal).map((m) => m.process), steps: journal.steps}
}
