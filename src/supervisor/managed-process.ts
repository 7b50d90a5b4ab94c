import type {ProcessPlan} from '../plan/types.js'
import {Backoff, type BackoffPolicy, DEFAULT_BACKOFF} from './backoff.js'
import type {Clock} from './clock.js'
import {knownCause, tailLines} from './diagnose.js'
import type {Launcher, ProcessHandle} from './launcher.js'
import type {ProbeOptions, ProbeResult} from './probes.js'
import {describeExit, type ExitInfo, pidOf, type ProcessState} from './state.js'
import type {Probe} from '../plan/types.js'
import type {ProcIdentity} from './proc.js'

export interface SupervisionPolicy {
  restart: 'always' | 'on-failure' | 'never'
  startTimeoutMs: number
  healthIntervalMs: number
  unhealthyThreshold: number
  backoff?: BackoffPolicy
}

export interface ManagedProcessDeps {
  launcher: Launcher
  probe: (probe: Probe, timeoutMs: number, options?: ProbeOptions) => Promise<ProbeResult>
  clock: Clock
  weedPath: string
  policy: SupervisionPolicy
  /** Called after every state change and health change (persist state, wake waiters). */
  onChange: (process: ManagedProcess) => void
  /** Called just before the stop signal is sent (to close the daemon's kept-open connections to it). */
  beforeStopSignal?: (plan: ProcessPlan) => void
  /** Called once the stop signal is sent (e.g. to hasten a filer's stop; see filer-stop.ts). */
  afterStopSignal?: (plan: ProcessPlan, isCurrent: () => boolean) => void
  /**
   * Asked when a liveness probe fails with the blame on a dependency: why this process should wait for it
   * instead of being restarted, or undefined to judge it alone.
   */
  waitingOn?: (process: ManagedProcess) => string | undefined
  /** Asked before a restart after an exit: why to hold it back a little longer, or undefined to go ahead. */
  holdRestart?: (process: ManagedProcess) => string | undefined
  /**
   * Schedules a liveness probe: `fn` runs at this process's point of the health interval, at least half an
   * interval after `from` (see probe-waves.ts); returns a cancel function. Without it, a probe follows the last
   * by one interval.
   */
  scheduleLiveness?: (process: ManagedProcess, from: number, fn: () => void) => () => void
}

/** A held restart is held at most this long after the exit, then it goes ahead whatever the rule says. */
export const MAX_RESTART_HOLD_MS = 20_000
const RESTART_HOLD_POLL_MS = 250

/** What an earlier daemon knew about a process it started, so adoption keeps its history. */
export interface ProcessMemory {
  /** When it became RUNNING (epoch ms). */
  runningSince?: number
  restarts: number
  lastRestartReason?: string
  lastRestartAt?: number
}

/**
 * A liveness probe that may take a cheaper signal (see ProbeOptions.quick) still asks the process itself every
 * this many probes: what the cheap signal cannot see (a volume server whose HTTP hangs while its heartbeat
 * still reaches the master) is found within this many intervals.
 */
export const FULL_PROBE_EVERY = 10

/**
 * Readiness is polled fast at first (a volume server is listed ≈0.5 s after start), then every 100 ms: twelve volume
 * servers started together on a loaded 2-core machine are listed after 1.5–2 s, when polls 250 ms apart kept `scale`
 * waiting up to that long for the last of them.
 */
const READY_POLL_MS = [25, 25, 50, 50, 50, 100]

/**
 * Readiness probes of processes started together share a read of the master's topology this recent, made after
 * the asking process started: one /dir/status serves a dozen new volume servers' polls.
 */
const READY_TOPOLOGY_SHARE_MS = 50

/**
 * One supervised weed process: start, readiness, liveness, restart with backoff, stop.
 * All decisions are here; the OS (launcher), the network (probe) and time (clock) are injected.
 */
export class ManagedProcess {
  state: ProcessState = {name: 'STOPPED'}
  restarts = 0
  lastExit: ExitInfo | undefined
  lastRestartReason: string | undefined
  lastRestartAt: number | undefined
  healthDetail = ''
  /** Masters: the leader this master named in its last passing probe. */
  leader: string | undefined
  /** Set while a failing liveness probe is blamed on a dependency that is itself down (see dependencies.ts). */
  waiting: string | undefined
  private handle: ProcessHandle | undefined
  private readonly backoff: Backoff
  private healthFailures = 0
  private cancelTimer: (() => void) | undefined
  private stopWaiters: Array<() => void> = []
  /** Generation counter: callbacks from an earlier incarnation of the process are ignored. */
  private generation = 0
  /** An adopted process keeps the start time an earlier daemon saw. */
  private adoptedSince: number | undefined
  /** Liveness probes so far; starts at a point of its own so the cluster's full probes spread over intervals. */
  private livenessProbes: number

  constructor(public plan: ProcessPlan, private deps: ManagedProcessDeps) {
    this.backoff = new Backoff(deps.policy.backoff ?? DEFAULT_BACKOFF)
    this.livenessProbes = [...plan.name].reduce((sum, c) => sum + c.charCodeAt(0), 0)
  }

  get name(): string {
    return this.plan.name
  }

  get pid(): number | undefined {
    return pidOf(this.state)
  }

  /** RUNNING, its last liveness probe passed, and not waiting on anything: what dependents may rely on. */
  get healthy(): boolean {
    return this.state.name === 'RUNNING' && this.healthFailures === 0 && this.waiting === undefined
  }

  get identity(): ProcIdentity | undefined {
    return this.pid === undefined ? undefined : this.handle?.identity
  }

  /** Run `plan` with `weedPath` from the next start on (a rolling change swaps the plan, then restarts). */
  replan(plan: ProcessPlan, weedPath: string): void {
    this.plan = plan
    this.deps = {...this.deps, weedPath}
  }

  /** Start if not running. A FATAL or EXITED process is given a fresh start (and a fresh backoff). */
  start(): void {
    if (this.state.name !== 'STOPPED' && this.state.name !== 'EXITED' && this.state.name !== 'FATAL' && this.state.name !== 'BACKOFF') return
    this.clearTimer()
    this.backoff.reset()
    this.spawn(1)
  }

  /**
   * Take over a process started by an earlier daemon; it is RUNNING once its readiness probe passes again,
   * with the start time, restart count and last restart reason that daemon recorded.
   */
  adopt(handle: ProcessHandle, memory?: ProcessMemory): void {
    if (memory) {
      this.restarts = memory.restarts
      this.lastRestartReason = memory.lastRestartReason
      this.lastRestartAt = memory.lastRestartAt
      this.adoptedSince = memory.runningSince
    }
    this.attach(handle, 1)
  }

  /** Keep the history an earlier daemon recorded for a process that does not run now. */
  remember(memory: ProcessMemory): void {
    this.restarts = memory.restarts
    this.lastRestartReason = memory.lastRestartReason
    this.lastRestartAt = memory.lastRestartAt
  }

  /** What a later daemon needs to adopt this process without forgetting its history. */
  get memory(): ProcessMemory {
    const s = this.state
    return {
      runningSince: s.name === 'RUNNING' || s.name === 'UNHEALTHY' ? s.since : undefined,
      restarts: this.restarts,
      lastRestartReason: this.lastRestartReason,
      lastRestartAt: this.lastRestartAt,
    }
  }

  /** Graceful stop: SIGTERM to the group, SIGKILL after the stop timeout. Resolves when it is gone. */
  stop(): Promise<void> {
    this.clearTimer()
    const pid = this.pid
    if (pid === undefined || !this.handle) {
      if (this.state.name !== 'STOPPED') this.setState({name: 'STOPPED'})
      return Promise.resolve()
    }
    const done = new Promise<void>((resolve) => this.stopWaiters.push(resolve))
    if (this.state.name !== 'STOPPING') this.terminate('STOPPED')
    else this.state = {...this.state, then: 'STOPPED'}
    return done
  }

  /** Stop and start again (used for an UNHEALTHY process and by `restart`). */
  restart(reason: string): void {
    if (this.pid === undefined) {
      this.start()
      return
    }
    this.lastRestartReason = reason
    this.lastRestartAt = this.deps.clock.now()
    this.terminate('restart')
  }

  private terminate(then: 'STOPPED' | 'restart' | 'failure'): void {
    this.clearTimer()
    const handle = this.handle!
    this.setState({name: 'STOPPING', pid: handle.pid, since: this.deps.clock.now(), then})
    this.deps.beforeStopSignal?.(this.plan)
    handle.signal(this.plan.stopSignal)
    // A SIGSTOPped process cannot act on SIGTERM until it is continued.
    handle.signal('SIGCONT')
    const generation = this.generation
    this.deps.afterStopSignal?.(this.plan, () => generation === this.generation && this.state.name === 'STOPPING')
    this.cancelTimer = this.deps.clock.after(this.plan.stopTimeoutMs, () => {
      if (generation === this.generation && this.state.name === 'STOPPING') handle.signal('SIGKILL')
    })
  }

  private spawn(attempt: number): void {
    const handle = this.deps.launcher.launch(this.plan, this.deps.weedPath)
    this.attach(handle, attempt)
  }

  private attach(handle: ProcessHandle, attempt: number): void {
    this.generation++
    const generation = this.generation
    this.handle = handle
    this.healthFailures = 0
    this.healthDetail = ''
    this.leader = undefined
    this.waiting = undefined
    this.setState({name: 'STARTING', pid: handle.pid, since: this.deps.clock.now(), attempt})
    handle.onExit((exit) => {
      if (generation === this.generation) this.exited(exit)
    })
    this.pollReadiness(generation, 0)
  }

  private pollReadiness(generation: number, round: number): void {
    const delay = READY_POLL_MS[Math.min(round, READY_POLL_MS.length - 1)]
    this.schedule(delay, async () => {
      if (generation !== this.generation || this.state.name !== 'STARTING') return
      const result = await this.deps.probe(this.plan.readiness, 2000, {topologyMaxAgeMs: Math.min(READY_TOPOLOGY_SHARE_MS, this.deps.clock.now() - this.state.since)})
      if (generation !== this.generation || this.state.name !== 'STARTING') return
      this.healthDetail = result.detail
      if (result.ok) {
        this.leader = result.leader
        const since = this.adoptedSince ?? this.deps.clock.now()
        this.adoptedSince = undefined
        this.setState({name: 'RUNNING', pid: this.state.pid, since, detail: result.detail})
        this.pollLiveness(generation, this.deps.clock.now())
        return
      }
      if (this.deps.clock.now() - this.state.since > this.deps.policy.startTimeoutMs) {
        this.lastRestartReason = `not ready after ${Math.round(this.deps.policy.startTimeoutMs / 1000)}s (${result.detail})`
        this.terminate('failure')
        return
      }
      this.pollReadiness(generation, round + 1)
    })
  }

  /** The next liveness probe: at this process's wave after `from` (the last probe's start), or one interval from now. */
  private pollLiveness(generation: number, from: number): void {
    const interval = this.deps.policy.healthIntervalMs
    const probe = async () => {
      if (generation !== this.generation || (this.state.name !== 'RUNNING' && this.state.name !== 'UNHEALTHY')) return
      const started = this.deps.clock.now()
      // Liveness may share a topology read made earlier in this interval (one read serves every volume server),
      // and after a pass a cheaper signal may stand in for the process's own answer (ProbeOptions.quick): not
      // after a failed or waiting probe, and not on every FULL_PROBE_EVERY-th one.
      const pid = this.pid
      const quick = pid !== undefined && this.healthFailures === 0 && this.waiting === undefined && ++this.livenessProbes % FULL_PROBE_EVERY !== 0
      const result = await this.deps.probe(this.plan.liveness, Math.min(Math.max(interval, 1000), 5000), {topologyMaxAgeMs: Math.max(0, interval - 100), ...(quick ? {quick: {pid}} : {})})
      if (generation !== this.generation || (this.state.name !== 'RUNNING' && this.state.name !== 'UNHEALTHY')) return
      if (result.ok) this.passed(result)
      else if (!this.failed(result)) return
      this.pollLiveness(generation, started)
    }
    const scheduleLiveness = this.deps.scheduleLiveness
    if (!scheduleLiveness) {
      this.schedule(interval, probe)
      return
    }
    this.clearTimer()
    this.cancelTimer = scheduleLiveness(this, from, () => {
      this.cancelTimer = undefined
      void probe()
    })
  }

  private passed(result: ProbeResult): void {
    const changed = this.healthFailures > 0 || this.waiting !== undefined || this.leader !== result.leader
    this.healthFailures = 0
    this.waiting = undefined
    this.leader = result.leader
    this.healthDetail = result.detail
    if (this.state.name === 'UNHEALTHY') this.setState({name: 'RUNNING', pid: this.state.pid, since: this.state.since, detail: result.detail})
    else if (this.state.name === 'RUNNING') {
      this.state = {...this.state, detail: result.detail}
      if (changed) this.deps.onChange(this)
    }
  }

  /**
   * A failed liveness probe. Failures blamed on a dependency that is down count nothing (the process waits);
   * the others count, and `unhealthyThreshold` in a row restart it. Returns false when it is being restarted.
   */
  private failed(result: ProbeResult): boolean {
    if (this.state.name !== 'RUNNING' && this.state.name !== 'UNHEALTHY') return false
    const waitingOn = result.blame === 'dependency' ? this.deps.waitingOn?.(this) : undefined
    if (waitingOn !== undefined) {
      const changed = this.waiting === undefined || this.healthFailures > 0
      this.healthFailures = 0
      this.waiting = waitingOn
      this.leader = undefined
      this.healthDetail = `waiting: ${waitingOn} (${result.detail})`
      if (changed) this.deps.onChange(this)
      return true
    }
    this.waiting = undefined
    this.leader = undefined
    this.healthFailures++
    const threshold = this.deps.policy.unhealthyThreshold
    if (this.healthFailures < threshold) {
      this.healthDetail = `${result.detail} (${this.healthFailures} failed probe${this.healthFailures === 1 ? '' : 's'})`
      this.deps.onChange(this)
      return true
    }
    const reason = `unhealthy: ${result.detail} ${this.healthFailures}× in a row`
    this.healthDetail = reason
    this.setState({name: 'UNHEALTHY', pid: this.state.pid, since: this.state.since, detail: result.detail})
    this.restarts++
    this.restart(reason)
    return false
  }

  private exited(exit: ExitInfo): void {
    this.lastExit = exit
    this.healthDetail = ''
    this.leader = undefined
    this.waiting = undefined
    const now = this.deps.clock.now()
    const previous = this.state
    this.handle = undefined
    this.clearTimer()
    if (previous.name === 'STOPPING' && previous.then !== 'failure') {
      if (previous.then === 'restart') {
        this.spawn(1)
      } else {
        this.setState({name: 'STOPPED'})
        for (const resolve of this.stopWaiters.splice(0)) resolve()
      }
      return
    }
    const wasRunningSince = previous.name === 'RUNNING' || previous.name === 'UNHEALTHY' ? previous.since : undefined
    const policy = this.deps.policy.restart
    const clean = exit.code === 0 && previous.name !== 'STOPPING'
    if (policy === 'never' || (policy === 'on-failure' && clean && wasRunningSince !== undefined)) {
      this.setState({name: 'EXITED', at: now, exit})
      return
    }
    const delay = this.backoff.fail(now, wasRunningSince)
    const lines = tailLines(this.plan.logFile, 12)
    const cause = knownCause(lines)
    if (delay === undefined) {
      const reason = `${describeExit(exit)}; failed ${this.backoff.consecutiveFailures} times in a row${cause ? `; ${cause}` : ''}`
      this.setState({name: 'FATAL', at: now, reason})
      return
    }
    const reason = previous.name === 'STOPPING' ? this.lastRestartReason ?? describeExit(exit) : `${describeExit(exit)}${cause ? `; ${cause}` : ''}`
    this.lastRestartReason = reason
    this.setState({name: 'BACKOFF', until: now + delay, lastExit: exit, reason})
    const generation = this.generation
    this.schedule(delay, () => this.restartAfterBackoff(generation, now))
  }

  /**
   * Start again once the backoff is over, unless the rule holds the restart back for a while (a master that was
   * leader waits until its peers elect another, so it rejoins as a follower instead of disturbing the election).
   */
  private restartAfterBackoff(generation: number, exitedAt: number): void {
    if (generation !== this.generation || this.state.name !== 'BACKOFF') return
    const now = this.deps.clock.now()
    const hold = now - exitedAt < MAX_RESTART_HOLD_MS ? this.deps.holdRestart?.(this) : undefined
    if (hold !== undefined) {
      const reason = `${this.lastRestartReason ?? 'exited'}; waiting: ${hold}`
      if (this.state.reason !== reason) this.setState({...this.state, until: now + RESTART_HOLD_POLL_MS, reason})
      this.schedule(RESTART_HOLD_POLL_MS, () => this.restartAfterBackoff(generation, exitedAt))
      return
    }
    this.restarts++
    this.lastRestartAt = now
    this.spawn(this.backoff.consecutiveFailures + 1)
  }

  private schedule(ms: number, fn: () => void | Promise<void>): void {
    this.clearTimer()
    this.cancelTimer = this.deps.clock.after(ms, () => {
      this.cancelTimer = undefined
      void fn()
    })
  }

  private clearTimer(): void {
    this.cancelTimer?.()
    this.cancelTimer = undefined
  }

  private setState(state: ProcessState): void {
    this.state = state
    this.deps.onChange(this)
  }
}

