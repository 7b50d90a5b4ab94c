// Loaded by the fast `status` path (fast-status.ts): keep its imports few and light.
import type {StatusReport} from '../supervisor/status-types.js'
import {formatDuration} from '../lib/units.js'
import {renderTable} from '../lib/table.js'
import {procIdentity} from '../supervisor/proc.js'
import {operationStatus} from './journal.js'

/** The healthy verdict of `status`: every process RUNNING and, from a daemon, a leader the masters agree on. */
export function allRunning(report: StatusReport): boolean {
  return report.processes.length > 0 && report.processes.every((p) => p.state === 'RUNNING') && report.leader !== null
}

/** `status` exits 0 only when every process runs and no operation was left unfinished. */
export function statusHealthy(report: StatusReport): boolean {
  return allRunning(report) && (!report.operation || report.operation.state === 'running')
}

/** The report with what the journal in `runDir` says (an operation in progress or left unfinished). */
export function withOperation(report: StatusReport, runDir: string): StatusReport {
  const operation = operationStatus(runDir, (pid, startTime) => procIdentity(pid)?.startTime === startTime, report.daemon ? report.processes : undefined)
  return operation ? {...report, operation} : report
}

export function renderStatus(report: StatusReport): string {
  const rows = report.processes.map((p) => [
    p.name, p.kind, p.leader === undefined ? '' : p.leader ? 'leader' : 'follower', p.state, p.pid === null ? '-' : String(p.pid), p.uptimeMs === null ? '-' : formatDuration(p.uptimeMs),
    p.address ?? String(p.ports.http), String(p.ports.grpc), p.weedVersion, String(p.restarts),
    `${p.health}${p.lastRestart ? `  (restarted ${formatDuration(p.lastRestart.agoMs)} ago: ${p.lastRestart.reason})` : ''}`,
  ])
  const table = renderTable(['NAME', 'KIND', 'ROLE', 'STATE', 'PID', 'UPTIME', 'ADDRESS', 'GRPC', 'WEED', 'RESTARTS', 'HEALTH'], rows)
  const footer = report.daemon
    ? `cluster "${report.name}" · daemon pid ${report.daemon.pid} · leader ${report.leader ?? 'none agreed'} · master ${report.endpoints.master}${report.endpoints.filer ? ` · filer ${report.endpoints.filer}` : ''}${report.endpoints.s3 ? ` · s3 ${report.endpoints.s3}` : ''}`
    : `cluster "${report.name}" is not running (no supervisor daemon). Start it with: seaweedctl up`
  return `${table}\n${footer}${report.notice ? `\nnote: ${report.notice}` : ''}${report.operation ? `\n${report.operation.message}` : ''}`
}
