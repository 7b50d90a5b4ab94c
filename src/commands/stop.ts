import {ControlCommand} from '../command-base/control-command.js'

export default class Stop extends ControlCommand {
  static override summary = 'stop processes gracefully; they stay stopped until started'
  static override examples = ['<%= config.bin %> <%= command.id %> volume-2', '<%= config.bin %> <%= command.id %> volume', '<%= config.bin %> <%= command.id %> all']
  protected readonly action = 'stop'
}
