import * as Flags from '@oclif/core/flags'

import {ControlCommand} from '../command-base/control-command.js'
import {SeaweedctlError} from '../lib/errors.js'
import {parseDuration} from '../lib/units.js'
import type {ControlResult} from '../services/control.js'

export default class Restart extends ControlCommand {
  static override summary = 'restart processes and wait until they are RUNNING again (a volume server: listed by the master)'
  static override description = `--rolling restarts one process at a time, each RUNNING again before the next: masters followers first and the leader last, then volume servers (each only while every volume it holds has its other replicas listed, so two holders of one volume are never down at once), filers, S3 gateways.
Ctrl-C (or SIGTERM) stops the roll once the process being restarted is back (exit 130); \`status\` then says how far it got, and running the same command again restarts only the rest.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> volume-2',
    '<%= config.bin %> <%= command.id %> volume',
    '<%= config.bin %> <%= command.id %> all',
    '<%= config.bin %> <%= command.id %> --rolling all',
  ]

  static override flags = {
    rolling: Flags.boolean({summary: 'one at a time, in dependency order, keeping every volume served'}),
    timeout: Flags.string({summary: 'give up on a process after this long', default: '2m'}),
  }

  protected readonly action = 'restart'

  override async run(): Promise<ControlResult> {
    if (!this.flags.rolling) return super.run()
    const timeoutMs = parseDuration(this.flags.timeout)
    if (!timeoutMs) throw new SeaweedctlError('BAD_ARGUMENT', `--timeout ${this.flags.timeout} is not a duration; use e.g. 2m`)
    const [{rollingRestart}, {interruptible, interruptNotice}] = await Promise.all([import('../services/control.js'), import('../lib/interrupt.js')])
    const result = await interruptible((signal) => rollingRestart(this.flags.file, this.argvList, timeoutMs, (line) => this.say(line), signal), interruptNotice((line) => this.logToStderr(line)))
    for (const p of result.processes) this.say(`${p.name}: ${p.state}${p.pid ? ` (pid ${p.pid})` : ''}`)
    return result
  }
}
