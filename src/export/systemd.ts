import {KIND_ORDER, type Plan, type ProcessPlan} from '../plan/types.js'
import {summarisePlan} from '../services/plan.js'
import {processDirectories} from './container.js'
import {fill, seconds, template} from './template.js'
import type {ExportFile, ExportOptions, ExportRendering} from './types.js'

const RESTART = {always: 'always', 'on-failure': 'on-failure', never: 'no'} as const

export function unitName(plan: Plan, process?: ProcessPlan): string {
  return process ? `seaweed-${plan.name}-${process.name}.service` : `seaweed-${plan.name}.target`
}

/** One service unit per process and a target that pulls them all in. Pure. */
export function renderSystemd(plan: Plan, options: ExportOptions): ExportRendering {
  const target = unitName(plan)
  const source = plan.specFile ?? 'command-line flags'
  const files: ExportFile[] = plan.processes.map((p) => {
    // Each kind waits for every process of the kinds started before it (masters → volumes → filers → s3).
    const before = KIND_ORDER.slice(0, KIND_ORDER.indexOf(p.kind))
    const deps = plan.processes.filter((q) => before.includes(q.kind)).map((q) => unitName(plan, q))
    const depList = deps.length > 0 ? ` ${deps.join(' ')}` : ''
    return {
      path: unitName(plan, p),
      kind: 'systemd-service',
      content: fill(template('systemd/process.service'), {
        kind: p.kind,
        process: p.name,
        name: plan.name,
        source,
        target,
        after: depList,
        wants: depList,
        dirs: unitWords(processDirectories(plan, p)),
        cwd: unitWord(p.cwd),
        execStart: unitWords([options.weedPath, ...p.args]),
        environment: Object.entries(p.env).map(([k, v]) => `Environment=${unitWord(`${k}=${v}`)}`).join('\n'),
        restart: RESTART[plan.supervise.restart],
        startTimeout: seconds(plan.supervise.startTimeoutMs),
        stopTimeout: seconds(p.stopTimeoutMs),
        dataDir: plan.dataDir,
      }),
    }
  })
  files.push({
    path: target,
    kind: 'systemd-target',
    content: fill(template('systemd/cluster.target'), {
      name: plan.name,
      summary: summarisePlan(plan),
      source,
      target,
      units: plan.processes.map((p) => unitName(plan, p)).join(' '),
    }),
  })
  return {files, prerequisites: []}
}

/** A word on an Exec= line: systemd splits on spaces, honours quotes, and expands % and $. */
export function unitWord(word: string, exec = false): string {
  const escaped = exec ? word.replaceAll('%', '%%').replaceAll('$', '$$$$') : word.replaceAll('%', '%%')
  if (/^[A-Za-z0-9_./=:,@+-]+$/.test(escaped)) return escaped
  return `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
}

function unitWords(words: string[]): string {
  return words.map((w) => unitWord(w, true)).join(' ')
}
