import type {Clock} from '../../src/supervisor/clock.js'

/** Time that moves only when the test says so (the supervisor's injectable Clock). */
export class FakeClock implements Clock {
  private t = 0
  private timers: Array<{at: number; fn: () => void; id: number}> = []
  private nextId = 0
  now = () => this.t
  after(ms: number, fn: () => void): () => void {
    const id = this.nextId++
    this.timers.push({at: this.t + ms, fn, id})
    return () => {
      this.timers = this.timers.filter((x) => x.id !== id)
    }
  }

  /** Fires every timer due within `ms`, in order, letting each callback's promises settle before the next. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms
    while (true) {
      this.timers.sort((a, b) => a.at - b.at)
      const next = this.timers[0]
      if (!next || next.at > end) break
      this.timers.shift()
      this.t = next.at
      next.fn()
      await settle()
    }
    this.t = end
  }

  /** `advance` in 100 ms steps, so what a timer's callback starts asynchronously is seen by the next step. */
  async advanceInSteps(ms: number): Promise<void> {
    for (let done = 0; done < ms; done += 100) {
      await settle()
      await this.advance(Math.min(100, ms - done))
    }
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}
