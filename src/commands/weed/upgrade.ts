import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../command-base/base-command.js'
import {SeaweedctlError} from '../../lib/errors.js'
import {parseDuration} from '../../lib/units.js'
import type {UpgradeResult} from '../../services/upgrade.js'

export default class WeedUpgrade extends BaseCommand<typeof WeedUpgrade> {
  static override summary = 'move the cluster to another weed version, one process at a time, while it serves'
  static override description = `Installs VERSION into the cache if it is missing, plans the cluster with that version's flags, writes weed.version in seaweed.yaml (nothing else in the file changes), then restarts every process onto it in the order of \`restart --rolling\`: masters followers first and the leader last, volume servers only while every volume keeps a listed replica, filers, S3.
A step that fails stops the upgrade: that process goes back to the version it ran, the rest keep serving, \`status\` shows each process's version, and the message says how to go back (weed upgrade OLD). Ctrl-C stops it once the process being restarted is back (exit 130); \`status\` then says which processes run which version. On a stopped cluster only seaweed.yaml changes.`

  static override args = {
    version: Args.string({description: 'weed version, MAJOR.MINOR (e.g. 4.48)', required: true}),
  }

  static override flags = {
    timeout: Flags.string({summary: 'give up on a process after this long', default: '2m'}),
    install: Flags.boolean({summary: 'install VERSION when the cache lacks it', default: true, allowNo: true}),
  }

  static override examples = ['<%= config.bin %> <%= command.id %> 4.48', '<%= config.bin %> <%= command.id %> 4.30 --json']

  async run(): Promise<UpgradeResult> {
    const timeoutMs = parseDuration(this.flags.timeout)
    if (!timeoutMs) throw new SeaweedctlError('BAD_ARGUMENT', `--timeout ${this.flags.timeout} is not a duration; use e.g. 2m`)
    const {args} = await this.parse(WeedUpgrade)
    const [{upgradeWeed}, {interruptible, interruptNotice}] = await Promise.all([import('../../services/upgrade.js'), import('../../lib/interrupt.js')])
    const result = await interruptible((signal) => upgradeWeed({file: this.flags.file, version: args.version, timeoutMs, install: this.flags.install, say: (line) => this.say(line), signal}), interruptNotice((line) => this.logToStderr(line)))
    if (result.running) {
      this.say(result.applied?.diff.same
        ? `cluster already runs weed ${result.to}; nothing to do.`
        : `weed ${result.from} → ${result.to}: restarted ${result.applied?.restarted.join(', ')}. To go back: seaweedctl weed upgrade ${result.from}`)
    }
    return result
  }
}
