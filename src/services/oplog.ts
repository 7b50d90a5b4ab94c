import {appendFileSync} from 'node:fs'
import {join} from 'node:path'

import {DAEMON_LOG} from '../daemon/protocol.js'

/**
 * Progress lines of a multi-step command (drain and roll steps), also appended to the cluster's daemon.log with a
 * timestamp and the command, so a slow change can be explained afterwards next to what the daemon did meanwhile.
 * One write per line with O_APPEND: lines of the daemon and of a command never tear.
 */
export function loggedSay(runDir: string, command: string, say: (line: string) => void): (line: string) => void {
  const file = join(runDir, DAEMON_LOG)
  return (line) => {
    say(line)
    try {
      appendFileSync(file, `${new Date().toISOString()} [seaweedctl ${command}, pid ${process.pid}] ${line}\n`, {mode: 0o600})
    } catch {
      // no run directory (a cluster that never ran): the line was still shown
    }
  }
}
