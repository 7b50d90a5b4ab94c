import {KIND_ORDER, type Plan} from '../plan/types.js'
import {summarisePlan} from '../services/plan.js'
import {containerArgs, ipOf, masterLeaderCheck, READY_PATH} from './container.js'
import {fill, seconds, template} from './template.js'
import type {ExportRendering} from './types.js'

const RESTART = {always: 'always', 'on-failure': 'on-failure', never: 'no'} as const

export const COMPOSE_FILE = 'compose.yaml'

export function imageFor(plan: Plan): string {
  return `chrislusf/seaweedfs:${plan.weedVersion}`
}

/** A compose file: one service per process, healthchecks on the readiness endpoints, ordered start. Pure. */
export function renderCompose(plan: Plan): ExportRendering {
  const json = (value: unknown) => JSON.stringify(value)
  const services = plan.processes.map((p) => {
    const args = containerArgs(plan, p, {hostOf: (q) => q.name, portOf: (q) => q.ports.http, selfHost: p.name})
    const before = KIND_ORDER.slice(0, KIND_ORDER.indexOf(p.kind))
    // Only the kind just before matters: it was itself started once the kinds before it were healthy.
    const previousKind = [...before].reverse().find((k) => plan.processes.some((q) => q.kind === k))
    const deps = plan.processes.filter((q) => q.kind === previousKind)
    const dependsOn = deps.length === 0 ? '' : [
      '    depends_on:',
      ...deps.flatMap((q) => [`      ${q.name}:`, '        condition: service_healthy']),
    ].join('\n')
    const healthcheck = p.kind === 'master'
      ? ['CMD-SHELL', masterLeaderCheck(p.ports.http)]
      : ['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${p.ports.http}${READY_PATH[p.kind]}`]
    const intervalS = Math.max(1, seconds(plan.supervise.healthIntervalMs))
    return fill(template('compose/service.yaml'), {
      service: p.name,
      image: imageFor(plan),
      command: json(['-logtostderr=true', ...args.filter((a) => a !== '-logtostderr=true')]),
      restart: RESTART[plan.supervise.restart],
      stopGrace: `${seconds(p.stopTimeoutMs)}s`,
      volume: volumeName(p.name),
      bind: ipOf(p),
      port: p.ports.http,
      healthcheck: json(healthcheck),
      interval: `${intervalS}s`,
      retries: Math.max(plan.supervise.unhealthyThreshold, 1),
      startPeriod: `${seconds(plan.supervise.startTimeoutMs)}s`,
      dependsOn,
    }).replace(/\n+$/, '')
  }).join('\n')
  const content = fill(template('compose/compose.yaml'), {
    name: plan.name,
    summary: summarisePlan(plan),
    source: plan.specFile ?? 'command-line flags',
    project: `seaweed-${plan.name}`,
    services,
    volumes: plan.processes.map((p) => `  ${volumeName(p.name)}: {}`).join('\n'),
  })
  return {files: [{path: COMPOSE_FILE, kind: 'compose-file', content}], prerequisites: []}
}

function volumeName(processName: string): string {
  return `${processName}-data`
}
