import {join} from 'node:path'

import {SeaweedctlError} from '../lib/errors.js'
import {closest} from '../lib/suggest.js'
import {actionName, identityActions} from '../s3/actions.js'
import type {ClusterSpec, SpecSource} from '../clusterfile/schema.js'
import {has, parseVersionString, type WeedVersion, NEWEST_KNOWN, compareVersions} from '../weed/versions.js'
import {runDirOf, socketPathFor} from './paths.js'
import {minimalSizing, topologyOf, unplaceableReason} from './replication.js'
import type {Plan, ProcessKind, ProcessPlan, S3Plan} from './types.js'
import {checkArgs, mergeArgs, type WeedFlags} from './weed-flags.js'

/** Highest HTTP port: its gRPC twin (port+10000) must stay a valid port. */
export const MAX_HTTP_PORT = 55_535
export const GRPC_DELTA = 10_000
/**
 * A process's Prometheus metrics port: its HTTP port + 5000, between the HTTP and gRPC blocks (so it moves with
 * portOffset and the base ports, and kinds that do not collide on HTTP do not collide here). Not above gRPC: the
 * kernel picks outgoing connections' local ports from 32768 up (ip_local_port_range), and a port there can be taken
 * by any connection while its process is down; + 5000 keeps metrics below that wherever gRPC is.
 */
export const METRICS_DELTA = 5_000
/** A volume server's SIGKILL grace: its pre-stop sleep plus time to drain and flush. */
const VOLUME_DRAIN_MARGIN_MS = 30_000
/** The filer's gRPC graceful stop alone can take 10 s (its own metadata subscription), so allow well above. */
const FILER_STOP_TIMEOUT_MS = 30_000
const MASTER_STOP_TIMEOUT_MS = 10_000
const S3_STOP_TIMEOUT_MS = 10_000

/**
 * The pure heart of seaweedctl: spec in, plan out, nothing touched. Rejects plans that cannot work on any
 * machine (collisions, ranges, replication); facts about this machine (ports in use, writable dirs) are
 * checked by preflight().
 */
export interface PlanOptions {
  /**
   * Give each volume server its own loopback address when the cluster binds loopback (default true). Exports
   * turn it off: their files describe hosts of their own, where every process keeps the spec's bind address.
   */
  distinctVolumeHosts?: boolean
  /**
   * Every process runs on this one machine (default true). Then masters elect a new leader after 1 s of silence
   * instead of weed's 10 s: on loopback a heartbeat is never late for network reasons, and a 10-minute soak on a
   * loaded 2-core machine saw no spurious election (bench/election-soak.mjs). Exports turn it off: their masters
   * run on hosts of their own and keep weed's default.
   */
  oneHost?: boolean
  /**
   * The flags of the weed the plan runs (src/weed/flag-table.ts), to check `args` against. Without it only
   * their shape is checked (one flag per entry, given once, not one the plan sets).
   */
  weedFlags?: WeedFlags
}

/** The raft election timeout of masters that share one machine (see PlanOptions.oneHost). */
export const ONE_HOST_ELECTION_TIMEOUT = '1s'

export function planCluster(spec: ClusterSpec, source: SpecSource = {positions: new Map()}, options: PlanOptions = {}): Plan {
  const version = flagsVersion(spec.weed.version)
  const dataDir = spec.dataDir
  const runDir = runDirOf(dataDir)
  const logDir = join(dataDir, 'logs')
  const configDir = join(dataDir, 'conf')
  const ip = spec.bind
  const offset = spec.portOffset

  checkSizing(spec, source)
  const extraArgs = extraArgsOf(spec, source, options.weedFlags)

  const masterPorts = range(spec.master.count).map((i) => spec.master.port + offset + i)
  const masterAddresses = masterPorts.map((p) => `${ip}:${p}`)
  const masterUrls = masterAddresses.map((a) => `http://${a}`)
  const filerPorts = range(spec.filer.count).map((i) => spec.filer.port + offset + i)
  const s3 = spec.s3.count > 0 ? s3PlanOf(spec, runDir, source, version) : undefined

  const base = (kind: ProcessKind, index: number, http: number, host = ip): Omit<ProcessPlan, 'args' | 'readiness' | 'liveness' | 'stopTimeoutMs'> => {
    const name = `${kind}-${index}`
    const dir = join(dataDir, name)
    return {
      name, kind, index, host,
      cwd: dir,
      // HOME points at the process's own directory so no stray ~/.seaweedfs/*.toml changes its behaviour.
      env: {PATH: '/usr/local/bin:/usr/bin:/bin', HOME: dir},
      ports: {http, grpc: http + GRPC_DELTA, ...(spec.metrics.enabled ? {metrics: http + METRICS_DELTA} : {})},
      extraArgs: extraArgs(kind, name),
      dataDir: dir,
      logFile: join(logDir, `${name}.log`),
      stopSignal: 'SIGTERM',
    }
  }
  const globalFlags = ['-logtostderr=true', `-config_dir=${configDir}`]
  const processes: ProcessPlan[] = []

  masterPorts.forEach((port, i) => {
    const p = base('master', i + 1, port)
    const peers = spec.master.count === 1 ? (has(version, 'peersNone') ? ['-peers=none'] : []) : [`-peers=${masterAddresses.join(',')}`]
    processes.push({
      ...p,
      args: [
        ...globalFlags, 'master',
        `-ip=${ip}`, `-ip.bind=${ip}`, `-port=${port}`, `-port.grpc=${port + GRPC_DELTA}`,
        `-mdir=${p.dataDir}`, ...peers,
        `-defaultReplication=${spec.master.defaultReplication}`,
        `-volumeSizeLimitMB=${spec.master.volumeSizeLimitMB}`,
        '-resumeState=true',
        ...(spec.master.count > 1 && options.oneHost !== false ? [`-electionTimeout=${ONE_HOST_ELECTION_TIMEOUT}`] : []),
        ...(has(version, 'telemetryFlag') ? ['-telemetry=false'] : []),
      ],
      readiness: {kind: 'masterLeader', urls: masterUrls},
      // Its own view of the leader: alive and still part of a raft group that has one.
      liveness: {kind: 'masterLeader', urls: [`http://${ip}:${port}`]},
      stopTimeoutMs: MASTER_STOP_TIMEOUT_MS,
    })
  })

  for (let i = 0; i < spec.volume.count; i++) {
    const port = spec.volume.port + offset + i
    const host = options.distinctVolumeHosts === false ? ip : volumeHost(ip, i + 1)
    const p = base('volume', i + 1, port, host)
    const placement = placementOf(i, spec.volume.racks, spec.volume.dataCenters)
    processes.push({
      ...p,
      placement,
      args: [
        ...globalFlags, 'volume',
        `-ip=${host}`, `-ip.bind=${host}`, `-port=${port}`, `-port.grpc=${port + GRPC_DELTA}`, `-publicUrl=${host}:${port}`,
        `-dir=${p.dataDir}`, `-max=${spec.volume.max}`,
        `${has(version, 'volumeMasterFlag') ? '-master' : '-mserver'}=${masterAddresses.join(',')}`,
        `-dataCenter=${placement.dataCenter}`, `-rack=${placement.rack}`,
        `-preStopSeconds=${spec.volume.preStopSeconds}`,
        // weed refuses volume copies from a loopback peer unless told otherwise, and on a local cluster every
        // peer is loopback: without this, draining a server before scale-down (volumeServer.evacuate) fails.
        ...(isLoopback(ip) ? ['-volume.allowUntrustedRemoteEndpoints=true'] : []),
      ],
      readiness: {kind: 'volumeListed', statusUrl: `http://${host}:${port}/status`, masterUrls, node: `${host}:${port}`},
      liveness: {kind: 'volumeListed', statusUrl: `http://${host}:${port}/status`, masterUrls, node: `${host}:${port}`},
      stopTimeoutMs: spec.volume.preStopSeconds * 1000 + VOLUME_DRAIN_MARGIN_MS,
    })
  }

  const socketFor = (name: string) => socketPathFor(runDir, `${name}.sock`)
  filerPorts.forEach((port, i) => {
    const p = base('filer', i + 1, port)
    processes.push({
      ...p,
      args: [
        ...globalFlags, 'filer',
        `-ip=${ip}`, `-ip.bind=${ip}`, `-port=${port}`, `-port.grpc=${port + GRPC_DELTA}`,
        `-master=${masterAddresses.join(',')}`,
        `-defaultStoreDir=${p.dataDir}`,
        // Without this weed uses /tmp/seaweedfs-filer-<port>.sock, shared by every cluster on the machine.
        `-localSocket=${socketFor(p.name)}`,
      ],
      readiness: {kind: 'http', url: `http://${ip}:${port}/healthz`},
      liveness: {kind: 'http', url: `http://${ip}:${port}/healthz`},
      stopTimeoutMs: FILER_STOP_TIMEOUT_MS,
    })
  })

  for (let i = 0; i < spec.s3.count; i++) {
    const port = spec.s3.port + offset + i
    const p = base('s3', i + 1, port)
    processes.push({
      ...p,
      args: [
        // Its own config directory: the security.toml there holds the SSE-S3 key, which no other process needs.
        '-logtostderr=true', `-config_dir=${s3!.configDir}`, 's3',
        `-ip.bind=${ip}`, `-port=${port}`, `-port.grpc=${port + GRPC_DELTA}`,
        `-filer=${filerPorts.map((f) => `${ip}:${f}`).join(',')}`,
        `-localSocket=${socketFor(p.name)}`,
        // A path, not a secret: the keys stay in this 0600 file.
        `-config=${s3!.configFile}`,
        // Off: they would collide between clusters (and with anything else on 8181/9101).
        ...(has(version, 's3IcebergPort') ? ['-port.iceberg=0'] : []),
        ...(has(version, 's3LancePort') ? ['-port.lance=0'] : []),
      ],
      // weed's /status answers 200 whether or not S3 can serve; a signed request proves that it does.
      readiness: {kind: 's3Signed', endpoint: `http://${ip}:${port}`, credentialsFile: s3!.credentialsFile, region: s3!.region},
      liveness: {kind: 's3Signed', endpoint: `http://${ip}:${port}`, credentialsFile: s3!.credentialsFile, region: s3!.region},
      stopTimeoutMs: S3_STOP_TIMEOUT_MS,
    })
  }

  // The spec's extra flags go last, after the metrics flags: a reader of the command line sees what was added.
  for (const p of processes) {
    if (p.ports.metrics !== undefined) p.args.push(`-metricsPort=${p.ports.metrics}`, `-metricsIp=${p.host}`)
    // A flag the spec gives replaces a default of the plan's (e.g. the one-host -electionTimeout), so the command
    // line names it once. Flags the plan owns never get here: checkArgs refuses them.
    const given = new Set((p.extraArgs ?? []).map(flagNameOf))
    const subcommand = p.args.findIndex((a) => !a.startsWith('-'))
    p.args = [...p.args.slice(0, subcommand + 1), ...p.args.slice(subcommand + 1).filter((a) => !given.has(flagNameOf(a)))]
    p.args.push(...(p.extraArgs ?? []))
  }
  checkPorts(processes, spec, source)
  checkReplication(spec, processes, source)

  return {
    name: spec.name,
    specFile: source.file,
    dataDir,
    runDir,
    socketPath: socketPathFor(runDir, 'seaweedctl.sock'),
    logDir,
    configDir,
    weedVersion: spec.weed.version,
    replication: spec.master.defaultReplication,
    supervise: {...spec.supervise},
    logs: {...spec.logs},
    processes,
    endpoints: {
      master: masterUrls[0],
      ...(filerPorts.length > 0 ? {filer: `http://${ip}:${filerPorts[0]}`} : {}),
      ...(spec.s3.count > 0 ? {s3: `http://${ip}:${spec.s3.port + offset}`} : {}),
    },
    ...(s3 ? {s3} : {}),
    directories: [dataDir, runDir, logDir, configDir, ...processes.map((p) => p.dataDir)],
  }
}

function s3PlanOf(spec: ClusterSpec, runDir: string, source: SpecSource, version: WeedVersion): S3Plan {
  const s = spec.s3
  const dir = join(runDir, 's3')
  if (Boolean(s.accessKey) !== Boolean(s.secretKeyFile)) {
    throw badPlan('SPEC_RANGE', `s3.accessKey and s3.secretKeyFile go together; only ${s.accessKey ? 's3.accessKey' : 's3.secretKeyFile'} is set.`, source, s.accessKey ? 's3.accessKey' : 's3.secretKeyFile', ['Set both, or neither (then a key is generated once per cluster)'])
  }
  const names = new Set<string>(['admin', 'anonymous'])
  s.identities.forEach((identity, i) => {
    const key = `s3.identities[${i}]`
    if (!identity.name) throw badPlan('SPEC_RANGE', `${key} needs a name.`, source, key)
    if (names.has(identity.name)) throw badPlan('SPEC_RANGE', `${key}.name "${identity.name}" is taken (admin and anonymous are reserved, names are unique).`, source, key)
    if (identity.actions.length === 0) throw badPlan('SPEC_RANGE', `${key} (${identity.name}) has no actions; e.g. actions: [Read, List].`, source, key)
    checkActions(identity.actions, `${key}.actions`, spec.weed.version, version, source)
    if (Boolean(identity.accessKey) !== Boolean(identity.secretKeyFile)) throw badPlan('SPEC_RANGE', `${key}: accessKey and secretKeyFile go together.`, source, key)
    names.add(identity.name)
  })
  return {
    region: s.region,
    buckets: [...new Set(s.buckets)],
    dir,
    credentialsFile: join(dir, 'credentials.json'),
    configFile: join(dir, 's3.json'),
    configDir: join(dir, 'conf'),
    securityFile: join(dir, 'conf', 'security.toml'),
    ...(s.sse.kekFile ? {kekFile: s.sse.kekFile} : {}),
    ...(s.accessKey ? {accessKey: {accessKeyId: s.accessKey, secretKeyFile: s.secretKeyFile}} : {}),
    identities: s.identities.map((i) => ({name: i.name, actions: [...i.actions], ...(i.accessKey ? {accessKeyId: i.accessKey, secretKeyFile: i.secretKeyFile} : {})})),
    ...(s.config ? {importConfig: s.config} : {}),
    anonymousRead: [...s.anonymousRead],
  }
}

/** Every action must be one the weed version knows: weed itself would take an unknown one and never match it. */
function checkActions(actions: string[], key: string, versionText: string, version: WeedVersion, source: SpecSource): void {
  const known = identityActions(version)
  actions.forEach((action, j) => {
    const name = actionName(action)
    if (known.includes(name)) return
    const suggestion = closest(name, known)
    const tail = action.slice(name.length)
    throw badPlan('SPEC_RANGE', `${key}[${j}]: weed ${versionText} knows no S3 action "${name}".`, source, `${key}[${j}]`, [
      suggestion ? `Did you mean "${suggestion}${tail}"?` : `weed ${versionText} knows: ${known.join(', ')}`,
      ...(suggestion ? [`weed ${versionText} knows: ${known.join(', ')}`] : []),
    ], {action, known})
  })
}

/**
 * The address volume-`index` advertises and binds. weed treats an IP as a machine: it never moves a replica onto
 * an IP that already holds one (volumeServer.evacuate's anti-affinity), so servers sharing 127.0.0.1 could never
 * drain replicated volumes. On Linux all of 127.0.0.0/8 reaches `lo`, so when the cluster binds IPv4 loopback
 * volume-i gets 127.0.0.(i+1): distinct, derived from the identity alone (the same after any scale cycle or
 * restart), and clear of 127.0.0.1 where the masters, filers and gateways listen. Any other bind is kept.
 */
export function volumeHost(bind: string, index: number): string {
  if (!/^127\.\d+\.\d+\.\d+$/.test(bind)) return bind
  const n = index + 1
  // Past 254 servers continue in 127.0.1.x (never .0 or .255 in the last octet).
  const [high, low] = [Math.floor((n - 1) / 254), ((n - 1) % 254) + 1]
  return `127.0.${high}.${low}`
}

/** Racks round-robin over servers, data centers round-robin over racks: volume-1 dc1/rack1, volume-2 dc1/rack2… */
export function placementOf(index: number, racks: number, dataCenters: number): {dataCenter: string; rack: string} {
  const rack = index % racks
  return {dataCenter: `dc${(rack % dataCenters) + 1}`, rack: `rack${rack + 1}`}
}

function flagsVersion(text: string): WeedVersion {
  const parsed = parseVersionString(text) ?? NEWEST_KNOWN
  return compareVersions(parsed, NEWEST_KNOWN) > 0 ? NEWEST_KNOWN : parsed
}

function checkSizing(spec: ClusterSpec, source: SpecSource): void {
  if (spec.volume.racks > spec.volume.count) {
    throw badPlan('SPEC_RANGE', `volume.racks is ${spec.volume.racks} but there are only ${spec.volume.count} volume servers; a rack needs at least one.`, source, 'volume.racks')
  }
  if (spec.volume.dataCenters > spec.volume.racks) {
    throw badPlan('SPEC_RANGE', `volume.dataCenters is ${spec.volume.dataCenters} but there are only ${spec.volume.racks} racks; a data center needs at least one.`, source, 'volume.dataCenters')
  }
  if (spec.s3.count > 0 && spec.filer.count === 0) {
    throw badPlan('SPEC_RANGE', `s3.count is ${spec.s3.count} but filer.count is 0; an S3 gateway stores through a filer.`, source, 's3.count', ['Set filer.count to 1 or more'])
  }
}

/**
 * The extra flags of each process: its kind's `args`, then its own (`processes[]`), each list checked against
 * the weed's flags. Every problem is reported at once, each at its entry's file:line:col.
 */
function extraArgsOf(spec: ClusterSpec, source: SpecSource, flags: WeedFlags | undefined): (kind: ProcessKind, name: string) => string[] {
  const problems = KINDS.flatMap((kind) => checkArgs(spec[kind].args, kind, `${kind}.args`, flags, spec.metrics.enabled))
  const counts: Record<ProcessKind, number> = {master: spec.master.count, volume: spec.volume.count, filer: spec.filer.count, s3: spec.s3.count}
  const named = new Map<string, number>()
  spec.processes.forEach((entry, i) => {
    const key = `processes[${i}]`
    const [kind, index] = [entry.name.replace(/-\d+$/, '') as ProcessKind, Number(entry.name.replace(/^.*-/, ''))]
    if (named.has(entry.name)) problems.push({key: `${key}.name`, message: `${key}.name "${entry.name}" is already processes[${named.get(entry.name)}]`, hint: 'one entry per process'})
    else if (index > counts[kind]) problems.push({key: `${key}.name`, message: `${key}.name "${entry.name}" is no process of this plan (${kind}.count is ${counts[kind]})`, hint: 'seaweedctl cluster plan lists the processes'})
    named.set(entry.name, i)
    problems.push(...checkArgs(entry.args, kind, `${key}.args`, flags, spec.metrics.enabled))
  })
  if (problems.length > 0) {
    const where = (key: string) => {
      const at = source.positions.get(key)
      return source.file && at ? `${source.file}:${at.line}:${at.column}  ` : ''
    }
    const [first] = problems
    const at = source.positions.get(first.key)
    throw new SeaweedctlError('SPEC_WEED_ARG', `${problems.map((p) => `${where(p.key)}${p.message}${p.hint ? `\n       ${p.hint}` : ''}`).join('\n')}\nNothing was changed.`, {
      data: {
        key: first.key, ...(source.file && at ? {file: source.file, line: at.line, column: at.column} : {}),
        ...(flags ? {weedVersion: flags.table.version} : {}),
        problems: problems.map((p) => ({key: p.key, message: p.message, hint: p.hint, ...source.positions.get(p.key)})),
      },
    })
  }
  const own = new Map(spec.processes.map((e) => [e.name, e.args]))
  return (kind, name) => mergeArgs(spec[kind].args, own.get(name) ?? [])
}

const KINDS: readonly ProcessKind[] = ['master', 'volume', 'filer', 's3']

/** `-electionTimeout=2s` → `electionTimeout`. */
const flagNameOf = (arg: string): string => arg.replace(/^-+/, '').split('=')[0]

function checkPorts(processes: ProcessPlan[], spec: ClusterSpec, source: SpecSource): void {
  const at = (p: ProcessPlan) => (spec.portOffset > 0 ? 'portOffset' : `${p.kind}.port`)
  for (const p of processes) {
    if (p.ports.http > MAX_HTTP_PORT) {
      throw badPlan('PLAN_PORT_RANGE', `${p.name} would listen on port ${p.ports.http}, above ${MAX_HTTP_PORT} (its gRPC port ${p.ports.grpc} must stay ≤ 65535).`, source, at(p), ['Use a smaller portOffset or base port'], {port: p.ports.http, process: p.name})
    }
  }
  const owner = new Map<number, {name: string; what: string}>()
  for (const p of processes) {
    for (const [what, port] of portsOf(p)) {
      const other = owner.get(port)
      if (other) {
        throw badPlan('PLAN_PORT_COLLISION', `port ${port} is used twice: by ${other.name} (${other.what}) and as the ${what} port of ${p.name}. HTTP, gRPC and metrics ports come together (gRPC = HTTP + ${GRPC_DELTA}, metrics = HTTP + ${METRICS_DELTA}).`, source, `${p.kind}.port`, ['Move one kind\'s base port so the ranges do not overlap'], {port, processes: [other.name, p.name]})
      }
      owner.set(port, {name: p.name, what})
    }
  }
}

/** Every port a process listens on, with what it is for (HTTP, gRPC, metrics). */
export function portsOf(p: Pick<ProcessPlan, 'ports'>): Array<['HTTP' | 'gRPC' | 'metrics', number]> {
  return [['HTTP', p.ports.http], ['gRPC', p.ports.grpc], ...(p.ports.metrics === undefined ? [] : [['metrics', p.ports.metrics] as ['metrics', number]])]
}

function checkReplication(spec: ClusterSpec, processes: ProcessPlan[], source: SpecSource): void {
  const placements = processes.filter((p) => p.placement).map((p) => p.placement!)
  const reason = unplaceableReason(spec.master.defaultReplication, topologyOf(placements))
  if (!reason) return
  const need = minimalSizing(spec.master.defaultReplication)
  const flags = [`--volumes ${Math.max(need.volumes, spec.volume.count)}`]
  if (need.racks > 1) flags.push(`--racks ${need.racks}`)
  if (need.dataCenters > 1) flags.push(`--data-centers ${need.dataCenters}`)
  throw badPlan('PLAN_REPLICATION', reason, source, 'master.defaultReplication', [`Try: seaweedctl up ${flags.join(' ')} --replication ${spec.master.defaultReplication}`], {replication: spec.master.defaultReplication})
}

function badPlan(code: 'SPEC_RANGE' | 'PLAN_PORT_RANGE' | 'PLAN_PORT_COLLISION' | 'PLAN_REPLICATION', message: string, source: SpecSource, key: string, hints: string[] = [], data: Record<string, unknown> = {}): SeaweedctlError {
  const at = source.positions.get(key)
  const where = source.file && at ? `${source.file}:${at.line}:${at.column}  ` : ''
  return new SeaweedctlError(code, `${where}${message}`, {hints, data: {...data, ...(source.file && at ? {file: source.file, line: at.line, column: at.column} : {})}})
}

export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === 'localhost' || address === '::1'
}

function range(n: number): number[] {
  return Array.from({length: n}, (_, i) => i)
}
