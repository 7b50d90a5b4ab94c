import {BaseCommand} from '../command-base/base-command.js'
import type {DiffResult} from '../services/diff.js'

export default class Diff extends BaseCommand<typeof Diff> {
  static override summary = 'what `up` would change: the running cluster against seaweed.yaml, process by process'
  static override description = `Compares the plan each process runs now (the supervisor's) with the plan of the file: added, removed, changed (which flag or setting, running → file) and unchanged processes, and the supervise/logs settings (applied without a restart). Names what \`up\` would refuse (dataDir, bind, master count).
Exits 0 when the cluster runs what the file says, 1 when something differs, 3 when the cluster is not running.`

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<DiffResult> {
    const {diffExitCode, diffFile, renderDiff} = await import('../services/diff.js')
    const result = await diffFile(this.flags.file)
    this.say(renderDiff(result))
    process.exitCode = diffExitCode(result)
    return result
  }
}
