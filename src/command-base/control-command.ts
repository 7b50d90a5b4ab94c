import * as Args from '@oclif/core/args'

import type {ControlAction, ControlResult} from '../services/control.js'
import {BaseCommand} from './base-command.js'

/** `start`, `stop` and `restart` differ only in their action and help text. */
export abstract class ControlCommand extends BaseCommand<typeof ControlCommand> {
  static override strict = false
  static override args = {targets: Args.string({description: 'process names (volume-2), kinds (volume), or all', required: true})}

  protected abstract readonly action: ControlAction

  async run(): Promise<ControlResult> {
    const {control} = await import('../services/control.js')
    const result = await control(this.flags.file, this.action, this.argvList)
    for (const p of result.processes) this.say(`${p.name}: ${p.state}${p.pid ? ` (pid ${p.pid})` : ''}`)
    return result
  }
}
