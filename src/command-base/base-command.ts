import {Command} from '@oclif/core/command'
import * as Flags from '@oclif/core/flags'
import type * as Interfaces from '@oclif/core/interfaces'

import {isSeaweedctlError, renderError, SeaweedctlError} from '../lib/errors.js'
import {PROGRESS_ENV} from '../lib/progress.js'
import {closest} from '../lib/suggest.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>

/**
 * Every command: --json (the typed return value), --file, and one error contract. Errors print what is
 * wrong, where and what to do on stderr, or `{"error": {...}}` on stdout under --json, with the exit code of
 * the error's code (oclif 4 would otherwise turn every JSON error into exit 1).
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    // No short flag: -f is `logs -f` (follow), as in tail, docker logs and journalctl.
    file: Flags.string({
      summary: 'the cluster description to use',
      env: 'SEAWEEDCTL_FILE',
      default: 'seaweed.yaml',
      helpGroup: 'GLOBAL',
    }),
    debug: Flags.boolean({summary: 'show stack traces on errors', helpGroup: 'GLOBAL'}),
  }

  static override enableJsonFlag = true

  protected flags!: BaseFlags<T>
  /** Positional arguments as given (commands with `strict = false` take several). */
  protected argvList: string[] = []

  public override async init(): Promise<void> {
    await super.init()
    const {flags, argv} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.argvList = argv as string[]
  }

  /** "--volumes" for oclif's "Nonexistent flag: --volume", when the mistyped flag is close to a real one. */
  private flagSuggestion(error: {flags?: string[]; message: string}): string | undefined {
    if (!/^Nonexistent flags?:/.test(error.message) || !error.flags?.length) return undefined
    const known = Object.keys({...this.ctor.flags, ...(this.ctor as typeof BaseCommand).baseFlags, json: true}).map((f) => `--${f}`)
    const suggestions = error.flags.map((flag) => closest(flag.replace(/=.*$/, ''), known)).filter(Boolean)
    return suggestions.length ? suggestions.join(', ') : undefined
  }

  /** A line for people; silent under --json. */
  protected say(line = ''): void {
    if (!this.jsonEnabled()) this.log(line)
  }

  /** A step of a long command, for people; under --json on stderr when the caller asked for it (lib/progress.ts). */
  protected progress(line: string): void {
    if (!this.jsonEnabled()) this.log(line)
    else if (process.env[PROGRESS_ENV] === 'stderr') this.logToStderr(line)
  }

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}; flags?: string[]}): Promise<unknown> {
    if (!isSeaweedctlError(error)) {
      const suggestion = this.flagSuggestion(error)
      if (suggestion) error.message = error.message.replace(/\n|$/, `: did you mean ${suggestion}?\n`).trimEnd()
      // oclif's own parse errors (unknown flag, bad argument) are bad input: exit 2.
      if (error.oclif?.exit !== undefined && !this.jsonEnabled()) return super.catch(error)
      if (error.oclif?.exit !== undefined) {
        process.exitCode = error.oclif.exit
        this.logJson({error: {code: 'BAD_ARGUMENT', message: error.message, exit: error.oclif.exit}})
        return
      }
      if (this.jsonEnabled()) {
        process.exitCode = 1
        this.logJson({error: {code: 'INTERNAL', message: error.message, exit: 1}})
        return
      }
      throw error
    }
    process.exitCode = error.exitCode
    if (this.jsonEnabled()) {
      this.logJson({error: error.toJSON()})
      return
    }
    this.logToStderr(renderError(error, Boolean((this.flags as {debug?: boolean} | undefined)?.debug)))
  }
}

export {renderError, SeaweedctlError}
