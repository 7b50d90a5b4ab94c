import type {Clock} from './clock.js'

/** Waves are about this far apart: one wave in the default 2 s interval. */
const WAVE_SPACING_MS = 2000

/**
 * When each process's liveness probe fires. Probes go out in waves, about one per WAVE_SPACING_MS of the health
 * interval, each process in its own wave (round robin), and each wave is one timer: on the small virtual
 * machines this runs on a wake-up of the daemon costs about as much CPU as a probe's request (~0.26 ms against
 * ~0.3 ms), so an idle 34-process cluster is one wake-up per 2 s interval, not 34 (or the 4 of 500 ms waves,
 * from when every volume server was asked its own /status: now one read of the master's topology serves them).
 * Wave times sit on the clock's own time line (t mod interval), so processes started at different moments
 * still share them, and so does the daemon's housekeeping (`every`: log rotation).
 */
export class ProbeWaves {
  private readonly pending = new Map<number, {cancel: () => void; runs: Set<() => void>}>()

  constructor(private readonly clock: Clock, private readonly intervalMs: () => number) {}

  /** How many waves an interval holds for `count` processes. */
  static waves(intervalMs: number, count: number): number {
    return Math.max(1, Math.min(count, Math.round(intervalMs / WAVE_SPACING_MS)))
  }

  /**
   * Run `fn` at the wave of the process at `index` of `count`: the first wave time at least half an interval
   * after `from` (the last probe's start, or the moment it became RUNNING), so a probe never follows the last
   * one at once. Returns a function that cancels it.
   */
  schedule(index: number, count: number, from: number, fn: () => void): () => void {
    const interval = this.intervalMs()
    const waves = ProbeWaves.waves(interval, count)
    const offset = Math.round(((index % waves) * interval) / waves)
    return this.join(nextOnGrid(from + interval / 2, offset, interval), fn)
  }

  /**
   * Run `fn` at every wave time (one grid of waves, WAVE_SPACING_MS or a little less apart, whatever the
   * interval), on the probes' own timers when they fire then. Returns a function that stops it.
   */
  every(fn: () => void): () => void {
    let cancel = () => {}
    let stopped = false
    const next = () => {
      const interval = this.intervalMs()
      const spacing = interval / ProbeWaves.waves(interval, Number.POSITIVE_INFINITY)
      cancel = this.join(nextOnGrid(this.clock.now() + spacing / 2, 0, spacing), () => {
        if (stopped) return
        try {
          fn()
        } finally {
          next()
        }
      })
    }
    next()
    return () => {
      stopped = true
      cancel()
    }
  }

  /** Run `fn` at time `at`, on the one timer of everything due then. */
  private join(at: number, fn: () => void): () => void {
    let wave = this.pending.get(at)
    if (!wave) {
      const runs = new Set<() => void>()
      const cancel = this.clock.after(Math.max(0, at - this.clock.now()), () => {
        this.pending.delete(at)
        for (const run of runs) run()
      })
      wave = {cancel, runs}
      this.pending.set(at, wave)
    }
    const {runs} = wave
    const run = () => fn()
    runs.add(run)
    return () => {
      runs.delete(run)
      if (runs.size === 0 && this.pending.get(at) === wave) {
        wave!.cancel()
        this.pending.delete(at)
      }
    }
  }
}

/** The first time at or after `earliest` that is `offset` past a multiple of `period`, in whole ms. */
function nextOnGrid(earliest: number, offset: number, period: number): number {
  return Math.round(earliest + ((((offset - earliest) % period) + period) % period))
}
