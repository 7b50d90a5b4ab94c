import {BaseCommand} from '../../command-base/base-command.js'

export interface ListResult {
  cacheDir: string
  versions: Array<{version: string; path: string; bytes: number; elf: boolean}>
}

export default class WeedList extends BaseCommand<typeof WeedList> {
  static override summary = 'list the weed versions in seaweedctl\'s cache'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ListResult> {
    const {listCachedVersions, weedDir} = await import('../../weed/install-cache.js')
    const result: ListResult = {cacheDir: weedDir(), versions: await listCachedVersions()}
    if (result.versions.length === 0) {
      this.say(`no weed in the cache (${result.cacheDir}). Install one: seaweedctl weed install`)
      return result
    }
    const {renderTable} = await import('../../lib/table.js')
    this.say(renderTable(['VERSION', 'SIZE', 'PATH'], result.versions.map((v) => [
      v.version, `${(v.bytes / 1024 / 1024).toFixed(0)} MB`, v.elf ? v.path : `${v.path} (not an ELF executable: reinstall)`,
    ])))
    return result
  }
}
