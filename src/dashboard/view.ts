import type {ProcessStatus, StatusReport} from '../supervisor/status-types.js'
import type {TopologyView} from './topology.js'

/**
 * What the page renders: the daemon's status report, as the CLI gets it, plus what only the page shows
 * (topology, buckets, the page's own actions). Fields that newer status reports carry (`leader`, `s3`, a
 * process's `address` and `weedVersion`) are taken from the report when present and derived otherwise.
 */
export interface DashboardView {
  cluster: string
  version: number | null
  /** When the daemon's report was read (epoch ms): the page adds the time since to every uptime. */
  reportAt: number
  daemon: StatusReport['daemon']
  endpoints: StatusReport['endpoints']
  leader: string | null
  processes: ProcessView[]
  topology: TopologyView | null
  /** Why there is no topology (no master answers /dir/status). */
  topologyError: string | null
  s3: S3View | null
  activity: ActivityEntry[]
  /** A scale started from the page is running (the page disables its buttons). */
  scaling: boolean
}

export type ProcessView = Omit<ProcessStatus, 'address' | 'weedVersion'> & {address: string; weedVersion: string | null}

export interface S3View {
  endpoint: string
  accessKeyId: string | null
  region: string | null
  /** null: not known (the filer did not answer). */
  buckets: string[] | null
}

export interface ActivityEntry {
  id: number
  title: string
  state: 'running' | 'done' | 'failed'
  startedAt: string
  endedAt: string | null
  /** Progress lines, then the outcome (or the error with its hints). */
  lines: string[]
}

export interface Extras {
  topology: TopologyView | null
  topologyError: string | null
  /** Buckets listed through the filer, for reports that do not carry `s3`. */
  buckets: string[] | null
  activity: ActivityEntry[]
  scaling: boolean
}

export function buildView(report: StatusReport, reportAt: number, extras: Extras): DashboardView {
  const host = new URL(report.endpoints.master).hostname
  const processes = report.processes.map((p): ProcessView => {
    const raw = p as unknown as Record<string, unknown>
    return {
      ...p,
      address: typeof raw.address === 'string' ? raw.address : `${host}:${p.ports.http}`,
      weedVersion: typeof raw.weedVersion === 'string' ? raw.weedVersion : null,
    }
  })
  return {
    cluster: report.name,
    version: report.version ?? null,
    reportAt,
    daemon: report.daemon,
    endpoints: report.endpoints,
    leader: leaderOf(report),
    processes,
    topology: extras.topology,
    topologyError: extras.topologyError,
    s3: s3Of(report, extras.buckets),
    activity: extras.activity,
    scaling: extras.scaling,
  }
}

/** The report's `leader` when it has one; else what a RUNNING master's health says ("leader 127.0.0.1:9333"). */
export function leaderOf(report: StatusReport): string | null {
  const raw = report as unknown as Record<string, unknown>
  if ('leader' in raw) return typeof raw.leader === 'string' ? raw.leader : null
  for (const p of report.processes) {
    if (p.kind !== 'master' || p.state !== 'RUNNING') continue
    const match = /^leader (\S+)/.exec(p.health)
    if (match) return match[1]
  }
  return null
}

export function s3Of(report: StatusReport, listed: string[] | null): S3View | null {
  const raw = (report as unknown as Record<string, unknown>).s3
  if (raw === null) return null
  if (raw && typeof raw === 'object') {
    const s3 = raw as Record<string, unknown>
    // What the filer lists is every bucket there is; the report names only the spec's (and those up made).
    const buckets = listed ?? (Array.isArray(s3.buckets)
      ? s3.buckets.map((b) => (typeof b === 'string' ? b : String((b as {name?: unknown})?.name ?? '?')))
      : null)
    return {
      endpoint: typeof s3.endpoint === 'string' ? s3.endpoint : report.endpoints.s3 ?? '',
      accessKeyId: typeof s3.accessKeyId === 'string' ? s3.accessKeyId : null,
      region: typeof s3.region === 'string' ? s3.region : null,
      buckets,
    }
  }
  return report.endpoints.s3 ? {endpoint: report.endpoints.s3, accessKeyId: null, region: null, buckets: listed} : null
}

/** Master URLs to ask for the topology, the leader first. */
export function masterUrls(report: StatusReport): string[] {
  const leader = leaderOf(report)
  const host = new URL(report.endpoints.master).hostname
  const all = report.processes.filter((p) => p.kind === 'master').map((p) => {
    const address = (p as unknown as Record<string, unknown>).address
    return `http://${typeof address === 'string' ? address : `${host}:${p.ports.http}`}`
  })
  const first = leader ? [`http://${leader}`] : []
  return [...new Set([...first, report.endpoints.master, ...all])]
}

const TIME_KEYS = new Set(['uptimeMs', 'agoMs', 'reportAt'])

/** The view without what changes by itself with time (uptimes): equal signatures need no new event. */
export function signature(view: DashboardView): string {
  return JSON.stringify(view, (key, value) => (TIME_KEYS.has(key) ? undefined : value))
}
