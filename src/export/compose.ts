import {KIND_ORDER, type Plan} from '../plan/types.js'
import {summarisePlan} from '../services/plan.js'
import {CONTAINER_DATA_DIR, containerArgs, ipOf, masterLeaderCheck, OPEN_FILES_LIMIT, READY_PATH, stateful} from './container.js'
import {argsWithFiles, type ProcessFileContents, planFiles, processFiles, unwrittenNote, writtenFiles} from './process-files.js'
import {fill, seconds, template} from './template.js'
import type {ExportRendering} from './types.js'

/**
 * unless-stopped for both policies that restart: Docker then also brings the cluster back after a daemon
 * restart or a reboot, which on-failure does not (and always would, even after `docker compose stop`).
 */
const RESTART = {always: 'unless-stopped', 'on-failure': 'unless-stopped', never: 'no'} as const

/** A readiness request that fails on a hung process too, not only on a refused connection. */
const WGET = ['wget', '-q', '-T', '5', '-O']

/** Every 10 s at most: each probe is a process in the container (every 2 s on 6 containers cost ~19 % of a core). */
const MIN_HEALTH_INTERVAL_S = 10

/** Where a container finds a file it is given: Compose mounts a file secret at /run/secrets/NAME, read-only. */
export const COMPOSE_SECRETS_DIR = '/run/secrets'

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
 * process does not serve, ordered start; the files processes read written beside it (0600) and mounted as
 * secrets. Pure.
 */
export function renderCompose(plan: Plan, contents: ProcessFileContents = {}): ExportRendering {
  const json = (value: unknown) => JSON.stringify(value)
  const bind = publishAddressOf(plan)
  const intervalS = Math.max(MIN_HEALTH_INTERVAL_S, seconds(plan.supervise.healthIntervalMs))
  // Docker's sizes are binary (1m = 1 MiB).
  const logSize = `${Math.max(1, Math.round(plan.logs.maxBytes / 2 ** 20))}m`
  // max-file counts the file being written too.
  const logFiles = plan.logs.backups + 1
  const services = plan.processes.map((p) => {
    const files = processFiles(p, contents)
    const addressed = containerArgs(plan, p, {hostOf: (q) => q.name, portOf: (q) => q.ports.http, selfHost: p.name, publicUrl: `${bind}:${p.ports.http}`})
    const args = argsWithFiles(addressed, files, (f) => `${COMPOSE_SECRETS_DIR}/${f.name}`)
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
    // A gateway keeps nothing: no volume, only the files it is given.
    const storage = stateful(p.kind)
      ? [`    working_dir: ${CONTAINER_DATA_DIR}`, '    volumes:', `      - ${volumeName(p.name)}:${CONTAINER_DATA_DIR}`]
      : ['    secrets:', ...files.map((f) => `      - ${f.name}`)]
    return fill(template('compose/service.yaml'), {
      service: p.name,
      image: imageFor(plan),
      command: json(['-logtostderr=true', ...args.filter((a) => a !== '-logtostderr=true')]),
      restart: RESTART[plan.supervise.restart],
      stopGrace: `${seconds(p.stopTimeoutMs)}s`,
      storage: storage.join('\n'),
      nofile: OPEN_FILES_LIMIT,
      logSize,
      logFiles,
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
  const files = planFiles(plan, contents)
  const content = fill(template('compose/compose.yaml'), {
    name: plan.name,
    summary: summarisePlan(plan),
    source: plan.specFile ?? 'command-line flags',
    project: `seaweed-${plan.name}`,
    image: imageFor(plan),
    interval: `${intervalS} s`,
    restart: RESTART[plan.supervise.restart],
    logSize,
    logFiles,
    secretsNote: files.length === 0 ? '# No process is given a file.' : [
      `# Files the processes read travel beside this file, mode 0600, mounted read-only as secrets at ${COMPOSE_SECRETS_DIR}/NAME:`,
      ...files.map((f) => `#   ${f.name} (${f.flag} of ${plan.processes.filter((p) => processFiles(p, contents).some((g) => g.name === f.name)).map((p) => p.name).join(', ')})`),
      '# Their keys are new for this export. A container running as root reads the 0600 files; with user namespaces, make them readable to its user.',
    ].join('\n'),
    bind,
    services,
    volumes: plan.processes.filter((p) => stateful(p.kind)).map((p) => `  ${volumeName(p.name)}: {}`).join('\n'),
    secrets: files.length === 0 ? '' : ['secrets:', ...files.flatMap((f) => [`  ${f.name}:`, `    file: ./${f.name}`])].join('\n'),
  }).replace(/\n+$/, '\n')
  return {files: [{path: COMPOSE_FILE, kind: 'compose-file', content}, ...writtenFiles(files)], prerequisites: [], notes: unwrittenNote(files)}
}

function volumeName(processName: string): string {
  return `${processName}-data`
}
