import {LogCursor} from '../lib/log-cursor.js'
import {tailLines} from '../supervisor/diagnose.js'
import type {Plan} from '../plan/types.js'
import {resolveTargets} from './control.js'

export interface LogsOptions {
  targets: string[]
  lines: number
  follow: boolean
  write: (line: string) => void
  /** Stop following (tests, Ctrl-C). */
  signal?: AbortSignal
}

/**
 * The last lines of each process's captured log, prefixed with its name when several are shown; with
 * `follow`, new lines as they are written (a rotation, which truncates the file, is followed too).
 */
export interface LogsResult {
  processes: string[]
  /** The lines shown (from the end of each log; not those followed), in the order printed. */
  lines: Array<{process: string; line: string}>
  count: number
}

export async function showLogs(plan: Plan, options: LogsOptions): Promise<LogsResult> {
  const names = resolveTargets(plan, options.targets.length ? options.targets : ['all'])
  const processes = plan.processes.filter((p) => names.includes(p.name))
  const prefix = (name: string) => (processes.length > 1 ? `${name.padEnd(Math.max(...processes.map((p) => p.name.length)))} | ` : '')
  const shown: LogsResult['lines'] = []
  for (const p of processes) {
    for (const line of tailLines(p.logFile, options.lines)) {
      options.write(`${prefix(p.name)}${line}`)
      shown.push({process: p.name, line})
    }
  }
  const result = {processes: names, lines: shown, count: shown.length}
  if (!options.follow) return result
  const cursors = processes.map((p) => ({name: p.name, cursor: new LogCursor(p.logFile)}))
  while (!options.signal?.aborted) {
    for (const {name, cursor} of cursors) {
      for (const line of cursor.read()) options.write(`${prefix(name)}${line}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return result
}
