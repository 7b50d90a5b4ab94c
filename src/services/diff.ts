import {diffPlans, type PlanDiff, type Refusal, refusalsOf} from '../plan/diff.js'
import {EXIT} from '../lib/errors.js'
import {renderTable} from '../lib/table.js'
import {runningVersions} from './apply.js'
import {planFromFile} from './plan.js'
import {findRunningCluster} from './running.js'
import {inMaintenance, nodeOf} from './drain.js'
import {withOperation} from './status.js'
import type {OperationStatus} from '../supervisor/status-types.js'

export interface DiffResult {
  name: string
  /** False when no daemon answers: there is no running plan to compare with. */
  running: boolean
  diff: PlanDiff | null
  /** What `up` would refuse to apply. */
  refusals: Refusal[]
  /** An operation in progress or left unfinished (status names it too): the cluster does not match while it is. */
  operation?: OperationStatus
  /** Volume servers weed reports in maintenance mode: they take no new volumes, so the cluster is not as planned. */
  maintenance: string[]
}

/** The running cluster's plan (the daemon's: each process as it runs now) against the file's plan. */
export async function diffFile(file: string): Promise<DiffResult> {
  const next = planFromFile(file)
  const cluster = await findRunningCluster(next)
  if (!cluster) return {name: next.name, running: false, diff: null, refusals: [], maintenance: []}
  try {
    const {plan, weeds, weedPath} = cluster.running
    const volumes = plan.processes.filter((p) => p.kind === 'volume' && cluster.report.processes.some((r) => r.name === p.name && r.pid !== null))
    const nodes = await inMaintenance(volumes.map(nodeOf), plan.endpoints.master.replace(/^http:\/\//, ''), weeds[volumes[0]?.name]?.path ?? weedPath, weeds[volumes[0]?.name]?.version ?? plan.weedVersion)
    const operation = withOperation(cluster.report, plan.runDir).operation
    return {
      name: plan.name, running: true, diff: diffPlans(plan, next, runningVersions(cluster)), refusals: refusalsOf(plan, next),
      ...(operation ? {operation} : {}),
      maintenance: volumes.filter((p) => nodes?.includes(nodeOf(p))).map((p) => p.name),
    }
  } finally {
    await cluster.client.close()
  }
}

export function renderDiff(result: DiffResult): string {
  if (!result.running || !result.diff) return `cluster "${result.name}" is not running: there is no running plan to compare with. \`seaweedctl up\` starts it as the file says.`
  const {diff} = result
  const notes = [
    ...(result.operation ? [result.operation.message] : []),
    ...(result.maintenance.length ? [`in weed's maintenance mode (no new volumes placed on them): ${result.maintenance.join(', ')}; \`seaweedctl up\` turns it off`] : []),
  ]
  if (diff.same && notes.length === 0) return `cluster "${result.name}" runs exactly what the file says.`
  if (diff.same) return [`cluster "${result.name}" runs the processes the file says, but:`, ...notes].join('\n')
  const rows = diff.processes.filter((p) => p.change !== 'unchanged').flatMap((p) => p.fields.length === 0
    ? [[p.name, p.change, '', '']]
    : p.fields.map((f, i) => [i === 0 ? p.name : '', i === 0 ? p.change : '', f.field, `${show(f.old)} → ${show(f.new)}`]))
  for (const s of diff.settings) rows.push(['(cluster)', 'setting', s.field, `${show(s.old)} → ${show(s.new)}  (no restart)`])
  const unchanged = diff.processes.filter((p) => p.change === 'unchanged').map((p) => p.name)
  const lines = [renderTable(['PROCESS', 'CHANGE', 'FIELD', 'RUNNING → FILE'], rows)]
  if (unchanged.length) lines.push('', `unchanged (keep running): ${unchanged.join(', ')}`)
  for (const r of result.refusals) lines.push('', `up would refuse ${r.setting} ${r.old} → ${r.new}: ${r.reason}. ${r.instead}`)
  if (result.refusals.length === 0) lines.push('', '`seaweedctl up` applies this: changed processes restart one at a time, the others keep running.')
  if (notes.length) lines.push('', ...notes)
  return lines.join('\n')
}

function show(value: string | undefined): string {
  if (value === undefined) return '(none)'
  return value.length > 60 ? `${value.slice(0, 57)}…` : value
}

/** `diff`'s exit code: 0 the same, 1 something differs, 3 not running. */
export function diffExitCode(result: DiffResult): number {
  if (!result.running) return EXIT.notHealthy
  return result.diff?.same && !result.operation && result.maintenance.length === 0 ? EXIT.ok : 1
}
