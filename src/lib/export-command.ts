import type {ExportResult} from '../export/service.js'
import type {ExportTarget} from '../export/types.js'
import {BaseCommand} from './base-command.js'

/** The `export` commands differ only in their target, help text and flags. */
export abstract class ExportCommand extends BaseCommand<typeof ExportCommand> {
  protected abstract readonly target: ExportTarget

  async run(): Promise<ExportResult> {
    const {exportCluster} = await import('../export/service.js')
    const {describeExport} = await import('./export-output.js')
    const flags = this.flags as typeof this.flags & {out?: string; force?: boolean; weed?: string}
    const result = await exportCluster({target: this.target, file: flags.file, out: flags.out, force: Boolean(flags.force), weed: flags.weed})
    for (const line of describeExport(result)) this.say(line)
    return result
  }
}
