import type {StatusReport} from '../supervisor/status-types.js'
import {currentStatus} from './cluster.js'
import {planFromFile} from './plan.js'
import {stoppedReport} from './status.js'

/** The daemon's report, or every planned process STOPPED when no daemon answers. */
export async function statusOf(file: string): Promise<StatusReport> {
  const plan = planFromFile(file)
  return (await currentStatus(plan)) ?? stoppedReport(plan)
}
