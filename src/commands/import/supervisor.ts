import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../command-base/base-command.js'
import type {ImportResult} from '../../import/service.js'

export default class ImportSupervisor extends BaseCommand<typeof ImportSupervisor> {
  static override summary = 'turn a supervisord config that runs weed into seaweed.yaml'
  static override description = 'Reads the config with its [include] files, expands numprocs and %(...)s templates, parses each weed command line, and writes the equivalent seaweed.yaml (to --file, default seaweed.yaml). Every setting that could not be carried over, and every mistake found in the source, is reported.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> /etc/supervisor/supervisord.conf',
    '<%= config.bin %> <%= command.id %> supervisord.conf --file imported.yaml --json',
  ]

  static override args = {
    config: Args.string({description: 'the supervisord config file', required: true}),
  }

  static override flags = {
    force: Flags.boolean({summary: 'overwrite an existing seaweed.yaml'}),
    name: Flags.string({summary: 'cluster name (default: [supervisord] identifier, else dev)'}),
  }

  async run(): Promise<ImportResult> {
    const {importSupervisor, describeImport} = await import('../../import/service.js')
    const {args} = await this.parse(ImportSupervisor)
    const result = importSupervisor({input: args.config, file: this.flags.file, force: this.flags.force, name: this.flags.name})
    for (const line of describeImport(result)) this.say(line)
    return result
  }
}
