import {relative} from 'node:path'

import {formatDuration} from '../lib/units.js'
import type {UpEvent, UpResult} from '../services/up.js'
import {describeSource} from '../weed/binary.js'

export interface UpReporter {
  event: (event: UpEvent) => void
  done: (result: UpResult) => void
}

/**
 * Progress of `up` as it happens. On a terminal each step gets a check mark; otherwise (CI) plain
 * "what: fact" lines, one per event, no colours. Silent under --json.
 */
export function upReporter(options: {json: boolean; tty: boolean; log: (line: string) => void}): UpReporter {
  if (options.json) return {event: () => {}, done: () => {}}
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
        case 'daemon':
          if (!event.started) line('daemon', 'already running; starting what is stopped')
          return
        case 'ready': {
          const names = event.processes.length === 1 ? event.processes[0].name : `${event.processes[0].name}..${event.processes.at(-1)!.name.split('-').at(-1)}`
          const detail = event.kind === 'volume' ? `${event.processes.length}/${event.processes.length} listed by the master` : event.processes[0].health
          line(names, `RUNNING  ${detail}  ${formatDuration(event.elapsedMs)}`)
          return
        }
        case 'canary':
          line('canary', event.canary.ok ? `wrote and read back ${event.canary.bytes / 1024} KiB through the ${event.canary.via}  ${formatDuration(event.canary.elapsedMs)}` : `failed: ${event.canary.error}`)
          return
        default: {
          const unknown: never = event
          throw new Error(`unknown event ${JSON.stringify(unknown)}`)
        }
      }
    },
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
