import type {Plan, ProcessKind, ProcessPlan} from './types.js'

/** One setting that differs: `-max` 0 → 5, `ports.http` 8080 → 8090, `logs.maxBytes` … (undefined = absent). */
export interface FieldChange {
  field: string
  old: string | undefined
  new: string | undefined
}

export type ProcessChange = 'added' | 'removed' | 'changed' | 'unchanged'

export interface ProcessDiff {
  name: string
  kind: ProcessKind
  change: ProcessChange
  /** For `changed`: what differs. */
  fields: FieldChange[]
}

export interface PlanDiff {
  processes: ProcessDiff[]
  /** Cluster-level supervise.* and logs.*: applied without restarting anything. */
  settings: FieldChange[]
  /** True when nothing differs. */
  same: boolean
}

/**
 * The running plan against the file's plan, process by process. `runningVersions` is the weed version each
 * running process was started with (a process on another version than the file's is changed: it must restart).
 * Pure: both plans in, the differences out.
 */
export function diffPlans(running: Plan, next: Plan, runningVersions: Record<string, string> = {}): PlanDiff {
  const before = new Map(running.processes.map((p) => [p.name, p]))
  const after = new Map(next.processes.map((p) => [p.name, p]))
  const processes: ProcessDiff[] = []
  for (const p of next.processes) {
    const old = before.get(p.name)
    if (!old) {
      processes.push({name: p.name, kind: p.kind, change: 'added', fields: []})
      continue
    }
    const fields = processFields(old, p, runningVersions[p.name] ?? running.weedVersion, next.weedVersion)
    processes.push({name: p.name, kind: p.kind, change: fields.length > 0 ? 'changed' : 'unchanged', fields})
  }
  for (const p of running.processes) {
    if (!after.has(p.name)) processes.push({name: p.name, kind: p.kind, change: 'removed', fields: []})
  }
  const settings = [
    ...compareRecords('supervise.', running.supervise, next.supervise),
    ...compareRecords('logs.', running.logs, next.logs),
  ]
  return {processes, settings, same: settings.length === 0 && processes.every((p) => p.change === 'unchanged')}
}

function processFields(old: ProcessPlan, next: ProcessPlan, oldVersion: string, newVersion: string): FieldChange[] {
  const fields: FieldChange[] = []
  if (oldVersion !== newVersion) fields.push({field: 'weed', old: oldVersion, new: newVersion})
  fields.push(...compareRecords('', argMap(old.args), argMap(next.args)))
  fields.push(...compareRecords('env.', old.env, next.env))
  fields.push(...compareRecords('ports.', old.ports, next.ports))
  for (const key of ['dataDir', 'cwd', 'logFile', 'stopTimeoutMs'] as const) {
    if (old[key] !== next[key]) fields.push({field: key, old: String(old[key]), new: String(next[key])})
  }
  for (const key of ['readiness', 'liveness'] as const) {
    const [a, b] = [JSON.stringify(old[key]), JSON.stringify(next[key])]
    if (a !== b) fields.push({field: key, old: a, new: b})
  }
  return fields
}

/** `-max=5` → {"-max": "5"}; a bare word (the subcommand) maps to itself. */
function argMap(args: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const arg of args) {
    const eq = arg.indexOf('=')
    if (eq > 0) out[arg.slice(0, eq)] = arg.slice(eq + 1)
    else out[arg] = arg.startsWith('-') ? 'true' : arg
  }
  return out
}

function compareRecords(prefix: string, a: object, b: object): FieldChange[] {
  const x = a as Record<string, unknown>
  const y = b as Record<string, unknown>
  const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])]
  return keys
    .filter((k) => String(x[k]) !== String(y[k]))
    .map((k) => ({field: `${prefix}${k}`, old: x[k] === undefined ? undefined : String(x[k]), new: y[k] === undefined ? undefined : String(y[k])}))
}

/** A change `up` will not make to a running cluster, with what to do instead. */
export interface Refusal {
  setting: string
  old: string
  new: string
  reason: string
  instead: string
}

/**
 * What cannot change while the cluster runs: where the data lives (moving it is the user's decision, made while
 * it is down), the bind address (every process and every client address changes at once), and the number of
 * masters (raft membership). Pure.
 */
export function refusalsOf(running: Plan, next: Plan): Refusal[] {
  const refusals: Refusal[] = []
  const down = 'stop the cluster (seaweedctl down), make the change, then seaweedctl up'
  if (running.dataDir !== next.dataDir) {
    refusals.push({setting: 'dataDir', old: running.dataDir, new: next.dataDir, reason: 'a running cluster\'s data is not moved', instead: `put dataDir back to ${running.dataDir}; to move the data: seaweedctl down, move the directory, change dataDir, seaweedctl up`})
  } else {
    for (const p of next.processes) {
      const old = running.processes.find((q) => q.name === p.name)
      if (old && old.dataDir !== p.dataDir) refusals.push({setting: `${p.name} data directory`, old: old.dataDir, new: p.dataDir, reason: 'an existing server keeps its data where it is', instead: down})
    }
  }
  const [oldBind, newBind] = [new URL(running.endpoints.master).hostname, new URL(next.endpoints.master).hostname]
  if (oldBind !== newBind) refusals.push({setting: 'bind', old: oldBind, new: newBind, reason: 'every process and every client would change address at once', instead: `put bind back to ${oldBind}, or: ${down}`})
  const masters = (plan: Plan) => plan.processes.filter((p) => p.kind === 'master').length
  if (masters(running) !== masters(next)) {
    refusals.push({setting: 'master.count', old: String(masters(running)), new: String(masters(next)), reason: 'seaweedctl does not change the raft membership of a running cluster', instead: `put master.count back to ${masters(running)}, or: ${down}`})
  }
  return refusals
}
