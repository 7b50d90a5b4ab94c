import type {StatusReport} from '../supervisor/status-types.js'
import {currentStatus, ensureDaemon, survivors} from './cluster.js'
import {planFromFile} from './plan.js'
import {stoppedReport} from './status.js'

/** The daemon's report, or every planned process STOPPED when no daemon answers. */
export async function statusOf(file: string): Promise<StatusReport> {
  const plan = planFromFile(file, 'existing')
  const report = await currentStatus(plan)
  if (report) return report
  // The daemon died but weed kept serving: bring supervision back (adopting, not restarting, them).
  if (survivors(plan).length > 0) {
    const client = await ensureDaemon(plan)
    try {
      return (await client.status())!
    } finally {
      await client.close()
    }
  }
  return stoppedReport(plan)
}
