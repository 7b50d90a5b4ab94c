import {readFileSync, rmSync} from 'node:fs'

import {DaemonClient} from '../daemon/client.js'
import {writeFileAtomic} from '../lib/fs-atomic.js'
import {SeaweedctlError} from '../lib/errors.js'
import {planCluster, portsOf} from '../plan/planner.js'
import {preflight} from '../plan/preflight.js'
import type {Plan, ProcessPlan} from '../plan/types.js'
import {setNumberInSpecText} from '../clusterfile/edit.js'
import {closest, loadSpecFile} from '../clusterfile/load.js'
import {masterTopology} from '../supervisor/master-topology.js'
import type {StatusReport} from '../supervisor/status-types.js'
import {createDirectories} from './cluster.js'
import {drainAll, endMaintenance, nodeOf, precheckDrain} from './drain.js'
import {withClusterLock} from './lock.js'
import {checkInterrupted, isInterrupted} from '../lib/interrupt.js'
import {describeJournal, type JournalStep, newJournal} from './journal.js'
import {settlePending} from './converge.js'
import {JournalWriter, selfIdentity} from './journal-writer.js'
import {planFromFile, weedFlagsFor} from './plan.js'
import {daemonDied, daemonGone} from './journalled.js'
import {loggedSay} from './oplog.js'

export type ScalableKind = 'volume' | 'filer' | 's3'

export interface ScaleOptions {
  file: string
  kind: string
  count: string
  purge: boolean
  force: boolean
  timeoutMs: number
  /** Progress lines for people. */
  say?: (line: string) => void
  /** Aborted by Ctrl-C/SIGTERM when a caller (up) already listens for them. */
  signal?: AbortSignal
}

export interface ScaleResult {
  kind: ScalableKind
  from: number
  to: number
  added: string[]
  removed: string[]
  /** False when the cluster was not running: only seaweed.yaml changed. */
  running: boolean
  counts: {master: number; volume: number; filer: number; s3: number}
  purged: string[]
  /** How long each removed volume server took to drain (moving its volumes away). */
  drainMs: Record<string, number>
}

const MINIMUM: Record<ScalableKind, number> = {volume: 1, filer: 0, s3: 0}

/** Validate `scale KIND N` before anything is read or touched. */
export function parseScaleArgs(kind: string, count: string): {kind: ScalableKind; count: number} {
  if (kind === 'master') {
    throw new SeaweedctlError('BAD_ARGUMENT', 'masters are not scaled at runtime: they form a raft group, and seaweedctl does not change raft membership of a running cluster. Nothing was changed.', {
      hints: ['To run 3 masters, create the cluster with them: seaweedctl up --masters 3 (in a new directory), or change master.count while the cluster is down'],
      data: {kind},
    })
  }
  if (kind !== 'volume' && kind !== 'filer' && kind !== 's3') {
    const suggestion = closest(kind.replace(/s$/, ''), ['volume', 'filer', 's3'])
    throw new SeaweedctlError('BAD_ARGUMENT', `cannot scale "${kind}": the kinds that scale are volume, filer and s3. Nothing was changed.`, {
      hints: suggestion ? [`did you mean "${suggestion}"?`] : [],
      data: {kind},
    })
  }
  if (!/^-?\d+$/.test(count)) {
    throw new SeaweedctlError('BAD_ARGUMENT', `"${count}" is not a count: give a whole number, e.g. seaweedctl scale ${kind} 4. Nothing was changed.`, {data: {count}})
  }
  const n = Number(count)
  if (n < MINIMUM[kind]) {
    throw new SeaweedctlError('BAD_ARGUMENT', `${kind} count ${n} is below the minimum of ${MINIMUM[kind]}${kind === 'volume' ? ' (a cluster needs a volume server to store anything; use `seaweedctl down` to stop it)' : ''}. Nothing was changed.`, {data: {count: n}})
  }
  return {kind, count: n}
}

/**
 * Change how many volume servers, filers or S3 gateways run. New instances get the next stable identity;
 * volume servers leaving are drained first, all together (drainAll: maintenance on, each volume moved once onto a
 * server that stays, wait until the master shows them empty). Processes that are not affected are never restarted. seaweed.yaml changes only in the count.
 * A scale-down is journalled (journal.ts): Ctrl-C or SIGTERM stops it at once with maintenance mode off, and an
 * operation left unfinished by an earlier command (even one killed with -9) is settled first.
 */
export async function scale(options: ScaleOptions): Promise<ScaleResult> {
  const {kind, count} = parseScaleArgs(options.kind, options.count)
  const say = options.say ?? (() => {})
  const filePlan = planFromFile(options.file, 'existing')
  return withClusterLock(filePlan, `scale ${kind} ${count}`, async () => {
    const logged = loggedSay(filePlan.runDir, `scale ${kind} ${count}`, say)
    await settlePending(filePlan, logged)
    return scaleLocked({...options, say: logged}, kind, count)
  })
}

/** `scale` once the cluster lock is held and no earlier operation is pending (`up` calls it to finish one). */
export async function scaleLocked(options: ScaleOptions & {say: (line: string) => void; signal?: AbortSignal}, kind: ScalableKind, count: number): Promise<ScaleResult> {
  const {say, signal} = options
  const loaded = loadSpecFile(options.file, 'existing')
  const text = readFileSync(loaded.source.file!, 'utf8')
  const from = loaded.spec[kind].count
  const weedFlags = weedFlagsFor(loaded.spec, {required: false})
  const oldPlan = planCluster(loaded.spec, loaded.source, {weedFlags})
  const newSpec = {...loaded.spec, [kind]: {...loaded.spec[kind], count}}
  let newPlan: Plan
  try {
    newPlan = planCluster(newSpec, loaded.source, {weedFlags})
  } catch (error) {
    if (error instanceof SeaweedctlError && error.code === 'PLAN_REPLICATION') {
      const holding = await holdings(oldPlan, oldPlan.processes.filter((p) => p.kind === 'volume' && p.index > count))
      throw new SeaweedctlError('SCALE_REFUSED', `refusing to scale ${kind} ${from} → ${count}: ${error.message}${holding.text} Nothing was changed.`, {
        hints: ['Keep enough volume servers for the replication, or lower master.defaultReplication first (existing volumes keep theirs)'],
        data: {...error.data, from, to: count, ...holding.data},
      })
    }
    throw error
  }
  const newText = setNumberInSpecText(text, [kind, 'count'], count)
  const counts = {master: newSpec.master.count, volume: newSpec.volume.count, filer: newSpec.filer.count, s3: newSpec.s3.count}
  const addedNames = newPlan.processes.filter((p) => !oldPlan.processes.some((q) => q.name === p.name)).map((p) => p.name)
  const removed = oldPlan.processes.filter((p) => !newPlan.processes.some((q) => q.name === p.name))

  const client = new DaemonClient(oldPlan.socketPath, oldPlan.runDir)
  try {
    const report = await client.status()
    if (!report) {
      writeFileAtomic(loaded.source.file!, newText)
      say(`cluster "${oldPlan.name}" is not running: changed ${kind}.count ${from} → ${count} in seaweed.yaml only; \`seaweedctl up\` starts it that way.`)
      return {kind, from, to: count, added: [], removed: [], running: false, counts, purged: [], drainMs: {}}
    }
    if (count === from) return {kind, from, to: count, added: [], removed: [], running: true, counts, purged: [], drainMs: {}}
    const weedPath = (JSON.parse(readFileSync(`${oldPlan.runDir}/plan.json`, 'utf8')) as {weedPath: string}).weedPath
    if (count > from) {
      const ownPorts = new Set(report.processes.filter((p) => p.pid !== null).flatMap((p) => portsOf(p).map(([, port]) => port)))
      preflight({...newPlan, processes: newPlan.processes.filter((p) => addedNames.includes(p.name)), directories: []}, {ownPorts})
      createDirectories(newPlan)
      await client.request('POST', '/v1/reconfigure', {plan: newPlan})
      say(`starting ${addedNames.join(', ')}`)
      await waitUntil(client, options.timeoutMs, (r) => addedNames.every((n) => r.processes.find((p) => p.name === n)?.state === 'RUNNING'), addedNames, signal)
      writeFileAtomic(loaded.source.file!, newText)
      if (kind === 'volume') await endMaintenance(newPlan.processes.filter((p) => addedNames.includes(p.name)), newPlan, weedPath, loaded.spec.weed.version)
      return {kind, from, to: count, added: addedNames, removed: [], running: true, counts, purged: [], drainMs: {}}
    }

    const leaving = [...removed].sort((a, b) => b.index - a.index)
    if (kind === 'volume') await precheckDrain(oldPlan, leaving, weedPath, options.force)
    // All leaving servers drain together (each volume moves once, onto a server that stays), then all stop together.
    const steps: JournalStep[] = [
      ...(kind === 'volume' ? leaving.map((p): JournalStep => ({action: 'drain', process: p.name, node: nodeOf(p), state: 'pending'})) : []),
      ...leaving.map((p): JournalStep => ({action: 'stop', process: p.name, state: 'pending'})),
    ]
    const journal = new JournalWriter(oldPlan.runDir, newJournal('scale', `scale ${kind} ${count}`, selfIdentity(), steps, new Date(), {kind, from, to: count}))
    const done: string[] = []
    const drainMs: Record<string, number> = {}
    const names = leaving.map((p) => p.name)
    try {
      if (kind === 'volume') {
        const started = Date.now()
        const drainStep = (name: string) => journal.index('drain', name)
        for (const name of names) journal.step(drainStep(name), {state: 'active'})
        await drainAll(leaving, oldPlan, weedPath, loaded.spec.weed.version, options.timeoutMs, say, journal.drainHooks(names, signal))
        for (const name of names) {
          journal.step(drainStep(name), {state: 'done'})
          drainMs[name] = Date.now() - started
        }
        say(`${names.join(', ')} drained in ${((Date.now() - started) / 1000).toFixed(1)}s`)
      }
      checkInterrupted(signal)
      for (const name of names) journal.step(journal.index('stop', name), {state: 'active'})
      say(`stopping ${names.join(', ')}`)
      const stopMs = Math.max(...leaving.map((p) => p.stopTimeoutMs)) + 30_000
      await client.request('POST', '/v1/control', {action: 'stop', names}, stopMs)
      await waitUntil(client, stopMs, (r) => names.every((n) => r.processes.find((p) => p.name === n)?.state === 'STOPPED'), names)
      done.push(...names)
      // The removals are recorded at once: the daemon's plan and seaweed.yaml match what runs.
      await client.request('POST', '/v1/reconfigure', {plan: newPlan})
      writeFileAtomic(loaded.source.file!, newText)
      for (const name of names) journal.step(journal.index('stop', name), {state: 'done'})
    } catch (error) {
      if (!isInterrupted(error)) {
        // The daemon died under it: the journal stays, for `status` to name and `up` to finish.
        if (daemonGone(error)) throw daemonDied(journal, error)
        // A refusal or failure is reported as such; what was reached is recorded, nothing is left pending.
        journal.clear()
        throw error
      }
      const left = journal.interrupt(error.signal)
      throw new SeaweedctlError('INTERRUPTED', `${describeJournal(left, 'interrupted')}.`, {
        hints: ['See: seaweedctl status'],
        data: {operation: left},
        nothingChanged: done.length === 0 && !left.steps.some((s) => s.state !== 'pending'),
      })
    }
    journal.clear()
    const purged: string[] = []
    if (options.purge) {
      for (const victim of removed) {
        rmSync(victim.dataDir, {recursive: true, force: true})
        purged.push(victim.dataDir)
      }
    }
    return {kind, from, to: count, added: [], removed: done, running: true, counts, purged, drainMs}
  } finally {
    await client.close()
  }
}

/**
 * What the leaving volume servers hold, from the master (quickly: this only adds numbers to a refusal, and
 * a cluster that is not running has nothing to say).
 */
async function holdings(plan: Plan, leaving: ProcessPlan[]): Promise<{text: string; data: Record<string, unknown>}> {
  const topology = await masterTopology([plan.endpoints.master], 1000)
  if (!topology || leaving.length === 0) return {text: '', data: {}}
  const held = leaving.map((p) => ({process: p.name, node: nodeOf(p), volumes: topology.get(nodeOf(p))?.volumes ?? 0}))
  const total = held.reduce((a, h) => a + h.volumes, 0)
  const stay = [...topology.keys()].filter((n) => !held.some((h) => h.node === n)).length
  const each = held.map((h) => `${h.process} (${h.node}) ${h.volumes}`).join(', ')
  return {
    text: ` The ${held.length} leaving server${held.length === 1 ? '' : 's'} hold ${total} volume${total === 1 ? '' : 's'} (${each}); ${stay} server${stay === 1 ? '' : 's'} would stay.`,
    data: {leaving: held, staying: stay},
  }
}

export async function waitUntil(client: DaemonClient, timeoutMs: number, done: (r: StatusReport) => boolean, names: string[], signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let version = -1
  while (true) {
    checkInterrupted(signal)
    // Long poll: answered as soon as a state changes.
    const report = await client.next(version < 0 ? undefined : version)
    version = report?.version ?? version
    if (report && done(report)) return
    if (!report && !(await client.status())) throw new SeaweedctlError('DAEMON_UNREACHABLE', `the supervisor daemon stopped answering while waiting for ${names.join(', ')}`, {nothingChanged: false})
    const failed = report?.processes.find((p) => names.includes(p.name) && p.state === 'FATAL')
    if (failed) throw new SeaweedctlError('PROCESS_FAILED', `${failed.name} failed: ${failed.health}`, {hints: [`See: seaweedctl logs ${failed.name}`], nothingChanged: false})
    if (Date.now() > deadline) throw new SeaweedctlError('NOT_READY', `${names.join(', ')} not ready after ${Math.round(timeoutMs / 1000)}s`, {nothingChanged: false})
  }
}
