import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../command-base/base-command.js'
import {sizingFlags, sizingFromFlags} from '../../command-base/spec-flags.js'
import type {InitResult} from '../../services/init.js'

export default class ClusterInit extends BaseCommand<typeof ClusterInit> {
  static override summary = 'write a commented seaweed.yaml'
  static override description = 'Writes the cluster description with a comment on every key. Refuses to overwrite an existing file without --force.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --volumes 4',
    '<%= config.bin %> <%= command.id %> --volumes 4 --racks 2 --replication 010 --port-offset 1000',
  ]

  static override flags = {
    ...sizingFlags,
    force: Flags.boolean({summary: 'overwrite an existing file'}),
  }

  async run(): Promise<InitResult> {
    const {initSpec} = await import('../../services/init.js')
    const result = initSpec({file: this.flags.file, force: this.flags.force, ...sizingFromFlags(this.flags)})
    this.say(`${result.overwritten ? 'Overwrote' : 'Wrote'} ${this.flags.file} (${result.processes} processes). Next: seaweedctl cluster plan · seaweedctl up`)
    return result
  }
}
