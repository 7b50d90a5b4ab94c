import {relative} from 'node:path'

import {formatDuration} from '../lib/units.js'
import type {UpEvent, UpResult} from '../services/up.js'
import type {CanaryResult} from '../services/canary.js'
import {describeSource} from '../weed/binary.js'
import {appliedSummary} from '../services/apply.js'

export interface UpReporter {
  event: (event: UpEvent) => void
  done: (result: UpResult) => void | Promise<void>
  fail: (error: Error) => Promise<void>
}

/**
 * Progress of `up` as it happens. On a terminal each step gets a check mark; otherwise (CI) plain
 * "what: fact" lines, one per event, no colours. Silent under --json.
 */
export async function upReporter(options: {json: boolean; tty: boolean; log: (line: string) => void}): Promise<UpReporter> {
  if (options.json) return {event: () => {}, done: () => {}, fail: async () => {}}
  if (options.tty) return ttyReporter(options.log)
  const mark = options.tty ? '✔ ' : ''
  const line = (label: string, text: string) => options.log(options.tty ? `${mark}${label.padEnd(12)} ${text}` : `${label}: ${text}`)
  return {
    event(event) {
      switch (event.type) {
        case 'plan': {
          const dir = relative(process.cwd(), event.plan.dataDir) || '.'
          line('plan', `${event.summary} (data in ${dir.startsWith('..') ? event.plan.dataDir : `./${dir}`})`)
          return
        }
        case 'pinned':
          line('spec', `weed.version "${event.version}" for the new spec: the version of ${describeSource(event.source)} ${event.path} (--weed-version chooses another)`)
          return
        case 'install':
          line('weed', `not found: installing weed ${event.version} into the cache (--no-install forbids this)`)
          return
        case 'weed':
          line('weed', `${event.weed.version.text}  ${event.weed.path}${event.weed.warning ? `  (${event.weed.warning})` : ''}`)
          return
        case 'spec':
          if (event.created) line('spec', `wrote ${relative(process.cwd(), event.file) || event.file}`)
          return
        case 'ports':
          line('ports', `offset ${event.offset} (the first free one; written into the new spec)${event.taken ? `: port ${event.taken} of the one tried before was taken meanwhile` : ''}`)
          return
        case 'reused':
          line('reuse', 'running from the same plan: left as it is')
          return
        case 'daemon':
          if (!event.started) line('daemon', 'already running; starting what is stopped')
          return
        case 'applied':
          line('apply', appliedSummary(event.result))
          return
        case 'ready': {
          const names = event.processes.length === 1 ? event.processes[0].name : `${event.processes[0].name}..${event.processes.at(-1)!.name.split('-').at(-1)}`
          const detail = event.kind === 'volume' ? `${event.processes.length}/${event.processes.length} listed by the master` : event.processes[0].health
          line(names, `RUNNING  ${detail}  ${formatDuration(event.elapsedMs)}`)
          return
        }
        case 'canary':
          line('canary', event.canary.ok ? canaryLine(event.canary) : `failed: ${event.canary.error}`)
          return
        default: {
          const unknown: never = event
          throw new Error(`unknown event ${JSON.stringify(unknown)}`)
        }
      }
    },
    async fail() {},
    done(result) {
      if (!result.ready) {
        options.log(`up: cluster "${result.name}" is starting (not waiting). Check it with: seaweedctl status`)
        return
      }
      options.log(options.tty
        ? `Cluster "${result.name}" is up in ${formatDuration(result.elapsedMs)}.  Try: seaweedctl status · seaweedctl logs -f · seaweedctl down`
        : `up: cluster "${result.name}" ready in ${formatDuration(result.elapsedMs)}`)
    },
  }
}

interface Step {
  title: string
  settled: boolean
  settle: (outcome: {ok: true; title: string} | {ok: false; error: Error}) => void
  outcome: Promise<{ok: true; title: string} | {ok: false; error: Error}>
}

/** On a terminal: a listr2 task list, one line per step, each ticked off as the daemon reports it ready. */
async function ttyReporter(log: (line: string) => void): Promise<UpReporter> {
  const {Listr} = await import('listr2')
  const steps = new Map<string, Step>()
  let running: Promise<unknown> | undefined
  let planTask: {title: string} | undefined
  const step = (key: string, title: string): Step => {
    let settle!: Step['settle']
    const outcome = new Promise<Parameters<Step['settle']>[0]>((resolve) => {
      settle = (o) => {
        s.settled = true
        resolve(o)
      }
    })
    const s: Step = {title, settled: false, settle: (o) => settle(o), outcome}
    steps.set(key, s)
    return s
  }
  const finish = (key: string, title: string) => steps.get(key)?.settle({ok: true, title})
  let applied = ''
  return {
    event(event) {
      switch (event.type) {
        case 'plan': {
          const dir = relative(process.cwd(), event.plan.dataDir) || '.'
          const ports = (kind: string) => {
            const group = event.plan.processes.filter((p) => p.kind === kind).map((p) => p.ports.http)
            return group.length > 1 ? `${group[0]}–${group.at(-1)}` : String(group[0])
          }
          const kinds = [...new Set(event.plan.processes.map((p) => p.kind))]
          const planTitle = `Plan  ${event.summary}   (ports ${kinds.map(ports).join(', ')}; data in ${dir.startsWith('..') ? event.plan.dataDir : `./${dir}`})`
          // Planned again on other ports (an automatic offset whose port was taken meanwhile): the same steps.
          if (running) {
            if (planTask) planTask.title = planTitle
            return
          }
          const list = [
            {key: 'plan', title: planTitle},
            {key: 'weed', title: 'weed'},
            {key: 'daemon', title: 'checks: ports free, directories writable'},
            ...kinds.map((k) => {
              const group = event.plan.processes.filter((p) => p.kind === k)
              return {key: k, title: group.length > 1 ? `${group[0].name}..${group.length}` : group[0].name}
            }),
            {key: 'canary', title: 'canary'},
          ].map(({key, title}) => step(key, title))
          finish('plan', list[0].title)
          running = new Listr(list.map((s) => ({
            title: s.title,
            task: async (_: unknown, task: {title: string}) => {
              const outcome = await s.outcome
              if (!outcome.ok) throw outcome.error
              task.title = outcome.title
              if (s === list[0]) planTask = task
            },
          })), {concurrent: true, exitOnError: false, rendererOptions: {collapseErrors: false}}).run().catch(() => undefined)
          return
        }
        case 'install':
          if (steps.get('weed')) steps.get('weed')!.title = `weed ${event.version}: installing into the cache`
          return
        case 'weed':
          finish('weed', `weed ${event.weed.version.text}  ${event.weed.path}${event.weed.warning ? `  (${event.weed.warning})` : ''}`)
          return
        case 'ready': {
          const names = event.processes.length === 1 ? event.processes[0].name : `${event.processes[0].name}..${event.processes.at(-1)!.name.split('-').at(-1)}`
          const detail = event.kind === 'volume' ? `${event.processes.length}/${event.processes.length} listed by the master` : event.processes[0].health
          finish(event.kind, `${names.padEnd(12)} RUNNING  ${detail.padEnd(40)} ${formatDuration(event.elapsedMs)}`)
          return
        }
        case 'canary':
          if (event.canary.ok) finish('canary', `${'canary'.padEnd(12)} ${canaryLine(event.canary)}`)
          return
        case 'daemon':
          finish('daemon', event.started ? 'checks passed; supervisor started' : `supervisor already running; ${applied || 'starting what is stopped'}`)
          return
        case 'applied':
          applied = appliedSummary(event.result)
          return
        case 'pinned':
          if (steps.get('weed')) steps.get('weed')!.title = `weed ${event.version} (pinned in the new spec: the version of ${event.path})`
          return
        case 'spec':
        case 'ports':
          return
        case 'reused':
          finish('daemon', 'already running from the same plan (--reuse): left as it is')
          return
        default: {
          const unknown: never = event
          throw new Error(`unknown event ${JSON.stringify(unknown)}`)
        }
      }
    },
    async done(result) {
      for (const s of steps.values()) s.settle({ok: true, title: s.title})
      await running
      log(result.ready
        ? `Cluster "${result.name}" is up in ${formatDuration(result.elapsedMs)}.  Try: seaweedctl status · seaweedctl logs -f · seaweedctl down`
        : `Cluster "${result.name}" is starting (not waiting). Check it with: seaweedctl status`)
    },
    async fail(error) {
      let first = true
      for (const s of steps.values()) {
        if (s.settled) continue
        s.settle(first ? {ok: false, error: new Error(error.message.split('\n')[0])} : {ok: false, error: new Error('not reached')})
        first = false
      }
      await running
    },
  }
}

/** The canary's line; a wait for weed's master warm-up (writes refused for 15 s after a restart with data) is named. */
function canaryLine(canary: CanaryResult): string {
  const warmup = canary.warmupMs ? ` (${formatDuration(canary.warmupMs)} of it weed's master warm-up after a restart)` : ''
  return `wrote and read back ${canary.bytes / 1024} KiB through the ${canary.via}  ${formatDuration(canary.elapsedMs)}${warmup}`
}
