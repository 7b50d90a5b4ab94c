import {Args} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import type {ControlResult} from '../services/control.js'

export default class Start extends BaseCommand<typeof Start> {
  static override summary = 'start processes: a name (volume-2), a kind (volume) or all'
  static override strict = false
  static override args = {targets: Args.string({description: 'process names, kinds, or all', required: true})}
  static override examples = ['<%= config.bin %> <%= command.id %> volume-2', '<%= config.bin %> <%= command.id %> volume', '<%= config.bin %> <%= command.id %> all']

  async run(): Promise<ControlResult> {
    const {argv} = await this.parse(Start)
    const {control} = await import('../services/control.js')
    const result = await control(this.flags.file, 'start', argv as string[])
    for (const p of result.processes) this.say(`${p.name}: ${p.state}${p.pid ? ` (pid ${p.pid})` : ''}`)
    return result
  }
}
