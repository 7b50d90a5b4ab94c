import type {Plan} from '../plan/types.js'
import {settlePending} from './converge.js'
import {scaleLocked} from './scale.js'

/**
 * Settle what an interrupted command left (converge.ts) and finish it: a scale goes on to the count it was
 * going to, before the file (which says the count reached so far) is applied.
 */
export async function finishPending(plan: Plan, options: {timeoutMs: number; signal?: AbortSignal}, say: (line: string) => void): Promise<boolean> {
  const settled = await settlePending(plan, say)
  const scale = settled?.journal.scale
  if (!settled) return false
  if (!scale) return true
  say(`finishing \`seaweedctl ${settled.journal.command}\``)
  await scaleLocked({file: plan.specFile!, kind: scale.kind, count: String(scale.to), purge: false, force: false, timeoutMs: options.timeoutMs, say, signal: options.signal}, scale.kind, scale.to)
  return true
}
