import {join} from 'node:path'

import {SeaweedctlError} from '../lib/errors.js'
import {readClaim} from './claim.js'
import {DAEMON_ANSWER_MS, DAEMON_LOG} from './protocol.js'

export {DAEMON_ANSWER_MS}

/** The daemon holds the cluster but does not answer: say who it is, where its log is, and what to do. */
export function daemonNotAnswering(runDir: string, waitedMs: number): SeaweedctlError {
  const holder = readClaim(runDir)
  const log = join(runDir, DAEMON_LOG)
  const who = holder ? `the supervisor daemon (pid ${holder.pid})` : 'the supervisor daemon'
  const hints = holder
    ? [
        `If it was stopped (ps -o stat= -p ${holder.pid} shows T): kill -CONT ${holder.pid}`,
        `If it is stuck: kill ${holder.pid} (weed keeps serving), then run seaweedctl status to start a new daemon that adopts the running processes`,
        `To stop the cluster anyway: seaweedctl down --force (kills daemon pid ${holder.pid}, then stops its weed processes; add --purge --yes to delete the data too)`,
        `Its log: ${log}`,
      ]
    : [`Its log: ${log}`]
  return new SeaweedctlError('DAEMON_UNREACHABLE', `${who} did not answer within ${Math.round(waitedMs / 1000)}s; the daemon could not be reached. Nothing was changed.`, {
    hints,
    data: {pid: holder?.pid ?? null, log},
  })
}
