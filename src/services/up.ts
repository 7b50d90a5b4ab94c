import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {writeFileAtomic} from '../lib/fs-atomic.js'
import {SeaweedctlError} from '../lib/errors.js'
import type {SizingOptions} from '../lib/sizing.js'
import {planCluster} from '../plan/planner.js'
import {preflight} from '../plan/preflight.js'
import {KIND_ORDER, type Plan, type ProcessKind} from '../plan/types.js'
import type {LoadedSpec} from '../clusterfile/schema.js'
import {tailLines} from '../supervisor/diagnose.js'
import type {ProcessStatus, StatusReport} from '../supervisor/status-types.js'
import {cachedWeedVersion, describeSource, findWeed, locateWeed, type WeedBinary, type WeedSource} from '../weed/binary.js'
import {type CanaryResult, runCanary} from './canary.js'
import {createBuckets} from './buckets.js'
import {ensureCredentials} from '../s3/credentials.js'
import {ensureSseKey} from '../s3/sse-key.js'
import {createDirectories, launchDaemon, runForeground, runningPorts} from './cluster.js'
import {DaemonClient} from '../daemon/client.js'
import {type ClusterOwner, type DaemonLaunchFile, PLAN_FILE} from '../daemon/protocol.js'
import {claimAutoOffset, claimPlanPorts, handClaimTo, releaseClaim} from './ports.js'
import {checkSizingAgrees, loadSpecFile, newSpec, rawFromSizing, specExists} from './spec.js'
import {hasExtraArgs, planSpec, summarisePlan} from './plan.js'
import {withClusterLock} from './lock.js'
import {type ApplyResult, applyToRunning, runningVersions} from './apply.js'
import {findRunningCluster} from './running.js'
import {checkInterrupted, isInterrupted} from '../lib/interrupt.js'
import {clearStrayMaintenance} from './converge.js'
import {finishPending} from './finish.js'
import {describeJournal, readJournal} from './journal.js'
import {loggedSay} from './oplog.js'
import {diffPlans} from '../plan/diff.js'

export interface UpOptions extends SizingOptions {
  file: string
  weed?: string
  timeoutMs: number
  wait: boolean
  foreground: boolean
  /** Install the spec's weed version when none is found (default true; --no-install). */
  install: boolean
  /** Progress lines while a running cluster is brought onto the file. */
  say?: (line: string) => void
  /** `--bucket a,b`: created with the spec's s3.buckets (validated names). */
  buckets?: string[]
  /**
   * Return the cluster already running from this spec when its plan is the same (else fail, changing nothing).
   * Ignored when $CI is set: CI jobs always start their own cluster.
   */
  reuse?: boolean
  /** Stop the cluster when this process ends (the API's stopOnExit); the daemon watches it. */
  owner?: ClusterOwner
  /** Aborted by Ctrl-C/SIGTERM: what this `up` started is stopped; a change to a running cluster stops at its next safe point. */
  signal?: AbortSignal
}

export type UpEvent =
  | {type: 'spec'; file: string; created: boolean}
  /** `taken`: a port of the offset tried before, taken between choosing that offset and starting. */
  | {type: 'ports'; offset: number; taken?: number}
  | {type: 'reused'}
  | {type: 'plan'; summary: string; plan: Plan}
  | {type: 'pinned'; version: string; path: string; source: WeedSource}
  | {type: 'install'; version: string}
  | {type: 'weed'; weed: WeedBinary}
  | {type: 'daemon'; started: boolean}
  | {type: 'ready'; kind: ProcessKind; processes: ProcessStatus[]; elapsedMs: number}
  | {type: 'canary'; canary: CanaryResult}
  | {type: 'applied'; result: ApplyResult}

export interface UpResult {
  name: string
  specFile: string
  specCreated: boolean
  weed: {path: string; version: string; source: string}
  elapsedMs: number
  ready: boolean
  endpoints: Plan['endpoints']
  processes: ProcessStatus[]
  canary: CanaryResult | null
  /** The port offset in use (chosen by --port-offset auto, or the spec's). */
  portOffset: number
  /** True when --reuse found this cluster already running from the same plan and left it as it was. */
  reused: boolean
}

/**
 * Bring the cluster to RUNNING and prove it with a canary. Everything that can be checked is checked before
 * anything starts; if the cluster then fails to come up, what this run started is stopped again.
 */
export async function up(options: UpOptions, emit: (event: UpEvent) => void = () => {}): Promise<UpResult> {
  const started = Date.now()
  const deadline = started + options.timeoutMs
  let {loaded, specText, pinned} = await prepareSpec(options)
  if (pinned) emit({type: 'pinned', ...pinned})
  // Extra weed flags are checked against the weed that will run them: found (or installed) before the plan.
  let early = hasExtraArgs(loaded.spec) ? await findOrInstallWeed(options, loaded, emit) : undefined
  let plan = withBuckets(planSpec(loaded, {weedPath: early?.path}), options.buckets ?? [])
  const autoPorts = options.portOffset === 'auto' && specText !== undefined
  // Ports seen free when the offset was chosen but taken by the time preflight looked: another offset is tried.
  const avoid = new Set<number>()
  let taken: number | undefined
  for (let attempt = 1; ; attempt++) {
    if (autoPorts) {
      // A new spec with automatic ports: the first free offset, claimed before anything starts, written into the spec.
      const sizing = {...options, ...(pinned ? {weedVersion: pinned.version} : {})}
      const chosen = await claimAutoOffset(plan.runDir, (offset) => planCluster(newSpec(options.file, {...sizing, portOffset: offset}).spec), undefined, avoid)
      const made = newSpec(options.file, {...sizing, portOffset: chosen.offset})
      loaded = {spec: made.spec, source: {file: made.file, positions: new Map()}}
      specText = made.text
      plan = withBuckets(planCluster(loaded.spec, loaded.source), options.buckets ?? [])
      emit({type: 'ports', offset: chosen.offset, ...(taken === undefined ? {} : {taken})})
    }
    try {
      emit({type: 'plan', summary: summarisePlan(plan), plan})
      const weed = early ?? await findOrInstallWeed(options, loaded, emit)
      // Found once: another offset changes no binary.
      if (attempt === 1) emit({type: 'weed', weed})
      early = weed
      return await withClusterLock(plan, 'up', () => start(plan, loaded, specText, weed, options, started, deadline, emit))
    } catch (error) {
      if (autoPorts) releaseClaim(plan.runDir)
      taken = takenSincePicked(error)
      if (!autoPorts || taken === undefined || attempt >= AUTO_PORT_ATTEMPTS) throw error
      avoid.add(taken)
    }
  }
}

/** How many automatic offsets `up` tries when a port is taken between choosing the offset and preflight. */
const AUTO_PORT_ATTEMPTS = 3

/** The port preflight found taken (nothing was started or written then), from its PORT_IN_USE error. */
function takenSincePicked(error: unknown): number | undefined {
  if (!(error instanceof SeaweedctlError) || error.code !== 'PORT_IN_USE') return undefined
  const port = (error.data as {port?: unknown} | undefined)?.port
  return typeof port === 'number' ? port : undefined
}

/** --reuse is honoured only outside CI. */
export function reuseWanted(requested: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(requested) && !env.CI
}

function withBuckets(plan: Plan, buckets: string[]): Plan {
  if (buckets.length === 0) return plan
  if (!plan.s3) {
    throw new SeaweedctlError('BAD_ARGUMENT', `--bucket needs an S3 gateway, and cluster "${plan.name}" has none; nothing was started.`, {hints: ['Add --s3 for a new cluster, or set s3.count in the spec'], data: {flag: '--bucket'}})
  }
  return {...plan, s3: {...plan.s3, buckets: [...new Set([...plan.s3.buckets, ...buckets])]}}
}

export interface PreparedSpec {
  loaded: LoadedSpec
  /** The text of a new spec, written once the plan has passed preflight; undefined for an existing file. */
  specText?: string
  /** A new spec took its weed.version from the binary chosen with --weed or $SEAWEEDCTL_WEED. */
  pinned?: {version: string; path: string; source: WeedSource}
}

/**
 * The existing spec (sizing flags must agree with it), or a new one from the flags. A new spec's weed.version
 * is --weed-version; without it, and with a binary chosen explicitly (--weed, $SEAWEEDCTL_WEED), the version of
 * that binary, so `up --weed ./weed` runs the weed it was given instead of failing with a version mismatch.
 */
export async function prepareSpec(options: Pick<UpOptions, 'file' | 'weed'> & SizingOptions, env: NodeJS.ProcessEnv = process.env): Promise<PreparedSpec> {
  if (specExists(options.file)) {
    const loaded = loadSpecFile(options.file)
    checkSizingAgrees(loaded, options)
    return {loaded}
  }
  let pinned: PreparedSpec['pinned']
  let sizing: SizingOptions = options
  if (options.weedVersion === undefined && (options.weed || env.SEAWEEDCTL_WEED)) {
    // Only --weed and $SEAWEEDCTL_WEED come before the spec's version in the search order; a new spec has no weed.binary.
    const found = locateWeed({flag: options.weed, specBinary: 'auto', specVersion: rawDefaultVersion(), env})
    const version = await cachedWeedVersion(found.path, env)
    pinned = {version: version.text, path: found.path, source: found.source}
    sizing = {...options, weedVersion: version.text}
  }
  const made = newSpec(options.file, sizing)
  return {loaded: {spec: made.spec, source: {file: made.file, positions: new Map()}}, specText: made.text, pinned}
}

function rawDefaultVersion(): string {
  return (rawFromSizing({}) as {weed: {version: string}}).weed.version
}

async function start(plan: Plan, loaded: LoadedSpec, specText: string | undefined, weed: WeedBinary, options: UpOptions, started: number, startDeadline: number, emit: (event: UpEvent) => void): Promise<UpResult> {
  let deadline = startDeadline
  if (options.foreground) await refuseSecondSupervisor(plan)
  const found = options.foreground ? undefined : await findRunningCluster(plan)
  let client = found?.client ?? new DaemonClient(plan.socketPath, plan.runDir)
  let launched = false
  try {
    if (found && reuseWanted(options.reuse)) {
      const running = found.report
      checkSamePlan(plan)
      emit({type: 'reused'})
      const canary = await runCanary(plan, deadline)
      if (running.processes.every((p) => p.state === 'RUNNING') && canary.ok) {
        return {...result(plan, loaded, false, weed, started, true, running, canary), reused: true}
      }
      throw new SeaweedctlError('NOT_HEALTHY', `cluster "${plan.name}" is running from the same spec but is not healthy (${canary.ok ? running.processes.filter((p) => p.state !== 'RUNNING').map((p) => `${p.name} ${p.state}`).join(', ') : `canary: ${canary.error}`}); --reuse left it as it was.`, {
        hints: ['See: seaweedctl status', 'Or start afresh: seaweedctl down, then up again'],
        nothingChanged: true,
      })
    }
    if (found) {
      // A running cluster: first finish what an interrupted command left, then bring it onto the file, touching
      // only what differs. --timeout bounds each step of the change, then the final readiness check and canary.
      const say = loggedSay(plan.runDir, 'up', options.say ?? (() => {}))
      if (await finishPending(plan, options, say)) {
        // The file now says what the finished operation reached (a count): apply that, not what it said before.
        loaded = loadSpecFile(loaded.source.file!)
        plan = withBuckets(planCluster(loaded.spec, loaded.source), options.buckets ?? [])
      }
      await found.client.close()
      const current = (await findRunningCluster(plan))!
      client = current.client
      await clearStrayMaintenance(current, say)
      const applied = await applyToRunning(current, plan, {path: weed.path, version: plan.weedVersion}, {timeoutMs: options.timeoutMs, say, signal: options.signal})
      emit({type: 'applied', result: applied})
      deadline = Date.now() + options.timeoutMs
      await client.request('POST', '/v1/start')
    } else {
      preflight(plan, {ownPorts: await runningPorts(plan), source: loaded.source})
      if (specText !== undefined) writeFileAtomic(loaded.source.file!, specText)
      emit({type: 'spec', file: loaded.source.file!, created: specText !== undefined})
      createDirectories(plan)
      if (plan.s3) {
        ensureCredentials(plan.s3, plan.s3.buckets)
        ensureSseKey(plan.s3)
      }
      launched = true
      // A fixed offset is claimed too (an automatic one already is), so automatic offsets keep clear of it.
      if (options.portOffset !== 'auto' || specText === undefined) await claimPlanPorts(plan, loaded.spec.portOffset)
      if (options.foreground) await runForeground(plan, weed.path)
      else {
        await client.close()
        client = await launchDaemon(plan, weed.path, {owner: options.owner})
        const daemon = (await client.status())?.daemon
        if (daemon) handClaimTo(plan.runDir, daemon.pid)
      }
    }
    emit({type: 'daemon', started: launched})
    if (!options.wait) {
      const report = (await client.status())!
      return result(plan, loaded, specText !== undefined, weed, started, false, report, null)
    }

    const report = await waitUntilRunning(client, plan, deadline, started, emit, options.signal)
    // A cluster stopped in the middle of an operation: settle it now that it runs (its maintenance mode, mainly).
    if (!found && await finishPending(plan, options, options.say ?? (() => {}))) {
      loaded = loadSpecFile(loaded.source.file!)
      plan = withBuckets(planCluster(loaded.spec, loaded.source), options.buckets ?? [])
    }
    if (found) await checkConverged(plan)
    await createBuckets(plan, deadline)
    checkInterrupted(options.signal)
    const canary = await runCanary(plan, deadline)
    checkInterrupted(options.signal)
    emit({type: 'canary', canary})
    if (!canary.ok) {
      throw new SeaweedctlError('CANARY_FAILED', `every process is RUNNING, but a canary write and read through the ${canary.via} failed after ${canary.attempts} attempts: ${canary.error}`, {
        hints: ['See the logs: seaweedctl logs', 'Common causes: too few volume slots (volume.max), replication the servers cannot place'],
        data: {canary},
      })
    }
    return result(plan, loaded, specText !== undefined, weed, started, true, report, canary)
  } catch (error) {
    if (launched && !options.foreground) {
      // Leave nothing half-started: stop what this run started (data is kept).
      await client.request('POST', '/v1/shutdown', undefined, 120_000).catch(() => {})
      releaseClaim(plan.runDir)
      if (isInterrupted(error)) {
        throw new SeaweedctlError('INTERRUPTED', `interrupted by ${error.signal}: stopped everything this \`seaweedctl up\` had started; data was kept.`, {hints: ['Start it again with: seaweedctl up'], nothingChanged: false})
      }
      if (error instanceof SeaweedctlError) {
        throw new SeaweedctlError(error.code, `${error.message}\nEverything this command started was stopped again; data was kept.`, {hints: error.hints, data: error.data, nothingChanged: false})
      }
    }
    if (isInterrupted(error)) {
      const left = readJournal(plan.runDir)
      throw new SeaweedctlError('INTERRUPTED', `interrupted by ${error.signal}: cluster "${plan.name}" keeps running${left ? `; ${describeJournal(left, 'interrupted')}` : ' (it was running before this `up`, which had not changed it yet)'}.`, {
        hints: ['See: seaweedctl status; stop it with: seaweedctl down'],
        nothingChanged: !left,
      })
    }
    throw error
  } finally {
    if (!options.foreground) await client.close()
  }
}

/** `up --foreground` next to a running daemon: a second supervisor of one cluster is never started. */
async function refuseSecondSupervisor(plan: Plan): Promise<void> {
  const client = new DaemonClient(plan.socketPath, plan.runDir)
  const running = await client.status().finally(() => client.close())
  if (!running) return
  throw new SeaweedctlError('CLUSTER_LOCKED', `cluster "${plan.name}" is already supervised by the daemon with pid ${running.daemon?.pid}; a second supervisor is never started. Nothing was changed.`, {
    hints: ['To supervise it in the foreground instead: seaweedctl down, then seaweedctl up --foreground'],
    data: {holder: running.daemon},
  })
}

/** Never "ready" while the file and the running cluster disagree. */
async function checkConverged(plan: Plan): Promise<void> {
  const now = await findRunningCluster(plan)
  if (!now) throw new SeaweedctlError('DAEMON_UNREACHABLE', `the supervisor daemon stopped answering on ${plan.socketPath}`, {nothingChanged: false})
  await now.client.close()
  const left = diffPlans(now.running.plan, plan, runningVersions(now)).processes.filter((p) => p.change !== 'unchanged')
  if (left.length > 0) {
    throw new SeaweedctlError('NOT_READY', `the running cluster still differs from ${plan.specFile}: ${left.map((p) => `${p.name} ${p.change}`).join(', ')}`, {hints: ['See: seaweedctl diff'], nothingChanged: false})
  }
}

/** The spec's weed; when none is found anywhere (and no path was forced), install that version into the cache. */
async function findOrInstallWeed(options: UpOptions, loaded: LoadedSpec, emit: (event: UpEvent) => void): Promise<WeedBinary> {
  const find = () => findWeed({flag: options.weed, specBinary: loaded.spec.weed.binary, specVersion: loaded.spec.weed.version})
  try {
    return await find()
  } catch (error) {
    const explicit = options.weed || process.env.SEAWEEDCTL_WEED || loaded.spec.weed.binary !== 'auto'
    if (!(error instanceof SeaweedctlError) || error.code !== 'WEED_NOT_FOUND' || !options.install || explicit) throw error
  }
  emit({type: 'install', version: loaded.spec.weed.version})
  const {installWeed} = await import('../weed/install.js')
  await installWeed(loaded.spec.weed.version)
  return find()
}

async function waitUntilRunning(client: DaemonClient, plan: Plan, deadline: number, started: number, emit: (event: UpEvent) => void, signal?: AbortSignal): Promise<StatusReport> {
  const announced = new Set<ProcessKind>()
  let version = -1
  while (true) {
    checkInterrupted(signal)
    // Long poll: the daemon answers as soon as a state changes (or after 2 s), so there is no polling lag.
    const report = await client.next(version < 0 ? undefined : version)
    version = report?.version ?? version
    if (!report) throw new SeaweedctlError('DAEMON_UNREACHABLE', `the supervisor daemon stopped answering on ${plan.socketPath}`, {data: {log: join(plan.runDir, 'daemon.log')}})
    for (const kind of KIND_ORDER) {
      const group = report.processes.filter((p) => p.kind === kind)
      if (group.length === 0 || announced.has(kind) || !group.every((p) => p.state === 'RUNNING')) continue
      announced.add(kind)
      emit({type: 'ready', kind, processes: group, elapsedMs: Date.now() - started})
    }
    if (report.processes.every((p) => p.state === 'RUNNING')) return report
    const failed = report.processes.find((p) => p.state === 'FATAL' || p.state === 'EXITED')
    if (failed) throw notReady('PROCESS_FAILED', `${failed.name} failed to start: ${failed.health}`, failed, report)
    if (Date.now() > deadline) {
      const waiting = report.processes.find((p) => p.state !== 'RUNNING')!
      throw notReady('NOT_READY', `${waiting.name} is not ready after ${Math.round((Date.now() - started) / 1000)}s: ${waiting.state}${waiting.health ? `, ${waiting.health}` : ''}`, waiting, report)
    }
  }
}

function notReady(code: 'PROCESS_FAILED' | 'NOT_READY', message: string, process: ProcessStatus, report: StatusReport): SeaweedctlError {
  const lines = existsSync(process.logFile) ? tailLines(process.logFile, 8) : []
  const others = report.processes.filter((p) => p.state !== 'RUNNING' && p.name !== process.name).map((p) => `${p.name} ${p.state}`)
  const text = [message, ...(lines.length ? [`last lines of ${process.logFile}:`, ...lines.map((l) => `  ${l}`)] : []), ...(others.length ? [`also not running: ${others.join(', ')}`] : [])]
  return new SeaweedctlError(code, text.join('\n'), {
    hints: [`Full log: seaweedctl logs ${process.name}`],
    data: {process: process.name, state: process.state, health: process.health, logFile: process.logFile, lastLines: lines},
    nothingChanged: false,
  })
}

function result(plan: Plan, loaded: LoadedSpec, created: boolean, weed: WeedBinary, started: number, ready: boolean, report: StatusReport, canary: CanaryResult | null): UpResult {
  return {
    name: plan.name,
    specFile: loaded.source.file!,
    specCreated: created,
    weed: {path: weed.path, version: weed.version.text, source: weed.source},
    elapsedMs: Date.now() - started,
    ready,
    endpoints: plan.endpoints,
    processes: report.processes,
    canary,
    portOffset: loaded.spec.portOffset,
    reused: false,
  }
}

/** --reuse: the running cluster must have been started from the plan this spec gives now. */
function checkSamePlan(plan: Plan): void {
  const launchFile = join(plan.runDir, PLAN_FILE)
  const runningPlan = existsSync(launchFile) ? (JSON.parse(readFileSync(launchFile, 'utf8')) as DaemonLaunchFile).plan : undefined
  if (runningPlan && JSON.stringify(runningPlan) === JSON.stringify(plan)) return
  const differs = runningPlan ? planDifference(runningPlan, plan) : 'its plan is unknown'
  throw new SeaweedctlError('REUSE_MISMATCH', `cluster "${plan.name}" is running, but not from this spec (${differs}); --reuse returns only a cluster whose plan is the same. Nothing was changed.`, {
    hints: ['Stop it first (seaweedctl down), or reuse it with the spec it was started from'],
    data: {differs},
  })
}

/** The first difference between two plans, for people: "volume servers 4 → 2", "portOffset…". */
function planDifference(running: Plan, wanted: Plan): string {
  for (const kind of KIND_ORDER) {
    const a = running.processes.filter((p) => p.kind === kind).length
    const b = wanted.processes.filter((p) => p.kind === kind).length
    if (a !== b) return `${kind} processes: running ${a}, spec ${b}`
  }
  const a = running.processes.map((p) => p.ports.http).join(',')
  const b = wanted.processes.map((p) => p.ports.http).join(',')
  if (a !== b) return `ports: running ${a}, spec ${b}`
  return 'the process flags differ'
}
