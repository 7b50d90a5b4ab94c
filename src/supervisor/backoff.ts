/**
 * Restart delays: 1 s, 2 s, 4 s… capped; a process that stayed up for `resetAfterMs` starts over at 1 s.
 * Too many failures in a row, the last of them before it got ready, make it FATAL. Pure: the caller passes the time.
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

  /**
   * Record a failure of a process that had been RUNNING since `upSince` (ms; undefined = it never got ready);
   * returns the delay, or undefined = give up. Only a process that cannot get ready is given up on: one that was
   * serving when it died is restarted, after a delay that grows while it keeps dying young.
   */
  fail(now: number, upSince: number | undefined): number | undefined {
    if (upSince !== undefined && now - upSince >= this.policy.resetAfterMs) this.failures = 0
    this.failures++
    if (this.failures >= this.policy.maxFailures && upSince === undefined) return undefined
    return Math.min(this.policy.initialMs * 2 ** (this.failures - 1), this.policy.maxMs)
  }

  get consecutiveFailures(): number {
    return this.failures
  }

  reset(): void {
    this.failures = 0
  }
}
