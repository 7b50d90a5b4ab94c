import {BaseCommand} from '../../command-base/base-command.js'
import {weedFlag} from '../../command-base/weed-flag.js'
import type {VersionResult} from '../../services/weed.js'

export default class WeedVersion extends BaseCommand<typeof WeedVersion> {
  static override summary = 'print the version of the weed binary that would be used'
  static override description = 'Runs `weed version` on the binary `weed which` finds and prints MAJOR.MINOR. A version other than the spec\'s weed.version is reported, not an error.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static override flags = {...weedFlag}

  async run(): Promise<VersionResult> {
    const {weedVersion} = await import('../../services/weed.js')
    const result = await weedVersion(this.flags.file, this.flags.weed)
    this.say(result.version)
    if (!result.matchesSpec) this.logToStderr(`note: ${result.path} is weed ${result.version}, but weed ${result.expected} is expected (seaweedctl weed install ${result.expected})`)
    if (result.note) this.logToStderr(`note: ${result.note}`)
    return result
  }
}
