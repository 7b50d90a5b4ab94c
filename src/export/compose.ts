import {KIND_ORDER, type Plan} from '../plan/types.js'
import {summarisePlan} from '../services/plan.js'
import {containerArgs, ipOf, masterLeaderCheck, READY_PATH} from './container.js'
import {fill, seconds, template} from './template.js'
import type {ExportRendering} from './types.js'

/**
 * unless-stopped for both policies that restart: Docker then also brings the cluster back after a daemon
 * restart or a reboot, which on-failure does not (and always would, even after `docker compose stop`).
 */
const RESTART = {always: 'unless-stopped', 'on-failure': 'unless-stopped', never: 'no'} as const

/** A readiness request that fails on a hung process too, not only on a refused connection. */
const WGET = ['wget', '-q', '-T', '5', '-O']

export const COMPOSE_FILE = 'compose.yaml'

export function imageFor(plan: Plan): string {
  return `chrislusf/seaweedfs:${plan.weedVersion}`
}

/**
 * The host address ports are published on: the spec's bind (the masters' address; volume servers may each
 * have a loopback address of their own locally, which means nothing to Docker). 127.0.0.1 by default, so the
 * cluster is reachable from this host only, as the local one is.
 */
export function publishAddressOf(plan: Plan): string {
  return ipOf(plan.processes.find((p) => p.kind === 'master')!)
}

/**
 * A compose file: one service per process, HTTP and gRPC published on the host, volume servers advertising
 * the published address (so /dir/assign answers work from the host), healthchecks that fail when the
 * process does not serve, ordered start. Pure.
 */
export function renderCompose(plan: Plan): ExportRendering {
  const json = (value: unknown) => JSON.stringify(value)
  const bind = publishAddressOf(plan)
  const services = plan.processes.map((p) => {
    const args = containerArgs(plan, p, {hostOf: (q) => q.name, portOf: (q) => q.ports.http, selfHost: p.name, publicUrl: `${bind}:${p.ports.http}`})
    const before = KIND_ORDER.slice(0, KIND_ORDER.indexOf(p.kind))
    // Only the kind just before matters: it was itself started once the kinds before it were healthy.
    const previousKind = [...before].reverse().find((k) => plan.processes.some((q) => q.kind === k))
    const deps = plan.processes.filter((q) => q.kind === previousKind)
    const dependsOn = deps.length === 0 ? '' : [
      '    depends_on:',
      ...deps.flatMap((q) => [`      ${q.name}:`, '        condition: service_healthy']),
    ].join('\n')
    // A volume server's /healthz answers 503 while it has no heartbeat to a master; /status would not.
    const path = p.kind === 'volume' ? '/healthz' : READY_PATH[p.kind]
    const healthcheck = p.kind === 'master'
      ? ['CMD-SHELL', masterLeaderCheck(p.ports.http)]
      : ['CMD', ...WGET, '/dev/null', `http://127.0.0.1:${p.ports.http}${path}`]
    const intervalS = Math.max(1, seconds(plan.supervise.healthIntervalMs))
    return fill(template('compose/service.yaml'), {
      service: p.name,
      image: imageFor(plan),
      command: json(['-logtostderr=true', ...args.filter((a) => a !== '-logtostderr=true')]),
      restart: RESTART[plan.supervise.restart],
      stopGrace: `${seconds(p.stopTimeoutMs)}s`,
      volume: volumeName(p.name),
      bind,
      port: p.ports.http,
      grpcPort: p.ports.grpc,
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
    bind,
    services,
    volumes: plan.processes.map((p) => `  ${volumeName(p.name)}: {}`).join('\n'),
  })
  return {files: [{path: COMPOSE_FILE, kind: 'compose-file', content}], prerequisites: []}
}

function volumeName(processName: string): string {
  return `${processName}-data`
}
