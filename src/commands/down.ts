import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../command-base/base-command.js'
import {formatDuration} from '../lib/units.js'
import type {DownResult} from '../services/down.js'

export default class Down extends BaseCommand<typeof Down> {
  static override summary = 'stop the cluster gracefully (S3 → filers → volume servers → masters); data is kept'
  static override description = 'Acts on the running cluster started from the file even after its dataDir or name was edited, or the file deleted (see `seaweedctl ls`).'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --purge --yes', '<%= config.bin %> <%= command.id %> --force']

  static override flags = {
    purge: Flags.boolean({summary: 'kill every process (no graceful stop) and delete the data directory (needs --yes)'}),
    yes: Flags.boolean({summary: 'confirm --purge'}),
    force: Flags.boolean({summary: 'kill a daemon that does not answer (hung, SIGSTOPped) by the pid in its lock, then stop its weed processes'}),
  }

  async run(): Promise<DownResult> {
    const {down} = await import('../services/down.js')
    const result = await down({file: this.flags.file, purge: this.flags.purge, yes: this.flags.yes, force: this.flags.force})
    if (result.notice) this.logToStderr(`note: ${result.notice}`)
    if (result.killedDaemon !== null) this.say(`Killed the supervisor daemon (pid ${result.killedDaemon}): it did not answer.`)
    if (!result.wasRunning) this.say(`Cluster "${result.name}" was not running.`)
    else if (result.purged) this.say(`Killed ${result.stopped.length} processes of cluster "${result.name}" (no graceful stop: their data is deleted) in ${formatDuration(result.elapsedMs)}.`)
    else this.say(`Stopped ${result.stopped.length} processes of cluster "${result.name}" in ${formatDuration(result.elapsedMs)}; data kept.`)
    if (result.purged) this.say(`Deleted ${result.purged}.`)
    return result
  }
}
