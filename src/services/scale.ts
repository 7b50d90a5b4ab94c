import {readFileSync, rmSync} from 'node:fs'

import {DaemonClient} from '../daemon/client.js'
import {writeFileAtomic} from '../lib/fs-atomic.js'
import {SeaweedctlError} from '../lib/errors.js'
import {planCluster} from '../plan/planner.js'
import {preflight} from '../plan/preflight.js'
import type {Plan, ProcessPlan} from '../plan/types.js'
import {setNumberInSpecText} from '../spec/edit.js'
import {closest, loadSpecFile} from '../spec/load.js'
import {masterTopology} from '../supervisor/probes.js'
import type {StatusReport} from '../supervisor/status-types.js'
import {has, parseVersionString, NEWEST_KNOWN} from '../weed/versions.js'
import {runWeedShell} from '../weed/shell.js'
import {createDirectories} from './cluster.js'
import {withClusterLock} from './lock.js'

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
}

const MINIMUM: Record<ScalableKind, number> = {volume: 1, filer: 0, s3: 0}
/** A drain moves whole volumes between servers; give it time, but never forever. */
const SHELL_TIMEOUT_MS = 10 * 60_000

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
 * volume servers leaving are drained first (maintenance on, evacuate, wait until the master shows them
 * empty). Processes that are not affected are never restarted. seaweed.yaml changes only in the count.
 */
export async function scale(options: ScaleOptions): Promise<ScaleResult> {
  const {kind, count} = parseScaleArgs(options.kind, options.count)
  const say = options.say ?? (() => {})
  const loaded = loadSpecFile(options.file, 'existing')
  const text = readFileSync(loaded.source.file!, 'utf8')
  const from = loaded.spec[kind].count
  const oldPlan = planCluster(loaded.spec, loaded.source)
  const newSpec = {...loaded.spec, [kind]: {...loaded.spec[kind], count}}
  let newPlan: Plan
  try {
    newPlan = planCluster(newSpec)
  } catch (error) {
    if (error instanceof SeaweedctlError && error.code === 'PLAN_REPLICATION') {
      throw new SeaweedctlError('SCALE_REFUSED', `refusing to scale ${kind} ${from} → ${count}: ${error.message} Nothing was changed.`, {
        hints: ['Keep enough volume servers for the replication, or lower master.defaultReplication first (existing volumes keep theirs)'],
        data: {...error.data, from, to: count},
      })
    }
    throw error
  }
  const newText = setNumberInSpecText(text, [kind, 'count'], count)
  const counts = {master: newSpec.master.count, volume: newSpec.volume.count, filer: newSpec.filer.count, s3: newSpec.s3.count}
  const addedNames = newPlan.processes.filter((p) => !oldPlan.processes.some((q) => q.name === p.name)).map((p) => p.name)
  const removed = oldPlan.processes.filter((p) => !newPlan.processes.some((q) => q.name === p.name))

  return withClusterLock(oldPlan, `scale ${kind} ${count}`, async () => {
    const client = new DaemonClient(oldPlan.socketPath, oldPlan.runDir)
    try {
      const report = await client.status()
      if (!report) {
        writeFileAtomic(loaded.source.file!, newText)
        say(`cluster "${oldPlan.name}" is not running: changed ${kind}.count ${from} → ${count} in seaweed.yaml only; \`seaweedctl up\` starts it that way.`)
        return {kind, from, to: count, added: [], removed: [], running: false, counts, purged: []}
      }
      if (count === from) return {kind, from, to: count, added: [], removed: [], running: true, counts, purged: []}
      const weedPath = (JSON.parse(readFileSync(`${oldPlan.runDir}/plan.json`, 'utf8')) as {weedPath: string}).weedPath
      if (count > from) {
        const ownPorts = new Set(report.processes.filter((p) => p.pid !== null).flatMap((p) => [p.ports.http, p.ports.grpc]))
        preflight({...newPlan, processes: newPlan.processes.filter((p) => addedNames.includes(p.name)), directories: []}, {ownPorts})
        createDirectories(newPlan)
        await client.request('POST', '/v1/reconfigure', {plan: newPlan})
        say(`starting ${addedNames.join(', ')}`)
        await waitUntil(client, options.timeoutMs, (r) => addedNames.every((n) => r.processes.find((p) => p.name === n)?.state === 'RUNNING'), addedNames)
        writeFileAtomic(loaded.source.file!, newText)
        return {kind, from, to: count, added: addedNames, removed: [], running: true, counts, purged: []}
      }

      if (kind === 'volume') await checkSlots(oldPlan, removed, options.force)
      const done: string[] = []
      try {
        for (const victim of [...removed].sort((a, b) => b.index - a.index)) {
          if (kind === 'volume') await drain(victim, oldPlan, weedPath, loaded.spec.weed.version, options.timeoutMs, say)
          say(`stopping ${victim.name}`)
          await client.request('POST', '/v1/control', {action: 'stop', names: [victim.name]}, victim.stopTimeoutMs + 30_000)
          await waitUntil(client, victim.stopTimeoutMs + 30_000, (r) => r.processes.find((p) => p.name === victim.name)?.state === 'STOPPED', [victim.name])
          done.push(victim.name)
        }
      } finally {
        if (done.length > 0) {
          // Record what really happened, even when a later drain failed: the plan and the spec match the running cluster.
          const reached = from - done.length
          const reachedSpec = {...loaded.spec, [kind]: {...loaded.spec[kind], count: reached}}
          await client.request('POST', '/v1/reconfigure', {plan: planCluster(reachedSpec)})
          writeFileAtomic(loaded.source.file!, setNumberInSpecText(text, [kind, 'count'], reached))
        }
      }
      const purged: string[] = []
      if (options.purge) {
        for (const victim of removed) {
          rmSync(victim.dataDir, {recursive: true, force: true})
          purged.push(victim.dataDir)
        }
      }
      return {kind, from, to: count, added: [], removed: done, running: true, counts, purged}
    } finally {
      await client.close()
    }
  })
}

/** The servers that stay must have free slots for every volume the leaving ones hold. */
export async function checkSlots(plan: Plan, leaving: ProcessPlan[], force: boolean): Promise<void> {
  const topology = await masterTopology([plan.endpoints.master], 10_000)
  if (!topology) throw new SeaweedctlError('NOT_HEALTHY', `the master at ${plan.endpoints.master} does not answer /dir/status; cannot check where the volumes would go. Nothing was changed.`)
  const leavingNodes = new Set(leaving.map((p) => `${p.readiness.kind === 'volumeListed' ? p.readiness.node : ''}`))
  let needed = 0
  let free = 0
  for (const [node, info] of topology) {
    if (leavingNodes.has(node)) needed += info.volumes
    else free += Math.max(0, info.max - info.volumes)
  }
  if (needed > free && !force) {
    throw new SeaweedctlError('SCALE_REFUSED', `refusing to remove ${leaving.map((p) => p.name).join(', ')}: they hold ${needed} volumes, but the servers that stay have only ${free} free volume slots. Nothing was changed.`, {
      hints: ['Raise volume.max (or free disk space), or pass --force to try anyway (the drain fails if the volumes cannot move)'],
      data: {needed, free},
    })
  }
}

/** Maintenance on, evacuate under the shell lock, then wait until the master shows the server empty. */
export async function drain(victim: ProcessPlan, plan: Plan, weedPath: string, versionText: string, timeoutMs: number, say: (l: string) => void): Promise<void> {
  if (victim.readiness.kind !== 'volumeListed') return
  const node = victim.readiness.node
  const master = plan.endpoints.master.replace(/^http:\/\//, '')
  const version = parseVersionString(versionText) ?? NEWEST_KNOWN
  const apply = has(version, 'shellApply') ? '-apply' : '-force'
  say(`draining ${victim.name} (${node}): maintenance on, moving its volumes to the other servers`)
  // Maintenance mode keeps new volumes off the server while it drains. Some weed versions (4.30) also refuse
  // to move volumes out of a server in maintenance; then drain without it (the re-check before stopping
  // still catches a volume grown there meanwhile).
  let maintenance = has(version, 'volumeMaintenance')
  const deadline = Date.now() + timeoutMs
  for (let attempt = 1; ; attempt++) {
    const commands = [
      'lock',
      maintenance ? `volumeServer.state -nodes ${node} -maintenanceOn` : '',
      `volumeServer.evacuate -node ${node} ${apply}`,
      'unlock',
    ].filter(Boolean)
    const result = await runWeedShell(weedPath, master, commands, SHELL_TIMEOUT_MS)
    if (maintenance && /is in maintenance mode/.test(`${result.stdout}\n${result.stderr}`)) {
      maintenance = false
      await runWeedShell(weedPath, master, ['lock', `volumeServer.state -nodes ${node} -maintenanceOff`, 'unlock'], 60_000)
      say(`${victim.name}: this weed cannot move volumes out of a server in maintenance mode; draining without it`)
      continue
    }
    const topology = await waitForEmpty(plan, node, Math.min(10_000, Math.max(0, deadline - Date.now())))
    if (topology === 'empty') return
    if (attempt >= 3 || Date.now() > deadline) {
      if (has(version, 'volumeMaintenance')) await runWeedShell(weedPath, master, ['lock', `volumeServer.state -nodes ${node} -maintenanceOff`, 'unlock'], 60_000).catch(() => undefined)
      throw new SeaweedctlError('DRAIN_FAILED', `could not drain ${victim.name} (${node}): it still holds ${topology} volume(s) after ${attempt} evacuations${result.errors.length ? `; weed shell said:\n${result.errors.join('\n')}` : ''}\n${victim.name} keeps running (maintenance mode turned off again).`, {
        hints: ['Check free slots and replication placement: seaweedctl status; weed shell volume.list'],
        data: {process: victim.name, node, errors: result.errors},
        nothingChanged: false,
      })
    }
    say(`${victim.name} still holds ${topology} volume(s); evacuating again`)
  }
}

/** 'empty' once the master lists the node with no volumes and no EC shards (checked twice, a beat apart). */
async function waitForEmpty(plan: Plan, node: string, timeoutMs: number): Promise<'empty' | number> {
  const deadline = Date.now() + timeoutMs
  let remaining = -1
  while (true) {
    const topology = await masterTopology([plan.endpoints.master], 5000)
    const info = topology?.get(node)
    remaining = info ? info.volumes + info.ecShards : remaining
    if (info && info.volumes === 0 && info.ecShards === 0) {
      // Re-check just before stopping: a volume could have been grown on it in between.
      await new Promise((r) => setTimeout(r, 300))
      const again = (await masterTopology([plan.endpoints.master], 5000))?.get(node)
      if (again && again.volumes === 0 && again.ecShards === 0) return 'empty'
    }
    if (Date.now() > deadline) return remaining
    await new Promise((r) => setTimeout(r, 200))
  }
}

export async function waitUntil(client: DaemonClient, timeoutMs: number, done: (r: StatusReport) => boolean, names: string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let version = -1
  while (true) {
    // Long poll: answered as soon as a state changes.
    const report = await client.next(version < 0 ? undefined : version)
    version = report?.version ?? version
    if (report && done(report)) return
    const failed = report?.processes.find((p) => names.includes(p.name) && p.state === 'FATAL')
    if (failed) throw new SeaweedctlError('PROCESS_FAILED', `${failed.name} failed: ${failed.health}`, {hints: [`See: seaweedctl logs ${failed.name}`], nothingChanged: false})
    if (Date.now() > deadline) throw new SeaweedctlError('NOT_READY', `${names.join(', ')} not ready after ${Math.round(timeoutMs / 1000)}s`, {nothingChanged: false})
  }
}
