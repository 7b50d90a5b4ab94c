import {isSeaweedctlError} from '../lib/errors.js'
import type {Feed} from './feed.js'
import {runCli} from './run-cli.js'
import type {ActivityEntry} from './view.js'

/** How many finished actions the page keeps showing. */
const KEEP = 12

export type Refusal = {status: 400 | 404 | 409; code: string; message: string}

/** What the page reads of `start|stop|restart --json` and `scale --json`. */
interface ControlAnswer {
  processes: Array<{name: string; state: string; pid: number | null}>
}
interface ScaleAnswer {
  from: number
  to: number
  added: string[]
  removed: string[]
}

export interface ActionContext {
  /** The seaweed.yaml the CLI named when it started the dashboard. */
  specFile(): string | undefined
  processNames(): string[]
  volumeCount(): number
}

/**
 * What the page can do: each action runs the CLI's own `start`/`stop`/`restart` or `scale` (run-cli.ts), so it is
 * the same operation as from a terminal (cluster lock, journal, waiting until RUNNING or STOPPED, the drain and
 * every refusal), and the daemon that serves the page imports none of the CLI's services. Each runs in the
 * background and reports its progress and outcome on the page's feed.
 */
export class Actions {
  private nextId = 1

  constructor(private readonly feed: Feed, private readonly context: ActionContext) {}

  control(action: string, name: string): {id: number} | Refusal {
    if (action !== 'start' && action !== 'stop' && action !== 'restart') return {status: 400, code: 'BAD_ARGUMENT', message: `unknown action "${action}": start, stop or restart`}
    if (!this.context.processNames().includes(name)) return {status: 404, code: 'UNKNOWN_PROCESS', message: `no process named "${name}"`}
    const file = this.context.specFile()
    if (!file) return noSpec()
    return this.run(`${action} ${name}`, async (say) => {
      const result = await runCli<ControlAnswer>([action, name], file, say)
      return result.processes.map((p) => `${p.name}: ${p.state}${p.pid ? ` (pid ${p.pid})` : ''}`)
    })
  }

  scaleVolumes(delta: number): {id: number} | Refusal {
    if (delta !== 1 && delta !== -1) return {status: 400, code: 'BAD_ARGUMENT', message: `the page scales by +1 or -1, not ${delta}; use \`seaweedctl scale volume N\` for more`}
    if (this.feed.scaling) return {status: 409, code: 'CLUSTER_LOCKED', message: 'a scale started from this page is still running'}
    const file = this.context.specFile()
    if (!file) return noSpec()
    const from = this.context.volumeCount()
    const to = from + delta
    this.feed.scaling = true
    return this.run(`scale volume ${from} → ${to}`, async (say) => {
      try {
        const result = await runCli<ScaleAnswer>(['scale', 'volume', String(to), '--timeout', '10m'], file, say)
        const changed = [...result.added.map((n) => `added ${n}`), ...result.removed.map((n) => `removed ${n} (data kept)`)]
        return [`volume servers: ${result.from} → ${result.to}${changed.length ? `; ${changed.join(', ')}` : ''}`]
      } finally {
        this.feed.scaling = false
      }
    })
  }

  private run(title: string, work: (say: (line: string) => void) => Promise<string[]>): {id: number} {
    const entry: ActivityEntry = {id: this.nextId++, title, state: 'running', startedAt: new Date().toISOString(), endedAt: null, lines: []}
    this.feed.activity.unshift(entry)
    this.feed.activity.splice(KEEP)
    this.feed.publish()
    const say = (line: string) => {
      entry.lines.push(line)
      this.feed.publish()
    }
    void work(say).then(
      (lines) => {
        entry.lines.push(...lines)
        entry.state = 'done'
      },
      (error: Error) => {
        entry.lines.push(...error.message.split('\n'), ...(isSeaweedctlError(error) ? error.hints : []))
        entry.state = 'failed'
      },
    ).finally(() => {
      entry.endedAt = new Date().toISOString()
      this.feed.publish()
    })
    return {id: entry.id}
  }
}

function noSpec(): Refusal {
  return {status: 409, code: 'SPEC_NOT_FOUND', message: 'the daemon does not know which seaweed.yaml this cluster uses: run `seaweedctl dashboard` in the cluster\'s directory (or with --file)'}
}
