import type {Plan} from '../plan/types.js'
import type {ProcessStatus, StatusReport} from '../supervisor/status-types.js'
import {currentStatus, ensureDaemon, survivors} from './cluster.js'
import {s3Status} from '../s3/access.js'
import {resolveTarget} from './target.js'
import {withOperation} from './status.js'

/** How long `status` waits for a daemon that has just adopted running processes to confirm them. */
const ADOPTION_SETTLE_MS = 15_000

/** The daemon's report, or every planned process STOPPED when no daemon answers. */
export async function statusOf(file: string): Promise<StatusReport> {
  const {plan, notice} = resolveTarget(file)
  const report = withOperation(await reportOf(plan), plan.runDir)
  return notice ? {...report, notice} : report
}

async function reportOf(plan: Plan): Promise<StatusReport> {
  const report = await currentStatus(plan)
  if (report) return report
  // The daemon died but weed kept serving: bring supervision back (adopting, not restarting, them).
  if (survivors(plan).length > 0) {
    const client = await ensureDaemon(plan)
    try {
      // The new daemon confirms each adopted process with its readiness probe (well under a second on a healthy
      // cluster): report once that is done, not the STARTING of the first instant.
      const deadline = Date.now() + ADOPTION_SETTLE_MS
      let report = (await client.status())!
      while (report.processes.some((p) => p.state === 'STARTING') && Date.now() < deadline) {
        report = (await client.next(report.version)) ?? report
      }
      return report
    } finally {
      await client.close()
    }
  }
  return stoppedReport(plan)
}

/** The report when no daemon answers: every process of the plan, STOPPED. */
export function stoppedReport(plan: Plan): StatusReport {
  return {
    name: plan.name,
    daemon: null,
    endpoints: plan.endpoints,
    s3: s3Status(plan),
    processes: plan.processes.map((p): ProcessStatus => ({
      name: p.name, kind: p.kind, state: 'STOPPED', pid: null, uptimeMs: null, address: `${p.host}:${p.ports.http}`, ports: {...p.ports},
      restarts: 0, health: '', lastRestart: null, logFile: p.logFile, weedVersion: plan.weedVersion, command: ['weed', ...p.args],
    })),
  }
}
