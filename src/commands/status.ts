import * as Flags from '@oclif/core/flags'

import {EXIT} from '../lib/errors.js'
import {BaseCommand} from '../command-base/base-command.js'
import type {StatusReport} from '../supervisor/status-types.js'

export default class Status extends BaseCommand<typeof Status> {
  static override summary = 'one row per process: state, pid, uptime, ports, restarts, health'
  static override description = 'Exits 0 when every process is RUNNING and 3 otherwise (also with --json), so scripts can gate on it.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    "<%= config.bin %> <%= command.id %> --json | jq -r '.processes[] | select(.state != \"RUNNING\") | .name'",
  ]

  static override flags = {
    watch: Flags.boolean({char: 'w', summary: 'redraw every second until Ctrl-C (not on a terminal: a timestamped snapshot every second)', exclusive: ['json']}),
  }

  async run(): Promise<StatusReport> {
    const {statusOf} = await import('../services/status-query.js')
    const {renderStatus, statusHealthy} = await import('../services/status.js')
    let report = await statusOf(this.flags.file)
    if (this.flags.watch) {
      let stop = false
      process.once('SIGINT', () => {
        stop = true
      })
      // On a terminal, redraw in place; into a pipe or file, plain snapshots one after another (no escapes).
      const tty = Boolean(process.stdout.isTTY)
      while (!stop) {
        process.stdout.write(tty
          ? `\u001B[2J\u001B[H${renderStatus(report)}\n(every 1s; Ctrl-C to stop)\n`
          : `${new Date().toISOString()}\n${renderStatus(report)}\n\n`)
        await new Promise((r) => setTimeout(r, 1000))
        report = await statusOf(this.flags.file)
      }
    } else {
      this.say(renderStatus(report))
    }
    if (!statusHealthy(report)) process.exitCode = EXIT.notHealthy
    return report
  }
}
