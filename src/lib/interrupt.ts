/**
 * Ctrl-C (SIGINT) or SIGTERM during a multi-step operation: instead of dying between two steps (leaving weed's
 * maintenance mode on, a plan half-applied), the operation is told through an AbortSignal, stops at its next
 * safe point, cleans up, and the command exits 130. A third signal while it cleans up ends the process at once.
 */
export class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`)
    this.name = 'Interrupted'
  }
}

export function isInterrupted(error: unknown): error is Interrupted {
  return error instanceof Interrupted
}

/** Throw the signal's reason if it was aborted: the check at each step boundary. */
export function checkInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason
}

/** Run `fn` with a signal that SIGINT/SIGTERM abort; `notice` is told of each signal (to say "cleaning up"). */
export async function interruptible<T>(fn: (signal: AbortSignal) => Promise<T>, notice: (signal: NodeJS.Signals, count: number) => void = () => {}): Promise<T> {
  const controller = new AbortController()
  let count = 0
  const handler = (signal: NodeJS.Signals) => {
    count++
    if (count >= 3) process.exit(130)
    notice(signal, count)
    if (!controller.signal.aborted) controller.abort(new Interrupted(signal))
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  try {
    return await fn(controller.signal)
  } finally {
    process.off('SIGINT', handler)
    process.off('SIGTERM', handler)
  }
}

/** Resolve after `ms`, or reject with the signal's reason as soon as it is aborted. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, {once: true})
  })
}

/** What a command says when a signal arrives mid-operation. */
export function interruptNotice(say: (line: string) => void): (signal: NodeJS.Signals, count: number) => void {
  return (signal, count) => say(count === 1
    ? `${signal}: stopping at the next safe point (maintenance mode off, progress recorded); a third signal quits at once`
    : `${signal}: still cleaning up; one more quits at once`)
}
