import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../command-base/base-command.js'
import type {LogsResult} from '../services/logs.js'

export default class Logs extends BaseCommand<typeof Logs> {
  static override summary = 'show the captured output of processes (all by default); --json gives the lines'
  static override strict = false
  static override args = {targets: Args.string({description: 'process names, kinds, or all'})}
  static override flags = {
    lines: Flags.integer({char: 'n', summary: 'how many lines from the end of each log', default: 100, min: 0}),
    follow: Flags.boolean({char: 'f', summary: 'keep printing new lines (as tail -f)', exclusive: ['json']}),
  }

  static override examples = ['<%= config.bin %> <%= command.id %> volume-1 -n 5', '<%= config.bin %> <%= command.id %> -f', '<%= config.bin %> <%= command.id %> filer master']

  async run(): Promise<LogsResult> {
    const {argv} = await this.parse(Logs)
    const {resolveTarget} = await import('../services/target.js')
    const {showLogs} = await import('../services/logs.js')
    const controller = new AbortController()
    process.once('SIGINT', () => controller.abort())
    const {plan, notice} = resolveTarget(this.flags.file)
    if (notice) this.logToStderr(`note: ${notice}`)
    return showLogs(plan, {
      targets: argv as string[], lines: this.flags.lines, follow: this.flags.follow, signal: controller.signal,
      write: (line) => this.say(line),
    })
  }
}
