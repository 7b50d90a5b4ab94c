import {BaseCommand} from '../../command-base/base-command.js'
import {weedFlag} from '../../command-base/weed-flag.js'
import type {WhichResult} from '../../services/weed.js'

export default class WeedWhich extends BaseCommand<typeof WeedWhich> {
  static override summary = 'print the weed binary that would be used, and why'
  static override description = 'Search order: --weed, $SEAWEEDCTL_WEED, weed.binary in the spec, seaweedctl\'s cache (weed.version), PATH. The binary is checked as `up` checks it: it must answer `weed version` with the spec\'s version (exit 4 otherwise).'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --weed /opt/weed/weed --json']
  static override flags = {...weedFlag}

  async run(): Promise<WhichResult> {
    const {whichWeed} = await import('../../services/weed.js')
    const result = await whichWeed(this.flags.file, this.flags.weed)
    this.say(result.path)
    this.say(`  weed ${result.version}; ${result.why}`)
    if (result.warning) this.say(`  warning: ${result.warning}`)
    return result
  }
}
