import {ControlCommand} from '../lib/control-command.js'

export default class Restart extends ControlCommand {
  static override summary = 'restart processes and wait until they are RUNNING again (a volume server: listed by the master)'
  static override examples = ['<%= config.bin %> <%= command.id %> volume-2', '<%= config.bin %> <%= command.id %> volume', '<%= config.bin %> <%= command.id %> all']
  protected readonly action = 'restart'
}
