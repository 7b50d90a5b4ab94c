/**
 * Restart delays: 1 s, 2 s, 4 s… capped; a process that stayed up for `resetAfterMs` starts over at 1 s.
 * Too many failures in a row make it FATAL. Pure: the caller passes the time.
 */
export interface BackoffPolicy {
  initialMs: number
  maxMs: number
  resetAfterMs: number
  maxFailures: number
}

export const DEFAULT_BACKOFF: BackoffPolicy = {initialMs: 1000, maxMs: 30_000, resetAfterMs: 30_000, maxFailures: 5}

export class Backoff {
  private failures = 0

  constructor(private readonly policy: BackoffPolicy = DEFAULT_BACKOFF) {}

  /** Record a failure of a process that had been up since `upSince` (ms); returns the delay, or undefined = give up. */
  fail(now: number, upSince: number | undefined): number | undefined {
    if (upSince !== undefined && now - upSince >= this.policy.resetAfterMs) this.failures = 0
    this.failures++
    if (this.failures >= this.policy.maxFailures) return undefined
    return Math.min(this.policy.initialMs * 2 ** (this.failures - 1), this.policy.maxMs)
  }

  get consecutiveFailures(): number {
    return this.failures
  }

  reset(): void {
    this.failures = 0
  }
}
