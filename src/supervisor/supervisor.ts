import {existsSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {writeFileAtomic} from '../lib/fs-atomic.js'
import {KIND_ORDER, type Plan, type ProcessKind, STARTS_AFTER} from '../plan/types.js'
import type {Clock} from './clock.js'
import type {Launcher} from './launcher.js'
import {DependencyRule, type ProcessView} from './dependencies.js'
import {ProbeWaves} from './probe-waves.js'
import {ManagedProcess, type ManagedProcessDeps, type ProcessMemory} from './managed-process.js'
import {procIdentity, sameProcess, type ProcIdentity} from './proc.js'
import type {ProbeOptions, ProbeResult} from './probes.js'
import type {Probe} from '../plan/types.js'
import {describeExit} from './state.js'
import type {ProcessStatus, StatusReport} from './status-types.js'
import type {ProcessWeed} from '../daemon/protocol.js'
import {s3Status} from '../s3/access.js'
import {liveEndpoints} from '../plan/endpoints.js'

export interface SupervisorDeps {
  launcher: Launcher
  probe: (probe: Probe, timeoutMs: number, options?: ProbeOptions) => Promise<ProbeResult>
  clock: Clock
  weedPath: string
  /** Processes that run another weed than `weedPath` at the plan's version (left by a rolling upgrade). */
  weeds?: Record<string, ProcessWeed>
  beforeStopSignal?: ManagedProcessDeps['beforeStopSignal']
  afterStopSignal?: ManagedProcessDeps['afterStopSignal']
  /** Told every lifecycle event (start, ready, stop, restart and why, exit, backoff, failure): daemon.log. */
  log?: (line: string) => void
}

/** runDir/state.json: who runs (to find them again) and what a later daemon must not forget about them. */
interface SavedState {
  /** Every process: its identity while it runs (pid, start time, command line), and always its history. */
  processes: Array<{name: string} & Partial<ProcIdentity> & Partial<ProcessMemory>>
}

/**
 * Runs a plan: starts kinds in order (each only once the kind before it is ready), keeps them alive, stops
 * them in reverse order, and records who is running (pid + start time + command line) so a later daemon can
 * find them again.
 */
export class Supervisor {
  processes: ManagedProcess[]
  private readonly statePath: string
  private readonly startedAt: number
  private waiters: Array<() => void> = []
  private startSequence: Promise<void> | undefined
  private readonly dependencies: DependencyRule
  private readonly waves: ProbeWaves
  private savedText: string | undefined
  /** One policy object shared by every process, so a new supervise.* takes effect without a restart. */
  private readonly policy: Plan['supervise']
  /** The weed binary and version each process runs. */
  readonly weeds = new Map<string, ProcessWeed>()

  constructor(public plan: Plan, private readonly deps: SupervisorDeps) {
    this.statePath = join(plan.runDir, 'state.json')
    this.startedAt = deps.clock.now()
    this.dependencies = new DependencyRule(deps.clock)
    this.policy = {...plan.supervise}
    this.waves = new ProbeWaves(deps.clock, () => this.policy.healthIntervalMs)
    this.defaultWeed = {path: deps.weedPath, version: plan.weedVersion}
    this.processes = plan.processes.map((p) => this.manage(p, deps.weeds?.[p.name]))
  }

  /** The weed a process added later runs: the one the last change rolled onto. */
  private defaultWeed: ProcessWeed

  private manage(process: Plan['processes'][number], weed: ProcessWeed = this.defaultWeed): ManagedProcess {
    this.weeds.set(process.name, weed)
    return new ManagedProcess(process, {
      launcher: this.deps.launcher,
      probe: this.deps.probe,
      clock: this.deps.clock,
      weedPath: weed.path,
      policy: this.policy,
      onChange: () => this.changed(),
      waitingOn: (p) => this.dependencies.waitingOn(view(p), this.processes.map(view)),
      holdRestart: (p) => this.dependencies.holdRestart(view(p), this.processes.map(view)),
      scheduleLiveness: (p, from, fn) => this.waves.schedule(Math.max(0, this.processes.indexOf(p)), this.processes.length, from, fn),
      beforeStopSignal: this.deps.beforeStopSignal,
      afterStopSignal: this.deps.afterStopSignal,
    })
  }

  /**
   * Run `fn` about every 2 s on the liveness probes' own wake-ups (see probe-waves.ts): housekeeping such as log
   * rotation costs no wake-up of its own. Returns a function that stops it.
   */
  everyWave(fn: () => void): () => void {
    return this.waves.every(fn)
  }

  /** What runs now: the cluster settings, and each process's own plan and weed (they differ mid-roll). */
  runningPlan(): {plan: Plan; weedPath: string; weeds: Record<string, ProcessWeed>} {
    return {
      plan: {...this.plan, weedVersion: this.defaultWeed.version, supervise: {...this.policy}, processes: this.processes.map((p) => p.plan)},
      weedPath: this.defaultWeed.path,
      weeds: Object.fromEntries(this.processes.map((p) => [p.name, this.weeds.get(p.name)!])),
    }
  }

  /** Swap one process onto a new plan (and weed) and restart it; the rest keep running untouched. */
  replace(name: string, plan: Plan['processes'][number], weed: ProcessWeed | undefined, reason: string): void {
    const process = this.processes.find((p) => p.name === name)
    if (!process) throw new Error(`no process ${name}`)
    const using = weed ?? this.weeds.get(name)!
    this.weeds.set(name, using)
    if (weed) this.defaultWeed = weed
    process.replan(plan, using.path)
    process.restart(reason)
    this.changed()
  }

  /**
   * Take a new plan at runtime (scale): processes that are in both plans are left exactly as they are (never
   * restarted); new ones are started; ones no longer planned must already be stopped and are forgotten.
   */
  reconfigure(plan: Plan, weed?: ProcessWeed): {added: string[]; removed: string[]} {
    const current = new Map(this.processes.map((p) => [p.name, p]))
    const removed = this.processes.filter((p) => !plan.processes.some((q) => q.name === p.name))
    const running = removed.find((p) => p.pid !== undefined)
    if (running) throw new Error(`${running.name} is still running (pid ${running.pid}); stop it before removing it from the plan`)
    this.plan = plan
    // Supervision settings apply at once: every process reads this one object at its next decision.
    Object.assign(this.policy, plan.supervise)
    if (weed) this.defaultWeed = weed
    for (const p of removed) this.weeds.delete(p.name)
    const added: ManagedProcess[] = []
    this.processes = plan.processes.map((q) => {
      const existing = current.get(q.name)
      if (existing) return existing
      const created = this.manage(q, weed)
      added.push(created)
      return created
    })
    for (const p of added) p.start()
    this.changed()
    return {added: added.map((p) => p.name), removed: removed.map((p) => p.name)}
  }

  /**
   * Adopt processes an earlier daemon left running (same pid, start time and command line), keeping their history.
   * A process recorded as running that is gone now died while no daemon watched it: it counts as a restart, with
   * that as its reason, when it is started again. Returns the names adopted.
   */
  adoptSurvivors(): string[] {
    if (!existsSync(this.statePath)) return []
    let saved: SavedState
    try {
      saved = JSON.parse(readFileSync(this.statePath, 'utf8')) as SavedState
    } catch {
      return []
    }
    const adopted: string[] = []
    const now = this.deps.clock.now()
    for (const entry of saved.processes ?? []) {
      const process = this.processes.find((p) => p.name === entry.name)
      if (!process) continue
      const {restarts = 0, runningSince, lastRestartReason, lastRestartAt} = entry
      const live = entry.pid === undefined ? undefined : procIdentity(entry.pid)
      if (live && sameProcess(live, entry as ProcIdentity)) {
        process.adopt(this.deps.launcher.adopt(live), {restarts, runningSince, lastRestartReason, lastRestartAt})
        adopted.push(entry.name)
      } else if (entry.pid !== undefined) {
        process.remember({restarts: restarts + 1, lastRestartReason: `exited while unsupervised, at or before ${new Date(now).toISOString()} (pid ${entry.pid})`, lastRestartAt: now})
      } else {
        process.remember({restarts, lastRestartReason, lastRestartAt})
      }
    }
    return adopted
  }

  /** Start every process that is not running, kind by kind. Resolves when the sequence ends (ready or failed). */
  startAll(): Promise<void> {
    this.startSequence ??= this.runStartSequence().finally(() => {
      this.startSequence = undefined
    })
    return this.startSequence
  }

  /** Each kind starts once every kind it depends on is RUNNING; a failed dependency stops the sequence. */
  private async runStartSequence(): Promise<void> {
    // STOPPED is not settled: this very sequence is about to start it.
    const settled = (kind: ProcessKind) => this.ofKind(kind).every((p) => p.state.name === 'RUNNING' || p.state.name === 'FATAL' || p.state.name === 'EXITED')
    const ready = (kind: ProcessKind) => this.ofKind(kind).every((p) => p.state.name === 'RUNNING')
    await Promise.all(KIND_ORDER.map(async (kind) => {
      const needs = STARTS_AFTER[kind]
      await this.waitFor(() => needs.every(settled))
      if (!needs.every(ready)) return
      for (const p of this.ofKind(kind)) p.start()
    }))
  }

  /** A cluster stopped on purpose starts afresh next time: its recorded history (restarts, reasons) ends here. */
  forget(): void {
    this.forgotten = true
    rmSync(this.statePath, {force: true})
  }

  private forgotten = false

  /** Stop everything in reverse start order, each kind in parallel. */
  async stopAll(): Promise<void> {
    for (const kind of [...KIND_ORDER].reverse()) {
      await Promise.all(this.ofKind(kind).map((p) => p.stop()))
    }
  }

  ofKind(kind: ProcessKind): ManagedProcess[] {
    return this.processes.filter((p) => p.plan.kind === kind)
  }

  report(daemonPid: number): StatusReport {
    const now = this.deps.clock.now()
    return {
      name: this.plan.name,
      version: this.version,
      daemon: {pid: daemonPid, startedAt: new Date(this.startedAt).toISOString(), uptimeMs: now - this.startedAt},
      endpoints: liveEndpoints(this.plan.endpoints, this.processes.map((p) => p.plan)),
      leader: this.leader() ?? null,
      s3: s3Status(this.plan),
      processes: this.processes.map((p): ProcessStatus => {
        const s = p.state
        const since = 'since' in s ? s.since : undefined
        return {
          name: p.name,
          kind: p.plan.kind,
          state: s.name,
          pid: p.pid ?? null,
          uptimeMs: (s.name === 'RUNNING' || s.name === 'UNHEALTHY') && since !== undefined ? now - since : null,
          address: `${p.plan.host}:${p.plan.ports.http}`,
          ports: {...p.plan.ports},
          restarts: p.restarts,
          ...(p.plan.kind === 'master' ? {leader: p.leader !== undefined && p.leader === addressOf(p)} : {}),
          health: healthOf(p, now),
          lastRestart: p.lastRestartAt !== undefined && p.lastRestartReason ? {agoMs: now - p.lastRestartAt, reason: p.lastRestartReason} : null,
          logFile: p.plan.logFile,
          weedVersion: this.weeds.get(p.name)?.version ?? this.plan.weedVersion,
          command: [this.weeds.get(p.name)?.path ?? this.defaultWeed.path, ...p.plan.args],
        }
      }),
    }
  }

  /**
   * The leader ("ip:port") every healthy master names, when it is itself one of them. For seconds after a leader
   * dies its followers still name it: a dead (or unhealthy) master is never reported as the leader.
   */
  private leader(): string | undefined {
    const healthy = this.ofKind('master').filter((p) => p.healthy)
    const named = new Set(healthy.map((p) => p.leader))
    const [only] = named
    return named.size === 1 && only !== undefined && healthy.some((p) => addressOf(p) === only) ? only : undefined
  }

  /** Resolves true once `condition` holds (checked after every state change). */
  private waitFor(condition: () => boolean): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (condition()) {
          resolve(true)
          return true
        }
        return false
      }
      if (check()) return
      const waiter = () => {
        if (!check()) this.waiters.push(waiter)
      }
      this.waiters.push(waiter)
    })
  }

  /** Counts state changes, so a client can wait for the next one instead of polling. */
  version = 0

  /** Resolves when the state version passes `after`, or after `timeoutMs` at the latest. */
  async changedSince(after: number, timeoutMs: number): Promise<void> {
    if (this.version > after) return
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      this.waitFor(() => this.version > after),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs)
      }),
    ])
    clearTimeout(timer)
  }

  /** Each process's last logged state, so only transitions are logged (not every health probe). */
  private readonly logged = new Map<string, string>()

  private logTransitions(): void {
    if (!this.deps.log) return
    for (const p of this.processes) {
      const line = lifecycleLine(p, this.deps.clock.now())
      if (this.logged.get(p.name) === line) continue
      this.logged.set(p.name, line)
      this.deps.log(`${p.name}: ${line}`)
    }
  }

  private changed(): void {
    this.logTransitions()
    this.version++
    this.dependencies.observe(this.processes.map(view))
    this.saveState()
    for (const w of this.waiters.splice(0)) w()
  }

  private saveState(): void {
    const processes = this.processes.map((p) => ({name: p.name, ...p.identity, ...p.memory}))
    if (this.forgotten) return
    const text = `${JSON.stringify({processes}, null, 2)}\n`
    // Health changes call this too; the disk is written only when what is recorded changes.
    if (text === this.savedText) return
    try {
      // No fsync: the pids recorded here are only worth adopting while the machine stays up, and an fsync per
      // state change cost 32 volume servers' start-up about a second of the daemon's time.
      writeFileAtomic(this.statePath, text, 0o600, {durable: false})
      this.savedText = text
    } catch {
      // The run directory vanished (purge in progress); nothing to record.
    }
  }
}

/** One process's state for daemon.log: what happened and why, in the words `status` uses. */
function lifecycleLine(p: ManagedProcess, now: number): string {
  const s = p.state
  switch (s.name) {
    case 'STARTING':
      return `starting (pid ${s.pid}${s.attempt > 1 ? `, attempt ${s.attempt}` : ''})`
    case 'RUNNING':
      return `running (pid ${s.pid})`
    case 'UNHEALTHY':
      return `unhealthy: ${p.healthDetail || s.detail}`
    case 'STOPPING':
      return s.then === 'restart' ? `restarting: ${p.lastRestartReason ?? 'requested'}` : s.then === 'failure' ? `stopping after a failure: ${p.lastRestartReason ?? p.healthDetail}` : 'stopping'
    case 'BACKOFF':
      return `exited (${describeExit(s.lastExit)}); restarting in ${Math.max(0, Math.round((s.until - now) / 100) / 10)}s: ${s.reason}`
    case 'EXITED':
      return `exited: ${describeExit(s.exit)}`
    case 'FATAL':
      return `FATAL: ${s.reason}`
    case 'STOPPED':
      return 'stopped'
    default:
      return (s as {name: string}).name
  }
}

function view(p: ManagedProcess): ProcessView {
  return {name: p.name, kind: p.plan.kind, state: p.state.name, healthy: p.healthy, address: addressOf(p), leader: p.leader}
}

/** A master's own ip:port, as the masters name their leader. */
function addressOf(p: ManagedProcess): string | undefined {
  const probe = p.plan.liveness
  return probe.kind === 'masterLeader' ? new URL(probe.urls[0]).host : undefined
}

/** What `status` says about a process's health: only what is true in its current state, never an old probe. */
function healthOf(p: ManagedProcess, now: number): string {
  const s = p.state
  switch (s.name) {
    case 'FATAL':
      return s.reason
    case 'BACKOFF':
      return `restarting in ${Math.max(0, Math.round((s.until - now) / 100) / 10)}s: ${s.reason}`
    case 'EXITED':
      return describeExit(s.exit)
    case 'STOPPED':
      return ''
    case 'STOPPING':
      return s.then === 'STOPPED' ? 'stopping' : 'restarting'
    case 'STARTING':
    case 'RUNNING':
    case 'UNHEALTHY':
      return p.healthDetail
    default: {
      const unknown: never = s
      throw new Error(`unknown state ${JSON.stringify(unknown)}`)
    }
  }
}
