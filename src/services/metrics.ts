import type {Plan, ProcessKind} from '../plan/types.js'
import {renderTable} from '../lib/table.js'

/** One process's Prometheus endpoint, with the labels a scrape config gives it. */
export interface MetricsTarget {
  name: string
  kind: ProcessKind
  /** host:port of its /metrics. */
  address: string
  url: string
  /** Volume servers only (others have no placement). */
  rack?: string
  dataCenter?: string
}

/** Every process's metrics endpoint (empty when the spec has metrics.enabled: false). Pure. */
export function metricsTargets(plan: Plan): MetricsTarget[] {
  return plan.processes.filter((p) => p.ports.metrics !== undefined).map((p) => ({
    name: p.name, kind: p.kind, address: `${p.host}:${p.ports.metrics}`, url: `http://${p.host}:${p.ports.metrics}/metrics`,
    ...(p.placement ? {rack: p.placement.rack, dataCenter: p.placement.dataCenter} : {}),
  }))
}

export function renderMetricsTargets(plan: Plan, targets: MetricsTarget[]): string {
  if (targets.length === 0) return `cluster "${plan.name}" has metrics off (metrics.enabled: false in the spec)`
  return renderTable(['NAME', 'KIND', 'METRICS', 'DATA CENTER', 'RACK'], targets.map((t) => [t.name, t.kind, t.url, t.dataCenter ?? '', t.rack ?? '']))
}
