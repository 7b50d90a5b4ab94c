import type {ExportRequest, ExportResult, ExportTarget} from '../export/types.js'
import {BaseCommand} from './base-command.js'

type ExportFlagValues = {out?: string; force?: boolean; weed?: string; bucket?: string[]}

/** The `export` commands differ only in their target, help text and flags. */
export abstract class ExportCommand extends BaseCommand<typeof ExportCommand> {
  protected abstract readonly target: ExportTarget

  /** Target-specific request fields from the command's own flags. */
  protected extra(_flags: Record<string, unknown>): Partial<ExportRequest> {
    return {}
  }

  async run(): Promise<ExportResult> {
    const {exportCluster} = await import('../export/service.js')
    const {describeExport} = await import('./export-output.js')
    const flags = this.flags as typeof this.flags & ExportFlagValues
    const result = await exportCluster({
      target: this.target, file: flags.file, out: flags.out, force: Boolean(flags.force), weed: flags.weed, buckets: flags.bucket,
      ...this.extra(flags as Record<string, unknown>),
    })
    for (const line of describeExport(result)) this.say(line)
    return result
  }
}
