import {EXIT} from '../lib/errors.js'
import {BaseCommand} from '../lib/base-command.js'
import type {StatusReport} from '../supervisor/status-types.js'

export default class Status extends BaseCommand<typeof Status> {
  static override summary = 'one row per process: state, pid, uptime, ports, restarts, health'
  static override description = 'Exits 0 when every process is RUNNING and 3 otherwise (also with --json), so scripts can gate on it.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    "<%= config.bin %> <%= command.id %> --json | jq -r '.processes[] | select(.state != \"RUNNING\") | .name'",
  ]

  async run(): Promise<StatusReport> {
    const {statusOf} = await import('../services/status-query.js')
    const {allRunning, renderStatus} = await import('../services/status.js')
    const report = await statusOf(this.flags.file)
    this.say(renderStatus(report))
    if (!allRunning(report)) process.exitCode = EXIT.notHealthy
    return report
  }
}
