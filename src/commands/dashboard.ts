import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../command-base/base-command.js'
import type {DashboardResult} from '../services/dashboard.js'

export default class Dashboard extends BaseCommand<typeof Dashboard> {
  static override summary = 'serve a live page of the cluster on 127.0.0.1 and print its URL, token included'
  static override description = `The supervisor daemon serves the page for as long as it runs: each process with its state, pid, uptime, ports, restarts, health and last restart; the master leader; the master's topology (data centers, racks, volume servers with their volumes and free slots); the S3 endpoint and buckets; and a chosen process's log, followed live. From the page: start, stop or restart a process, and scale volume servers by one (the same drain and refusals as \`scale\`).
Only 127.0.0.1 listens. Every API request needs the token (new for each daemon, kept 0600 in the run directory as dashboard.token) and must come from the page's own origin. Running the command again prints the same URL.`

  static override flags = {
    port: Flags.integer({summary: 'listen on this port (default: any free one)', min: 1, max: 65_535}),
    open: Flags.boolean({summary: 'also open the page in the default browser (with a one-time link, not the token)'}),
  }

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --port 8999 --open', '<%= config.bin %> <%= command.id %> --json | jq -r .url']

  async run(): Promise<DashboardResult> {
    const {startDashboard} = await import('../services/dashboard.js')
    const result = await startDashboard(this.flags.file, {port: this.flags.port, open: this.flags.open})
    this.say(result.url)
    this.say(`Served on 127.0.0.1:${result.port} by the cluster's supervisor daemon until it stops; the token is also in ${result.tokenFile} (0600).`)
    if (result.opened === false) this.say('Could not start a browser (no xdg-open): open the URL above.')
    return result
  }
}
