import {type ChildProcess, spawn} from 'node:child_process'
import {dirname} from 'node:path'
import {createInterface} from 'node:readline'
import {fileURLToPath} from 'node:url'

import {type ErrorCode, SeaweedctlError} from '../lib/errors.js'
import {PROGRESS_ENV} from '../lib/progress.js'

/** The package's own CLI: the page's actions are the commands a person would type, not imports of them. */
const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/** Commands still running: told to stop (SIGTERM: they clean up as after Ctrl-C) when the daemon exits. */
const running = new Set<ChildProcess>()
let hooked = false

/**
 * Run `seaweedctl ARGS --json --file SPEC` in the spec's directory, as from a terminal: the same cluster lock,
 * journal, refusals and exit codes. Progress lines arrive on `say` as the command prints them; resolves with the
 * command's JSON result, or rejects with its error (code, message and hints as `--json` printed them).
 */
export function runCli<T>(args: string[], specFile: string, say: (line: string) => void): Promise<T> {
  if (!hooked) {
    hooked = true
    process.once('exit', () => running.forEach((child) => child.kill('SIGTERM')))
  }
  return new Promise<T>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, '--json', '--file', specFile], {
      cwd: dirname(specFile),
      env: {...process.env, [PROGRESS_ENV]: 'stderr', NODE_NO_WARNINGS: '1'},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    running.add(child)
    const out: Buffer[] = []
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk))
    createInterface({input: child.stderr!}).on('line', (line) => {
      if (line.trim()) say(line)
    })
    child.once('error', (error) => {
      running.delete(child)
      reject(error)
    })
    child.once('close', (code, signal) => {
      running.delete(child)
      const text = Buffer.concat(out).toString('utf8')
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        reject(new Error(`seaweedctl ${args.join(' ')} ended with ${signal ?? `exit code ${code}`} and no JSON answer${text.trim() ? `: ${text.trim()}` : ''}`))
        return
      }
      const error = (parsed as {error?: {code: string; message: string; hints?: string[]}}).error
      if (code === 0 && !error) resolve(parsed as T)
      else reject(error ? new SeaweedctlError(error.code as ErrorCode, error.message, {hints: error.hints}) : new Error(`seaweedctl ${args.join(' ')} ended with exit code ${code}`))
    })
  })
}
