import {ControlCommand} from '../command-base/control-command.js'

export default class Start extends ControlCommand {
  static override summary = 'start stopped processes and wait until they are RUNNING (a volume server: listed by the master)'
  static override examples = ['<%= config.bin %> <%= command.id %> volume-2', '<%= config.bin %> <%= command.id %> volume', '<%= config.bin %> <%= command.id %> all']
  protected readonly action = 'start'
}
