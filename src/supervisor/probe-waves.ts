import type {Clock} from './clock.js'

/** Waves are about this far apart: 4 waves in a 2 s interval. */
const WAVE_SPACING_MS = 500

/**
 * When each process's liveness probe fires. Probes go out in a few waves per health interval, each process in
 * its own wave (round robin), and each wave is one timer:
 * - spread, so 32 volume servers are never asked at the same instant: the machine sees a quarter of the
 *   cluster's probes at once, and the master's shared topology read lands in the first wave only;
 * - but not one timer per process, because on the small virtual machines this runs on a wake-up of the
 *   daemon costs about as much CPU as the probe it makes (17 wake-ups a second were a third of its idle CPU).
 * Wave times sit on the clock's own time line (t mod interval), so processes started at different moments
 * still share them.
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
    const earliest = from + interval / 2
    const at = Math.round(earliest + ((((offset - earliest) % interval) + interval) % interval))
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
