import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {ProcessPlan} from '../../src/plan/types.js'
import type {Launcher, ProcessHandle} from '../../src/supervisor/launcher.js'
import {FULL_PROBE_EVERY, ManagedProcess, type SupervisionPolicy} from '../../src/supervisor/managed-process.js'
import type {ProbeOptions, ProbeResult} from '../../src/supervisor/probes.js'
import type {ExitInfo, ProcessState} from '../../src/supervisor/state.js'
import {FakeClock} from '../helpers/fake-clock.js'

class FakeHandle implements ProcessHandle {
  signals: NodeJS.Signals[] = []
  private listeners: Array<(e: ExitInfo) => void> = []
  constructor(readonly pid: number, private readonly exitOn: NodeJS.Signals[] = ['SIGTERM', 'SIGKILL']) {}
  get identity() {
    return {pid: this.pid, startTime: 1, cmdline: ['weed']}
  }

  onExit(l: (e: ExitInfo) => void): void {
    this.listeners.push(l)
  }

  signal(s: NodeJS.Signals): void {
    this.signals.push(s)
    if (this.exitOn.includes(s)) this.exit(s === 'SIGKILL' ? {signal: 'SIGKILL'} : {code: 0})
  }

  exit(e: ExitInfo): void {
    for (const l of this.listeners.splice(0)) l(e)
  }
}

class FakeLauncher implements Launcher {
  handles: FakeHandle[] = []
  exitOn: NodeJS.Signals[] = ['SIGTERM', 'SIGKILL']
  launch(): ProcessHandle {
    const h = new FakeHandle(1000 + this.handles.length, this.exitOn)
    this.handles.push(h)
    return h
  }

  adopt(): ProcessHandle {
    throw new Error('not used')
  }

  get last(): FakeHandle {
    return this.handles.at(-1)!
  }
}

const plan = {
  name: 'volume-1', kind: 'volume', index: 1, host: '127.0.0.1', args: [], cwd: '/nonexistent', env: {}, ports: {http: 8080, grpc: 18080},
  dataDir: '/nonexistent', logFile: '/nonexistent/volume-1.log',
  readiness: {kind: 'http', url: 'http://127.0.0.1:8080/status'}, liveness: {kind: 'http', url: 'http://127.0.0.1:8080/status'},
  stopSignal: 'SIGTERM', stopTimeoutMs: 31_000,
} satisfies ProcessPlan

function rig(policy: Partial<SupervisionPolicy> = {}, waitingOn?: () => string | undefined, holdRestart?: () => string | undefined) {
  const clock = new FakeClock()
  const launcher = new FakeLauncher()
  const probe: {healthy: boolean; failure: ProbeResult; options: Array<ProbeOptions | undefined>} = {healthy: true, failure: {ok: false, detail: '/status timed out', blame: 'self'}, options: []}
  const process = new ManagedProcess(plan, {
    launcher, clock, weedPath: '/bin/weed',
    probe: async (_probe, _timeoutMs, options) => {
      probe.options.push(options)
      return probe.healthy ? {ok: true, detail: '/status 200'} : probe.failure
    },
    policy: {restart: 'on-failure', startTimeoutMs: 60_000, healthIntervalMs: 2000, unhealthyThreshold: 3, ...policy},
    onChange: () => {},
    waitingOn,
    holdRestart,
  })
  return {clock, launcher, probe, process}
}

describe('ManagedProcess state machine', () => {
  test('STOPPED → STARTING → RUNNING once the readiness probe passes', async () => {
    const {clock, process, probe} = rig()
    probe.healthy = false
    process.start()
    assert.equal(process.state.name, 'STARTING')
    await clock.advance(5000)
    assert.equal(process.state.name, 'STARTING', 'never RUNNING because time passed')
    probe.healthy = true
    await clock.advance(300)
    assert.equal(process.state.name, 'RUNNING')
  })

  test('readiness is polled every 100 ms after the first half second, sharing only a topology read made after the start', async () => {
    const {clock, process, probe} = rig()
    probe.healthy = false
    process.start()
    await clock.advance(2000)
    // 25, 50, 100, 150 and 200 ms after the start, then every 100 ms: 23 polls by 2 s (polls 250 ms apart made 13).
    assert.equal(probe.options.length, 23)
    assert.equal(probe.options[0]?.topologyMaxAgeMs, 25, 'the first poll shares no read older than the process')
    assert.ok(probe.options.every((o) => o?.topologyMaxAgeMs !== undefined && o.topologyMaxAgeMs <= 50 && o.quick === undefined))
  })

  test('an exit while RUNNING → BACKOFF 1 s → started again, restarts 1', async () => {
    const {clock, process, launcher} = rig()
    process.start()
    await clock.advance(100)
    launcher.last.exit({signal: 'SIGKILL'})
    assert.equal(process.state.name, 'BACKOFF')
    await clock.advance(999)
    assert.equal(launcher.handles.length, 1)
    await clock.advance(1)
    assert.equal(launcher.handles.length, 2)
    assert.equal(process.restarts, 1)
    await clock.advance(100)
    assert.equal(process.state.name, 'RUNNING')
  })

  test('exiting at once on every start: delays 1, 2, 4, 8 s, then FATAL with the reason', async () => {
    const {clock, process, launcher} = rig()
    process.start()
    const delays: number[] = []
    for (let i = 0; i < 5; i++) {
      launcher.last.exit({code: 1})
      if (process.state.name === 'FATAL') break
      assert.equal(process.state.name, 'BACKOFF')
      if (process.state.name === 'BACKOFF') delays.push(process.state.until - clock.now())
      await clock.advance(process.state.name === 'BACKOFF' ? process.state.until - clock.now() : 0)
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000])
    assert.equal(process.state.name, 'FATAL')
    if (process.state.name === 'FATAL') assert.match(process.state.reason, /exited with code 1; failed 5 times in a row/)
    await clock.advance(60_000)
    assert.equal(launcher.handles.length, 5, 'a FATAL process is not started again by itself')
  })

  test('killed again and again soon after getting ready: restarted with growing delays, never FATAL', async () => {
    const {clock, process, launcher} = rig()
    const backoffDelay = (): number => {
      const state = process.state
      if (state.name !== 'BACKOFF') throw new Error(`expected BACKOFF, got ${state.name}`)
      return state.until - clock.now()
    }
    process.start()
    const delays: number[] = []
    for (let i = 0; i < 8; i++) {
      await clock.advance(5000)
      assert.equal(process.state.name, 'RUNNING')
      launcher.last.exit({signal: 'SIGKILL'})
      delays.push(backoffDelay())
      await clock.advance(backoffDelay())
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000])
    // Once it stays up for 30 s, the delay starts over at 1 s.
    await clock.advance(30_200)
    assert.equal(process.state.name, 'RUNNING')
    launcher.last.exit({signal: 'SIGKILL'})
    assert.equal(backoffDelay(), 1000)
  })

  test('liveness: threshold failures in a row → UNHEALTHY → restarted (SIGTERM, SIGCONT)', async () => {
    const {clock, process, launcher, probe} = rig()
    process.start()
    await clock.advance(100)
    probe.healthy = false
    await clock.advance(2000)
    assert.equal(process.state.name, 'RUNNING', 'one failed probe is not UNHEALTHY')
    assert.equal(process.healthDetail, '/status timed out (1 failed probe)')
    await clock.advance(2000)
    assert.equal(process.state.name, 'RUNNING')
    assert.equal(process.healthDetail, '/status timed out (2 failed probes)')
    assert.equal(launcher.handles.length, 1)
    await clock.advance(2000)
    assert.deepEqual(launcher.handles[0].signals, ['SIGTERM', 'SIGCONT'])
    assert.equal(launcher.handles.length, 2)
    assert.equal(process.restarts, 1)
    probe.healthy = true
    await clock.advance(300)
    assert.equal(process.state.name, 'RUNNING')
  })

  test('stop: SIGTERM, then SIGKILL after the stop timeout; it stays STOPPED', async () => {
    const {clock, process, launcher} = rig()
    launcher.exitOn = ['SIGKILL']
    process.start()
    await clock.advance(100)
    const stopped = process.stop()
    assert.equal(process.state.name, 'STOPPING')
    await clock.advance(30_999)
    assert.deepEqual(launcher.last.signals, ['SIGTERM', 'SIGCONT'])
    await clock.advance(1)
    await stopped
    assert.deepEqual(launcher.last.signals, ['SIGTERM', 'SIGCONT', 'SIGKILL'])
    assert.equal(process.state.name, 'STOPPED')
    await clock.advance(60_000)
    assert.equal(launcher.handles.length, 1)
  })

  test('restart policy never: an exit is final (EXITED)', async () => {
    const {clock, process, launcher} = rig({restart: 'never'})
    process.start()
    await clock.advance(100)
    launcher.last.exit({code: 2})
    assert.equal(process.state.name, 'EXITED')
    await clock.advance(60_000)
    assert.equal(launcher.handles.length, 1)
  })

  test('on-failure: a clean exit (code 0) of a RUNNING process is not restarted', async () => {
    const {clock, process, launcher} = rig()
    process.start()
    await clock.advance(100)
    launcher.last.exit({code: 0})
    assert.equal(process.state.name, 'EXITED')
  })

  test('a start that never becomes ready counts as a failure after startTimeout', async () => {
    const {clock, process, launcher, probe} = rig({startTimeoutMs: 2000})
    probe.healthy = false
    process.start()
    await clock.advance(2500)
    assert.equal(launcher.handles[0].signals[0], 'SIGTERM')
    assert.equal(process.state.name, 'BACKOFF')
  })

  test('liveness: failures not in a row never add up to UNHEALTHY', async () => {
    const {clock, process, launcher, probe} = rig()
    process.start()
    await clock.advance(100)
    for (let i = 0; i < 5; i++) {
      probe.healthy = false
      await clock.advance(4000)
      assert.equal(process.state.name, 'RUNNING')
      probe.healthy = true
      await clock.advance(2000)
      assert.equal(process.healthDetail, '/status 200')
    }
    assert.equal(launcher.handles.length, 1)
    assert.equal(process.restarts, 0)
  })

  test('STOPPED, EXITED, BACKOFF and a new start show no health from an earlier probe', async () => {
    const {clock, process, launcher, probe} = rig({restart: 'never'})
    process.start()
    await clock.advance(2500)
    assert.equal(process.healthDetail, '/status 200')
    launcher.last.exit({code: 2})
    assert.equal(process.state.name, 'EXITED')
    assert.equal(process.healthDetail, '')
    process.start()
    probe.healthy = false
    assert.equal(process.state.name, 'STARTING')
    assert.equal(process.healthDetail, '', 'nothing probed yet in this start')
    probe.healthy = true
    await clock.advance(2500)
    await process.stop()
    assert.equal((process.state as ProcessState).name, 'STOPPED')
    assert.equal(process.healthDetail, '')
  })

  test('a failure blamed on a dependency that is down waits: no restart, recovers by itself', async () => {
    let dependency: string | undefined = 'masters have no leader (master-1 BACKOFF)'
    const {clock, process, launcher, probe} = rig({}, () => dependency)
    process.start()
    await clock.advance(100)
    probe.healthy = false
    probe.failure = {ok: false, detail: 'not listed by the master', blame: 'dependency'}
    await clock.advance(60_000)
    assert.equal(launcher.handles.length, 1, 'never restarted while the masters are down')
    assert.equal(process.state.name, 'RUNNING')
    assert.equal(process.healthy, false)
    assert.match(process.healthDetail, /^waiting: masters have no leader \(master-1 BACKOFF\) \(not listed by the master\)$/)
    dependency = undefined
    probe.healthy = true
    await clock.advance(2000)
    assert.equal(process.healthDetail, '/status 200')
    assert.equal(process.healthy, true)
    assert.equal(process.restarts, 0)
  })

  test('a dependency failure with the dependency healthy counts like any other (restart after the threshold)', async () => {
    const {clock, process, launcher, probe} = rig({}, () => undefined)
    process.start()
    await clock.advance(100)
    probe.healthy = false
    probe.failure = {ok: false, detail: 'not listed by the master', blame: 'dependency'}
    await clock.advance(6000)
    assert.equal(launcher.handles.length, 2)
    assert.equal(process.lastRestartReason, 'unhealthy: not listed by the master 3× in a row')
  })

  test('a process that does not answer itself is restarted even while its dependency is down', async () => {
    let asked = 0
    const {clock, process, launcher, probe} = rig({}, () => {
      asked++
      return 'masters have no leader'
    })
    process.start()
    await clock.advance(100)
    probe.healthy = false
    probe.failure = {ok: false, detail: '/status ECONNREFUSED', blame: 'self'}
    await clock.advance(6000)
    assert.equal(launcher.handles.length, 2)
    assert.equal(asked, 0, 'its own failure is not the dependency\'s')
  })

  test('adoption keeps the start time, restart count and last restart reason an earlier daemon recorded', async () => {
    const {clock, process, launcher} = rig()
    await clock.advance(100_000)
    process.adopt(launcher.launch(), {runningSince: 40_000, restarts: 4, lastRestartReason: 'killed by SIGKILL', lastRestartAt: 50_000})
    assert.equal(process.state.name, 'STARTING')
    await clock.advance(100)
    assert.equal((process.state as ProcessState).name, 'RUNNING')
    const state = process.state as ProcessState
    if (state.name === 'RUNNING') assert.equal(state.since, 40_000)
    assert.equal(process.restarts, 4)
    assert.deepEqual(process.memory, {runningSince: 40_000, restarts: 4, lastRestartReason: 'killed by SIGKILL', lastRestartAt: 50_000})
  })

  test('a held restart waits in BACKOFF with the reason, and goes ahead once released (or after 20 s at most)', async () => {
    let hold: string | undefined = 'the other masters are electing a new leader'
    const {clock, process, launcher} = rig({}, undefined, () => hold)
    process.start()
    await clock.advance(100)
    launcher.last.exit({signal: 'SIGKILL'})
    await clock.advance(3000)
    assert.equal(launcher.handles.length, 1)
    assert.equal(process.state.name, 'BACKOFF')
    if (process.state.name === 'BACKOFF') assert.match(process.state.reason, /killed by SIGKILL; waiting: the other masters are electing a new leader/)
    hold = undefined
    await clock.advance(300)
    assert.equal(launcher.handles.length, 2)
    assert.equal(process.restarts, 1)
    await clock.advance(100)
    assert.equal(process.state.name, 'RUNNING')
    hold = 'forever'
    launcher.last.exit({signal: 'SIGKILL'})
    await clock.advance(19_000)
    assert.equal(launcher.handles.length, 2)
    await clock.advance(1500)
    assert.equal(launcher.handles.length, 3, 'held 20 s at most')
  })

  test('liveness takes the quick signal after a pass, with a full probe every FULL_PROBE_EVERY-th; never after a failure, never for readiness', async () => {
    const {clock, process, probe, launcher} = rig()
    process.start()
    await clock.advance(100)
    assert.equal(process.state.name, 'RUNNING')
    assert.deepEqual(probe.options.map((o) => o?.quick), [undefined], 'readiness always probes fully')
    probe.options.length = 0
    await clock.advance(2000 * FULL_PROBE_EVERY * 2)
    assert.equal(probe.options.length, FULL_PROBE_EVERY * 2)
    const full = probe.options.filter((o) => o?.quick === undefined)
    assert.equal(full.length, 2, 'two full probes in 2 × FULL_PROBE_EVERY')
    for (const o of probe.options.filter((o) => o?.quick)) assert.deepEqual(o!.quick, {pid: launcher.last.pid})
    probe.options.length = 0
    probe.healthy = false
    await clock.advance(2000)
    probe.healthy = true
    const afterFailure = probe.options.length
    await clock.advance(2000)
    assert.equal(probe.options[afterFailure]?.quick, undefined, 'the probe after a failure is full')
    await clock.advance(2000)
    assert.equal(process.state.name, 'RUNNING')
  })
})
