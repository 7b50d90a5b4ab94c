import {diffPlans, type PlanDiff, type Refusal, refusalsOf} from '../plan/diff.js'
import {EXIT} from '../lib/errors.js'
import {renderTable} from '../ui/table.js'
import {runningVersions} from './apply.js'
import {planFromFile} from './plan.js'
import {findRunningCluster} from './running.js'

export interface DiffResult {
  name: string
  /** False when no daemon answers: there is no running plan to compare with. */
  running: boolean
  diff: PlanDiff | null
  /** What `up` would refuse to apply. */
  refusals: Refusal[]
}

/** The running cluster's plan (the daemon's: each process as it runs now) against the file's plan. */
export async function diffFile(file: string): Promise<DiffResult> {
  const next = planFromFile(file)
  const cluster = await findRunningCluster(next)
  if (!cluster) return {name: next.name, running: false, diff: null, refusals: []}
  try {
    const {plan} = cluster.running
    return {name: plan.name, running: true, diff: diffPlans(plan, next, runningVersions(cluster)), refusals: refusalsOf(plan, next)}
  } finally {
    await cluster.client.close()
  }
}

export function renderDiff(result: DiffResult): string {
  if (!result.running || !result.diff) return `cluster "${result.name}" is not running: there is no running plan to compare with. \`seaweedctl up\` starts it as the file says.`
  const {diff} = result
  if (diff.same) return `cluster "${result.name}" runs exactly what the file says.`
  const rows = diff.processes.filter((p) => p.change !== 'unchanged').flatMap((p) => p.fields.length === 0
    ? [[p.name, p.change, '', '']]
    : p.fields.map((f, i) => [i === 0 ? p.name : '', i === 0 ? p.change : '', f.field, `${show(f.old)} → ${show(f.new)}`]))
  for (const s of diff.settings) rows.push(['(cluster)', 'setting', s.field, `${show(s.old)} → ${show(s.new)}  (no restart)`])
  const unchanged = diff.processes.filter((p) => p.change === 'unchanged').map((p) => p.name)
  const lines = [renderTable(['PROCESS', 'CHANGE', 'FIELD', 'RUNNING → FILE'], rows)]
  if (unchanged.length) lines.push('', `unchanged (keep running): ${unchanged.join(', ')}`)
  for (const r of result.refusals) lines.push('', `up would refuse ${r.setting} ${r.old} → ${r.new}: ${r.reason}. ${r.instead}`)
  if (result.refusals.length === 0) lines.push('', '`seaweedctl up` applies this: changed processes restart one at a time, the others keep running.')
  return lines.join('\n')
}

function show(value: string | undefined): string {
  if (value === undefined) return '(none)'
  return value.length > 60 ? `${value.slice(0, 57)}…` : value
}

/** `diff`'s exit code: 0 the same, 1 something differs, 3 not running. */
export function diffExitCode(result: DiffResult): number {
  if (!result.running) return EXIT.notHealthy
  return result.diff?.same ? EXIT.ok : 1
}
