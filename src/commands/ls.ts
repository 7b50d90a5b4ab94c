import {BaseCommand} from '../command-base/base-command.js'
import type {ListResult} from '../services/list.js'

export default class Ls extends BaseCommand<typeof Ls> {
  static override summary = 'list the clusters running on this machine (yours): name, state, daemon pid, spec file, run directory, endpoints'
  static override description = `Reads the registry the supervisor daemons keep under $XDG_STATE_HOME/seaweedctl/clusters (default ~/.local/state/seaweedctl/clusters): one entry per cluster, written when its daemon starts, removed by \`down\`.
States: running; daemon-stopped (the daemon is SIGSTOPped: \`seaweedctl down --force\` or kill -CONT); unsupervised (the daemon is gone, weed still runs: \`seaweedctl status\` in its directory adopts it); stale (nothing runs: shown once, then pruned).
A cluster whose seaweed.yaml was deleted shows "(deleted)": \`seaweedctl down\` in that directory still stops it.`

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ListResult> {
    const {listClusters, renderList} = await import('../services/list.js')
    const result = listClusters()
    this.say(renderList(result))
    return result
  }
}
