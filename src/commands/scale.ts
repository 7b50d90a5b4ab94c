import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../command-base/base-command.js'
import {SeaweedctlError} from '../lib/errors.js'
import {parseDuration} from '../lib/units.js'
import type {ScaleResult} from '../services/scale.js'

export default class Scale extends BaseCommand<typeof Scale> {
  static override summary = 'change how many volume servers, filers or S3 gateways run, without restarting the others'
  static override description = `Scaling up starts the next instances (stable names, ports and directories) and returns once they are RUNNING (volume servers: listed by the master).
Scaling volume servers down drains the highest-numbered ones, all at once: maintenance mode on all of them, then under the shell lock each of their volumes moves once (weed's volume.move, several at a time) onto a server that stays, chosen by weed's placement rules, and a check that the master shows them empty, before they are stopped. --timeout bounds the whole drain. Their data directories are kept unless --purge.
Refused, with the numbers, when the remaining servers could not place the replication (never overridable) or hold the volumes (--force).
seaweed.yaml changes only in the count; on a stopped cluster only the file changes.`

  static override args = {
    kind: Args.string({description: 'volume, filer or s3', required: true}),
    count: Args.string({description: 'the new count', required: true}),
  }

  static override flags = {
    purge: Flags.boolean({summary: 'delete the data directories of removed instances'}),
    force: Flags.boolean({summary: 'scale down even when the remaining servers seem to lack free volume slots'}),
    timeout: Flags.string({summary: 'give up after this long', default: '10m'}),
  }

  static override examples = ['<%= config.bin %> <%= command.id %> volume 8', '<%= config.bin %> <%= command.id %> volume 3', '<%= config.bin %> <%= command.id %> filer 2']

  async run(): Promise<ScaleResult> {
    const timeoutMs = parseDuration(this.flags.timeout)
    if (!timeoutMs) throw new SeaweedctlError('BAD_ARGUMENT', `--timeout ${this.flags.timeout} is not a duration; use e.g. 10m`)
    const {args} = await this.parse(Scale)
    const [{scale}, {interruptible, interruptNotice}] = await Promise.all([import('../services/scale.js'), import('../lib/interrupt.js')])
    const result = await interruptible((signal) => scale({
      file: this.flags.file, kind: args.kind, count: args.count, purge: this.flags.purge, force: this.flags.force, timeoutMs, signal,
      say: (line) => this.progress(line),
    }), interruptNotice((line) => this.logToStderr(line)))
    if (result.running) {
      this.say(result.from === result.to
        ? `${result.kind}: already ${result.to}; nothing to do.`
        : `${result.kind}: ${result.from} → ${result.to}${result.added.length ? `; added ${result.added.join(', ')}` : ''}${result.removed.length ? `; removed ${result.removed.join(', ')}` : ''}${result.purged.length ? ' (data deleted)' : result.removed.length ? ' (data kept)' : ''}.`)
    }
    return result
  }
}
