import {closeSync, existsSync, openSync, readSync, statSync} from 'node:fs'

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
  const offsets = new Map(processes.map((p) => [p.name, existsSync(p.logFile) ? statSync(p.logFile).size : 0]))
  const partial = new Map<string, string>()
  while (!options.signal?.aborted) {
    for (const p of processes) {
      let size: number
      try {
        size = statSync(p.logFile).size
      } catch {
        continue
      }
      let offset = offsets.get(p.name) ?? 0
      if (size < offset) offset = 0 // rotated (truncated): read from the start
      if (size === offset) continue
      const fd = openSync(p.logFile, 'r')
      const buffer = Buffer.alloc(Math.min(size - offset, 1 << 20))
      const read = readSync(fd, buffer, 0, buffer.length, offset)
      closeSync(fd)
      offsets.set(p.name, offset + read)
      const text = (partial.get(p.name) ?? '') + buffer.subarray(0, read).toString('utf8')
      const lines = text.split('\n')
      partial.set(p.name, lines.pop() ?? '')
      for (const line of lines) options.write(`${prefix(p.name)}${line}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return result
}
