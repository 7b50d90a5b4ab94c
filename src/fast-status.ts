/**
 * `seaweedctl status [--json]` without oclif, yaml or undici: the command scripts and people run most, kept
 * within a few milliseconds of a bare `node` start. It handles only the plain case — a running daemon found
 * from a spec whose dataDir it can read without a YAML parser — and otherwise returns false so the full
 * command (same output) takes over.
 */
import {readFileSync} from 'node:fs'
import {request} from 'node:http'
import {dirname, resolve} from 'node:path'

import {DAEMON_ANSWER_MS} from './daemon/protocol.js'
import {clusterNameFor, runDirOf, socketPathFor} from './plan/paths.js'
import {renderStatus, statusHealthy, withOperation} from './services/status.js'
import type {StatusReport} from './supervisor/status-types.js'

export async function fastStatus(json: boolean): Promise<boolean> {
  const file = resolve(process.env.SEAWEEDCTL_FILE || 'seaweed.yaml')
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return false
  }
  const dataDir = simpleDataDir(text)
  if (dataDir === undefined) return false
  const runDir = runDirOf(resolve(dirname(file), dataDir))
  const socketPath = socketPathFor(runDir, 'seaweedctl.sock')
  const answer = await getStatus(socketPath)
  const report = answer && answer !== 'hung' ? withOperation(answer, runDir) : answer
  if (report === 'hung') {
    // Same answer as the full command's, without making the user wait for it a second time. Loaded only here:
    // every module this file imports is start-up time of every `status`.
    const [{daemonNotAnswering}, {renderError}] = await Promise.all([import('./daemon/unreachable.js'), import('./lib/errors.js')])
    const error = daemonNotAnswering(runDir, DAEMON_ANSWER_MS)
    process.stdout.write(json ? `${JSON.stringify({error: error.toJSON()}, null, 2)}\n` : '')
    if (!json) process.stderr.write(`${renderError(error)}\n`)
    process.exitCode = error.exitCode
    return true
  }
  // A renamed cluster is the full command's case: it says so (see services/target.ts).
  if (!report || report.name !== simpleName(text, file)) return false
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${renderStatus(report)}\n`)
  process.exitCode = statusHealthy(report) ? 0 : 3
  return true
}

/** The top-level dataDir when written as a plain scalar (or absent: the default); undefined when unsure. */
function simpleDataDir(text: string): string | undefined {
  // No other key mentions dataDir: any line that does, other than a plain top-level one, makes us unsure.
  return simpleScalar(text, 'dataDir', (line) => line.includes('dataDir'), './.seaweed')
}

/** The top-level name as a plain scalar (absent: the directory's); undefined when unsure. */
function simpleName(text: string, file: string): string | undefined {
  // Identities have names too, indented: only a line that starts with the key is the cluster's.
  return simpleScalar(text, 'name', (line) => line.startsWith('name:'), clusterNameFor(dirname(file)))
}

/** A top-level key's value when written as a plain scalar (`fallback` when absent); undefined when unsure. */
function simpleScalar(text: string, key: string, mentions: (line: string) => boolean, fallback?: string): string | undefined {
  // Comments may mention the key; only code counts. A '#' inside a quoted value makes us unsure: full path.
  const found = text.split('\n').map((line) => line.replace(/(^|\s)#.*$/, '')).filter(mentions)
  if (found.length === 0) return fallback
  if (found.length > 1) return undefined
  const match = new RegExp(`^${key}:[ \\t]*(?:"([^"\\\\]*)"|'([^']*)'|([^\\s#"'{[][^\\s#]*))[ \\t]*(?:#.*)?$`).exec(found[0])
  return match ? (match[1] ?? match[2] ?? match[3]) : undefined
}

/** The report; undefined when no daemon listens (or any doubt: the full command decides); 'hung' when one listens but does not answer. */
function getStatus(socketPath: string): Promise<StatusReport | undefined | 'hung'> {
  return new Promise((resolvePromise) => {
    const req = request({socketPath, path: '/v1/status', method: 'GET', timeout: DAEMON_ANSWER_MS}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        try {
          resolvePromise(res.statusCode === 200 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as StatusReport) : undefined)
        } catch {
          resolvePromise(undefined)
        }
      })
    })
    req.on('error', () => resolvePromise(undefined))
    req.on('timeout', () => {
      req.destroy()
      resolvePromise('hung')
    })
    req.end()
  })
}
