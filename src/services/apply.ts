import type {ProcessWeed} from '../daemon/protocol.js'
import {SeaweedctlError} from '../lib/errors.js'
import {diffPlans, type PlanDiff, refusalsOf} from '../plan/diff.js'
import {portsOf} from '../plan/planner.js'
import {preflight} from '../plan/preflight.js'
import type {Plan, ProcessPlan} from '../plan/types.js'
import type {StatusReport} from '../supervisor/status-types.js'
import {createDirectories} from './cluster.js'
import {masterUrlsOf, orderRoll, roll, type RollStep, volumeServersOf} from './rolling.js'
import {JournalWriter, selfIdentity} from './journal-writer.js'
import {type JournalStep, newJournal} from './journal.js'
import {recordRoll, runJournalled} from './journalled.js'
import type {RunningCluster} from './running.js'
import {drainAll, endMaintenance, nodeOf, precheckDrain} from './drain.js'
import {waitUntil} from './scale.js'
import {checkInterrupted} from '../lib/interrupt.js'
import {ensureCredentials, readCredentials} from '../s3/credentials.js'
import {ensureSseKey} from '../s3/sse-key.js'

export interface ApplyOptions {
  timeoutMs: number
  say: (line: string) => void
  /** Shown if a restart fails half-way (weed upgrade: how to go back). */
  goBack?: string
  /** Remove volume servers even when the others seem to lack free slots (the drain still fails if it must). */
  force?: boolean
  /** Ctrl-C/SIGTERM: stop at the next safe point (a drain turns maintenance mode off first). */
  signal?: AbortSignal
  /** How the journal names the change (default: applying the file, `up`). */
  operation?: {op: 'apply' | 'upgrade'; command: string; upgrade?: {from: string; to: string}}
}

export interface ApplyResult {
  diff: PlanDiff
  added: string[]
  removed: string[]
  restarted: string[]
}

/** The weed version each process runs, for diffPlans. */
export function runningVersions(cluster: Pick<RunningCluster, 'running'>): Record<string, string> {
  return Object.fromEntries(Object.entries(cluster.running.weeds).map(([name, w]) => [name, w.version]))
}

/** Refuse, before anything is touched, what cannot change on a running cluster. */
export function checkApplicable(running: Plan, next: Plan): void {
  const refusals = refusalsOf(running, next)
  if (refusals.length === 0) return
  const lines = refusals.map((r) => `${r.setting}: ${r.old} → ${r.new}: ${r.reason}`)
  throw new SeaweedctlError('APPLY_REFUSED', `refusing to apply ${next.specFile ?? 'the file'} to the running cluster "${running.name}":\n${lines.join('\n')}\nNothing was changed.`, {
    hints: [...new Set(refusals.map((r) => `To ${r.setting}: ${r.instead}`))],
    data: {refusals},
  })
}

/**
 * Bring a running cluster onto `next`, touching only what differs: supervise.* and logs.* take effect at once;
 * removed volume servers are drained (scale's drain) and stopped; changed processes restart one at a time in
 * dependency order (rolling.ts); added processes start. Everything that can be refused is refused first.
 */
export async function applyToRunning(cluster: RunningCluster, next: Plan, weed: ProcessWeed, options: ApplyOptions): Promise<ApplyResult> {
  const {client, running, report} = cluster
  const diff = diffPlans(running.plan, next, runningVersions(cluster))
  const result: ApplyResult = {diff, added: [], removed: [], restarted: []}
  // What cannot be applied is refused before anything is written (a new dataDir must not even be created).
  if (!diff.same) checkApplicable(running.plan, next)
  // Even when nothing else changes: a kekFile that is not the cluster's key is refused; a cluster made before
  // SSE-S3 keys existed gets its key before any gateway (re)starts.
  if (next.s3) ensureSseKey(next.s3)
  if (diff.same) return result

  const names = (change: string) => diff.processes.filter((p) => p.change === change).map((p) => p.name)
  const [added, removed, changed] = [names('added'), names('removed'), names('changed')]
  const nextOf = (name: string) => next.processes.find((p) => p.name === name)!
  const runningOf = (name: string) => running.plan.processes.find((p) => p.name === name)!
  preflight({...next, processes: [...added, ...changed].map(nextOf), directories: next.directories}, {ownPorts: ownPorts(report)})
  const removedVolumes = removed.map(runningOf).filter((p) => p.kind === 'volume')
  if (removedVolumes.length > 0) await precheckDrain(running.plan, removedVolumes, weed.path, options.force ?? false)

  // Settings first: they restart nothing, and the rest of the change then runs under them.
  const keep = (processes: ProcessPlan[]) => client.request('POST', '/v1/reconfigure', {plan: {...next, processes}, weed})
  if (diff.settings.length > 0) {
    await keep(running.plan.processes)
    options.say(`applied ${diff.settings.map((s) => `${s.field} ${s.old} → ${s.new}`).join(', ')} (no restart)`)
  }
  if (removed.length + changed.length + added.length === 0) return result

  // Every step is in the journal before the first is taken (removals, then the roll in its order, then starts).
  const victims = removed.map(runningOf).sort((a, b) => b.index - a.index)
  const rolled: RollStep[] = changed.length ? await orderRoll(changed.map((name) => ({name, plan: nextOf(name), weed, previous: runningOf(name), previousWeed: running.weeds[name]}))) : []
  const steps: JournalStep[] = [
    ...victims.filter((p) => p.kind === 'volume').map((p): JournalStep => ({action: 'drain', process: p.name, node: nodeOf(p), state: 'pending'})),
    ...victims.map((p): JournalStep => ({action: 'stop', process: p.name, state: 'pending'})),
    ...rolled.map((r): JournalStep => ({action: 'restart', process: r.name, state: 'pending'})),
    ...added.map((name): JournalStep => ({action: 'start', process: name, state: 'pending'})),
  ]
  const {op, command, upgrade} = options.operation ?? {op: 'apply', command: 'up'}
  const journal = new JournalWriter(running.plan.runDir, newJournal(op, command, selfIdentity(), steps, new Date(), undefined, upgrade))
  return runJournalled(journal, async () => {
    // Every leaving volume server drains at once, as scale's do: each volume moves once, onto a server that stays
    // (one after the other, the first drain could move a volume onto the next server to leave).
    const drained = victims.filter((p) => p.kind === 'volume')
    if (drained.length > 0) {
      const version = running.weeds[drained[0].name]
      for (const v of drained) journal.step(journal.index('drain', v.name), {state: 'active'})
      await drainAll(drained, running.plan, version.path, version.version, options.timeoutMs, options.say, journal.drainHooks(drained.map((v) => v.name), options.signal))
      for (const v of drained) journal.step(journal.index('drain', v.name), {state: 'done'})
    }
    for (const victim of victims) {
      checkInterrupted(options.signal)
      journal.step(journal.index('stop', victim.name), {state: 'active'})
      options.say(`stopping ${victim.name}`)
      await client.request('POST', '/v1/control', {action: 'stop', names: [victim.name]}, victim.stopTimeoutMs + 30_000)
      await waitUntil(client, victim.stopTimeoutMs + 30_000, (r) => r.processes.find((p) => p.name === victim.name)?.state === 'STOPPED', [victim.name])
      result.removed.push(victim.name)
      await keep(running.plan.processes.filter((p) => !result.removed.includes(p.name)))
      journal.step(journal.index('stop', victim.name), {state: 'done'})
    }

    if (rolled.length > 0) {
      createDirectories(next)
      result.restarted = await roll(client, rolled, {masterUrls: masterUrlsOf(running.plan), volumeServers: volumeServersOf(running.plan), timeoutMs: options.timeoutMs, reason: 'plan changed', say: options.say, goBack: options.goBack, signal: options.signal, ordered: true, onStep: recordRoll(journal)})
      // The cluster-wide part of the plan (its endpoints: a filer that moved) is the file's from now on.
      await keep(next.processes.filter((p) => !added.includes(p.name)))
    }

    if (added.length > 0) {
      checkInterrupted(options.signal)
      createDirectories(next)
      // S3 turned on in the file: its keys are made before its gateway starts. Existing keys are left alone: the
      // running gateways serve them, and a new key in the environment would make `env` name one they refuse.
      if (next.s3 && !readCredentials(next.s3.credentialsFile)) ensureCredentials(next.s3, next.s3.buckets)
      options.say(`starting ${added.join(', ')}`)
      journal.step(journal.index('start', added[0]), {state: 'active'})
      await keep(next.processes)
      await waitUntil(client, options.timeoutMs, (r) => added.every((n) => r.processes.find((p) => p.name === n)?.state === 'RUNNING'), added)
      // A server drained by an earlier scale-down keeps maintenance mode in its state across restarts.
      const addedVolumes = next.processes.filter((p) => p.kind === 'volume' && added.includes(p.name))
      if (addedVolumes.length > 0) await endMaintenance(addedVolumes, next, weed.path, weed.version)
      for (const name of added) journal.step(journal.index('start', name), {state: 'done'})
      result.added = added
    }
    return result
  })
}

function ownPorts(report: StatusReport): Set<number> {
  return new Set(report.processes.filter((p) => p.pid !== null).flatMap((p) => portsOf(p).map(([, port]) => port)))
}

/** One line for people: what `up` changed on the running cluster. */
export function appliedSummary(result: ApplyResult): string {
  if (result.diff.same) return 'the running cluster matches the file'
  const parts = [
    result.diff.settings.length ? `applied ${result.diff.settings.map((s) => s.field).join(', ')} without a restart` : '',
    result.removed.length ? `removed ${result.removed.join(', ')}` : '',
    result.restarted.length ? `restarted ${result.restarted.join(', ')} one at a time` : '',
    result.added.length ? `started ${result.added.join(', ')}` : '',
  ].filter(Boolean)
  const kept = result.diff.processes.filter((p) => p.change === 'unchanged').length
  return `${parts.join('; ')}; ${kept} unchanged process${kept === 1 ? '' : 'es'} kept running`
}
