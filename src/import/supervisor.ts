import {dirname, isAbsolute, relative, resolve, sep} from 'node:path'

import {SeaweedctlError} from '../lib/errors.js'
import {isLoopback, ONE_HOST_ELECTION_TIMEOUT, placementOf} from '../plan/planner.js'
import {localAddresses} from '../plan/preflight.js'
import {minimalSizing, topologyOf, unplaceableReason} from '../plan/replication.js'
import type {ProcessKind} from '../plan/types.js'
import {defaultRaw} from '../clusterfile/load.js'
import {type IniDocument, type IniSection, shortPath} from './ini.js'
import {carriedByBehaviour, checkMasterAddress, expandProgram, indexOf, PROGRAM_KEY_REASON, ports, WEED_DEFAULT_MAX, WEED_DEFAULT_PORT, WEED_DEFAULT_PRESTOP, type WeedProcess} from './programs.js'
import {type ImportNote, NAME_PATTERN, type Note, noteOwnSection} from './report.js'
import {extraArgsOf, type UnmodelledFlags} from './extra-args.js'
import type {WeedFlags} from '../plan/weed-flags.js'

/**
 * A supervisord config's weed processes (programs.ts) as one seaweed.yaml: the name, bind address, each kind's
 * count, ports and settings, the data directory, supervision and logs, and flags kept as args; with a note
 * (report.ts) for everything changed or dropped on the way.
 */

const SPEC_MAX_VOLUME_SIZE_MB = 30_000

export interface ImportedCluster {
  name: string
  masters: number
  volumes: number
  filers: number
  s3: number
  replication: string
  bind: string
  dataDir: string
  ports: {master: number; volume: number; filer: number; s3: number}
}

export interface Conversion {
  /** YAML-level values for seaweed.yaml (dataDir still absolute). */
  raw: Record<string, any>
  notes: ImportNote[]
  cluster: ImportedCluster
}

/** Turn a parsed supervisord config into seaweed.yaml values and a report. Pure apart from the host name. */
export function convertSupervisorConfig(doc: IniDocument, options: {name?: string; env?: NodeJS.ProcessEnv; localAddresses?: string[]; weedFlags?: WeedFlags} = {}): Conversion {
  const notes: ImportNote[] = []
  const at = (s: IniSection, line = s.line, file = s.file) => `${shortPath(file)}:${line} [${s.name}]`
  const note: Note = (severity, where, message) => notes.push({severity, where, message})
  for (const p of doc.problems) note('mistake', `${shortPath(p.file)}:${p.line}`, p.message)

  const envVars: Record<string, string> = {}
  for (const [k, v] of Object.entries(options.env ?? process.env)) if (v !== undefined) envVars[`ENV_${k}`] = v

  const processes: WeedProcess[] = []
  const programs: Array<{section: IniSection; processes: WeedProcess[]}> = []
  let identifier: string | undefined
  const groups: IniSection[] = []

  for (const section of doc.sections) {
    if (section.name.startsWith('program:')) {
      programs.push({section, processes: expandProgram(section, envVars, note, at)})
      processes.push(...programs.at(-1)!.processes)
    } else if (section.name.startsWith('group:')) groups.push(section)
    else {
      if (section.name === 'supervisord') identifier = section.entries.find((e) => e.key === 'identifier')?.value
      noteOwnSection(section, at, note)
    }
  }

  if (processes.length === 0) {
    throw new SeaweedctlError('IMPORT_NO_WEED', `${doc.files.map(shortPath).join(', ')}: no [program] runs \`weed master|volume|filer|s3|server\`; nothing was written.`, {
      hints: ['Point at the file that holds the weed programs, or at the main config whose [include] names it'],
      data: {files: doc.files},
    })
  }

  // A group of programs of one kind is what seaweedctl does anyway (it groups by kind); a mixed one is not.
  for (const section of groups) {
    const members = (section.entries.find((e) => e.key === 'programs')?.value ?? '').split(',').map((m) => m.trim()).filter(Boolean)
    const kinds = new Set(members.flatMap((m) => programs.find((pr) => pr.section.name === `program:${m}`)?.processes.map((p) => p.kind) ?? ['?']))
    if (kinds.size !== 1 || kinds.has('?')) note('dropped', at(section), `group ${section.name.slice(6)} (${members.join(',')}): seaweedctl groups processes by kind (master, volume, filer, s3)`)
  }

  const byKind = (kind: ProcessKind) => processes.filter((p) => p.kind === kind)
  const masters = byKind('master')
  const volumes = byKind('volume')
  const filers = byKind('filer')
  const s3s = byKind('s3')
  const where = (p: WeedProcess) => `${shortPath(p.section.file)}:${p.line} [program:${p.program}] ${p.processName}`
  const flag = (p: WeedProcess, name: string) => {
    p.used.add(name)
    return p.flags.get(name)
  }
  const raw = defaultRaw() as Record<string, any>

  // name
  const name = options.name ?? (identifier && NAME_PATTERN.test(identifier) && identifier !== 'supervisor' ? identifier : undefined)
  if (name) raw.name = name

  // bind: the address every process advertises
  const ips = [...new Set(processes.map((p) => flag(p, 'ip') ?? flag(p, 'ip.bind')).filter((v): v is string => Boolean(v)))]
  for (const p of processes) flag(p, 'ip.bind')
  if (ips.length === 0) {
    note('changed', 'all programs', 'no -ip: weed would advertise an address it detects; seaweed.yaml binds 127.0.0.1')
  } else {
    const ip = ips[0]
    if (ip === '0.0.0.0') note('mistake', 'all programs', '-ip=0.0.0.0 breaks leader discovery; seaweed.yaml binds 127.0.0.1')
    else if (ip === 'localhost') {
      // A name is one address for every volume server; 127.0.0.1 gives each its own loopback IP, as `up` does.
      raw.bind = '127.0.0.1'
      note('changed', 'all programs', '-ip=localhost becomes bind: 127.0.0.1, so each volume server gets a loopback address of its own (weed treats an IP as a machine: on one shared address no replicated volume could be drained)')
    } else raw.bind = ip
    if (ips.length > 1) note('changed', 'all programs', `processes advertise different addresses (${ips.join(', ')}); seaweed.yaml uses ${raw.bind} for all`)
    if (!/^(127\.|localhost$|::1$)/.test(ip) && ip !== '0.0.0.0') {
      const local = options.localAddresses ?? localAddresses()
      if (local.includes(ip)) note('changed', 'all programs', `-ip=${ip} is kept as bind: ${ip}, an address of this machine (other machines can reach the cluster there; use 127.0.0.1 for a local one)`)
      else {
        raw.bind = '127.0.0.1'
        note('changed', 'all programs', `-ip=${ip} is no address of this machine (the config is for another host, or one host of a larger cluster); seaweed.yaml binds 127.0.0.1, the nearest cluster that runs here`)
      }
    }
  }

  // masters
  // One host of a larger cluster runs some of the masters (or none) and names all of them in -peers / -master:
  // the nearest local equivalent runs the whole raft group here.
  const peerCounts = masters.map((p) => p.flags.get('peers')).filter((v) => v && v !== 'none').map((v) => v!.split(',').length)
  const serverMasters = [...volumes, ...filers].map((p) => p.flags.get('master') ?? p.flags.get('mserver')).filter(Boolean).map((v) => v!.split(',').length)
  const named = Math.max(0, ...peerCounts, ...(masters.length === 0 ? serverMasters : []))
  const groupSize = named > masters.length && [3, 5].includes(named) ? named : masters.length
  if (groupSize !== masters.length) {
    note('changed', 'all programs', `${masters.length === 0 ? 'no master program here, but the servers name' : `${masters.length} master program${masters.length === 1 ? '' : 's'} here of`} a raft group of ${groupSize} masters (one host of a larger cluster); seaweed.yaml runs all ${groupSize} on this machine`)
  }
  const masterCount = groupSize === 0 ? 1 : groupSize
  if (![1, 3, 5].includes(masterCount)) {
    throw new SeaweedctlError('IMPORT_UNSUPPORTED', `${masters.length} master programs: a raft quorum needs 1, 3 or 5 masters; nothing was written.`, {data: {masters: masters.length}})
  }
  raw.master.count = masterCount
  if (masters.length === 0) {
    const address = [...volumes, ...filers].map((p) => p.flags.get('master') ?? p.flags.get('mserver')).find(Boolean)
    const port = Number(address?.split(',')[0].split(':')[1] ?? WEED_DEFAULT_PORT.master)
    if (groupSize === 0) note('changed', 'all programs', `no master program (the servers use ${address ?? 'the default localhost:9333'}); seaweed.yaml runs its own master on port ${port}`)
    raw.master.port = port
  } else raw.master.port = ports(masters, 'master', where, note).base
  const m = masters[0]
  if (m) {
    const replication = flag(m, 'defaultReplication')
    if (replication !== undefined) {
      if (/^\d{3}$/.test(replication)) raw.master.defaultReplication = replication
      else note('mistake', where(m), `-defaultReplication=${replication} is not three digits; seaweed.yaml uses 000`)
    }
    const size = flag(m, 'volumeSizeLimitMB')
    if (size === undefined) {
      raw.master.volumeSizeLimitMB = SPEC_MAX_VOLUME_SIZE_MB
      note('changed', where(m), `no -volumeSizeLimitMB: weed's default makes 30 GB volumes; seaweed.yaml sets ${SPEC_MAX_VOLUME_SIZE_MB} (its largest), and 1024 suits a test cluster`)
    } else if (Number(size) > SPEC_MAX_VOLUME_SIZE_MB) {
      raw.master.volumeSizeLimitMB = SPEC_MAX_VOLUME_SIZE_MB
      note('changed', where(m), `-volumeSizeLimitMB=${size} is above ${SPEC_MAX_VOLUME_SIZE_MB}; seaweed.yaml uses ${SPEC_MAX_VOLUME_SIZE_MB}`)
    } else raw.master.volumeSizeLimitMB = Number(size)
    for (const p of masters) {
      const peers = flag(p, 'peers')
      const count = peers === undefined || peers === 'none' ? 1 : peers.split(',').length
      if (count !== masterCount) note('mistake', where(p), `-peers lists ${count} master${count === 1 ? '' : 's'} but ${masterCount} master program${masterCount === 1 ? '' : 's'} exist; seaweed.yaml lists all of them`)
      // The other masters' settings: the same as the first one's, or reported.
      for (const [name, value] of [['defaultReplication', raw.master.defaultReplication], ['volumeSizeLimitMB', raw.master.volumeSizeLimitMB]] as const) {
        const own = flag(p, name)
        if (p !== m && own !== undefined && own !== String(value)) note('changed', where(p), `-${name}=${own} differs from ${m.processName}'s; seaweed.yaml uses ${value} for every master`)
      }
      flag(p, 'resumeState')
      flag(p, 'telemetry')
      // The plan's own election timeout for masters on one machine: nothing to carry over into args.
      if (p.flags.get('electionTimeout') === ONE_HOST_ELECTION_TIMEOUT) flag(p, 'electionTimeout')
      flag(p, 'mdir')
    }
  }
  const masterAddresses = new Set(masters.map((p) => `${p.flags.get('ip') ?? ''}:${p.flags.get('port') ?? WEED_DEFAULT_PORT.master}`))

  // volume servers
  if (volumes.length === 0) throw new SeaweedctlError('IMPORT_UNSUPPORTED', 'no volume server program; a cluster needs at least one. Nothing was written.', {data: {}})
  raw.volume.count = volumes.length
  raw.volume.port = ports(volumes, 'volume', where, note).base
  const v = volumes[0]
  const maxValues = [...new Set(volumes.map((p) => flag(p, 'max') ?? String(WEED_DEFAULT_MAX)))]
  const max = Number(maxValues[0].split(',')[0])
  raw.volume.max = Number.isInteger(max) && max >= 0 ? max : 0
  if (maxValues.length > 1) note('changed', where(v), `volume servers have different -max (${maxValues.join(', ')}); seaweed.yaml uses ${raw.volume.max} for all`)
  if (volumes.every((p) => !p.flags.has('max'))) note('changed', where(v), `no -max: weed's default is ${WEED_DEFAULT_MAX} volumes per server; seaweed.yaml keeps ${WEED_DEFAULT_MAX}`)
  const preStops = [...new Set(volumes.map((p) => Number(flag(p, 'preStopSeconds') ?? WEED_DEFAULT_PRESTOP)))]
  raw.volume.preStopSeconds = preStops[0]
  if (!v.flags.has('preStopSeconds')) note('changed', where(v), `no -preStopSeconds: weed's default ${WEED_DEFAULT_PRESTOP} s is kept (1-2 s is enough for a dev cluster)`)
  if (preStops.length > 1) note('changed', where(v), `different -preStopSeconds (${preStops.join(', ')}); seaweed.yaml uses ${preStops[0]}`)
  const racks = volumes.map((p) => flag(p, 'rack') ?? '')
  const dcs = volumes.map((p) => flag(p, 'dataCenter') ?? '')
  const rackKeys = volumes.map((_, i) => `${dcs[i]}/${racks[i]}`)
  raw.volume.racks = new Set(rackKeys).size
  raw.volume.dataCenters = new Set(dcs).size
  const expected = volumes.map((_, i) => placementOf(i, raw.volume.racks, raw.volume.dataCenters))
  const sameShape = volumes.every((_, i) => volumes.every((__, j) => (rackKeys[i] === rackKeys[j]) === (expected[i].rack === expected[j].rack && expected[i].dataCenter === expected[j].dataCenter)))
  if (!sameShape) note('changed', where(v), `volume servers are spread over ${raw.volume.racks} rack(s) and ${raw.volume.dataCenters} data center(s) in another pattern; seaweed.yaml assigns them round robin`)
  for (const p of volumes) {
    const dir = flag(p, 'dir')
    if (dir && dir.includes(',')) note('dropped', where(p), `-dir lists several directories (${dir}); seaweed.yaml gives each server one`)
    if (p.flags.has('mserver') && p === volumes.find((q) => q.program === p.program)) note('changed', where(p), '-mserver is the pre-4.00 name of -master (still accepted); seaweedctl passes the right one for the weed version')
    checkMasterAddress(p, flag(p, 'master') ?? flag(p, 'mserver'), masterAddresses, where, note)
    flag(p, 'publicUrl')
    // The planner adds it when every peer is loopback, and only then; anywhere else it is a hole.
    const untrusted = flag(p, 'volume.allowUntrustedRemoteEndpoints')
    if (untrusted === 'true' && !isLoopback(raw.bind)) {
      note('mistake', where(p), `-volume.allowUntrustedRemoteEndpoints=true on ${raw.bind}: the volume server accepts copies from loopback and link-local endpoints (169.254.169.254 is the cloud metadata service); not carried over (seaweedctl sets it only on a loopback cluster, whose peers are all loopback)`)
    }
  }

  // filers
  raw.filer.count = filers.length
  if (filers.length > 0) raw.filer.port = ports(filers, 'filer', where, note).base
  for (const p of filers) {
    checkMasterAddress(p, flag(p, 'master'), masterAddresses, where, note)
    flag(p, 'localSocket')
    const placement = p.flags.get('defaultReplicaPlacement')
    if (placement !== undefined) {
      p.used.add('defaultReplicaPlacement')
      note('dropped', where(p), `-defaultReplicaPlacement=${placement}: seaweed.yaml has one replication, the master's (${raw.master.defaultReplication})`)
    }
    if (flag(p, 's3') === 'true') {
      const port = Number(flag(p, 's3.port') ?? WEED_DEFAULT_PORT.s3)
      raw.s3.count += 1
      if (raw.s3.count === 1) raw.s3.port = port
      note('changed', where(p), `the filer's embedded S3 gateway (-s3, port ${port}) becomes a separate S3 gateway process`)
    }
  }
  const sharedStore = new Map<string, WeedProcess[]>()
  for (const p of filers) {
    const store = flag(p, 'defaultStoreDir') ?? p.cwd ?? p.entries.get('directory')?.value ?? '(supervisord\'s working directory)'
    sharedStore.set(store, [...(sharedStore.get(store) ?? []), p])
  }
  for (const [store, group] of sharedStore) {
    if (group.some((p) => p.flags.has('defaultStoreDir'))) continue
    note('mistake', where(group[0]), `no -defaultStoreDir: ${group.length > 1 ? `the filers ${group.map((p) => p.processName).join(', ')} all keep their` : 'the filer keeps its'} store (filerldb2) in the working directory ${store}${group.length > 1 ? ' (one store shared by several filers)' : ''}; seaweed.yaml gives each filer its own`)
  }

  // s3 gateways
  if (s3s.length > 0) {
    raw.s3.count += s3s.length
    raw.s3.port = ports(s3s, 's3', where, note).base
    for (const p of s3s) for (const f of ['filer', 'localSocket', 'port.iceberg', 'port.lance', 'ip.bind']) flag(p, f)
    // -config: weed's identities file. seaweedctl's own (run/s3/s3.json, made by `up` from its 0600 keys, or
    // s3-identities.json, written by its export) needs nothing in the spec: `up` makes the cluster's keys. Any
    // other becomes s3.config, so the same identities are served.
    const configs = [...new Set(s3s.map((p) => flag(p, 'config')).filter((c): c is string => Boolean(c) && !/\/(run\/s3\/s3|s3-identities)\.json$/.test(c!)))]
    if (configs.length > 0) raw.s3.config = configs[0]
    if (configs.length > 1) note('mistake', where(s3s[0]), `the S3 gateways use different identities files (${configs.join(', ')}); seaweed.yaml gives them all ${configs[0]}`)
  }

  // data directory: the common base of every process's data directory
  const dataDirs: Array<{p: WeedProcess; dir: string}> = []
  for (const p of processes) {
    const dir = p.kind === 'master' ? p.flags.get('mdir') : p.kind === 'volume' ? p.flags.get('dir')?.split(',')[0] : p.kind === 'filer' ? p.flags.get('defaultStoreDir') : undefined
    if (dir) dataDirs.push({p, dir: isAbsolute(dir) ? dir : resolve(p.cwd ?? p.entries.get('directory')?.value ?? '/', dir)})
    if (p.kind === 'filer') p.used.add('defaultStoreDir')
    if (p.kind === 'volume') p.used.add('dir')
  }
  const base = commonDir(dataDirs.map((d) => dirname(d.dir)))
  if (base && base !== '/') {
    raw.dataDir = base
    const moved = dataDirs.filter(({p, dir}) => dir !== `${base}/${p.kind}-${indexOf(processes, p)}`)
    if (moved.length > 0) {
      note('changed', 'data directories', `seaweedctl keeps process data in dataDir/<name>: ${moved.map(({p, dir}) => `${dir} → ${base}/${p.kind}-${indexOf(processes, p)}`).join(', ')}; existing data is not moved`)
    }
  } else {
    note('changed', 'data directories', `the programs keep no data directory under one common base${dataDirs.length > 0 ? ` (${dataDirs.map((d) => d.dir).join(', ')})` : ' (weed would use /tmp)'}; seaweed.yaml uses ./.seaweed next to it`)
  }

  // supervision and logs: from the program settings, when they agree
  const programSettings = programs.filter((pr) => pr.processes.length > 0)
  // Values set explicitly win over supervisord's defaults; disagreement is reported.
  const setting = (key: string, fallback: string) => {
    const explicit = programSettings.map((pr) => pr.processes[0].entries.get(key)?.value).filter((v): v is string => v !== undefined)
    const all = [...new Set(programSettings.map((pr) => pr.processes[0].entries.get(key)?.value ?? fallback))]
    return {value: explicit[0] ?? fallback, differ: all.length > 1, all}
  }
  const restart = setting('autorestart', 'unexpected')
  const autorestart = restart.value.toLowerCase()
  raw.supervise.restart = autorestart === 'true' ? 'always' : autorestart === 'false' ? 'never' : 'on-failure'
  if (restart.differ) note('changed', 'all programs', `programs use different autorestart values (${restart.all.join(', ')}); seaweed.yaml uses restart: ${raw.supervise.restart} for all`)
  const maxBytes = setting('stdout_logfile_maxbytes', '50MB')
  const bytes = supervisorBytes(maxBytes.value)
  if (bytes !== undefined && bytes >= 1024) raw.logs.maxBytes = formatBytes(bytes)
  else note('changed', 'all programs', `stdout_logfile_maxbytes=${maxBytes.value} cannot be used (0 means never rotate); seaweed.yaml rotates at ${raw.logs.maxBytes}`)
  const backups = setting('stdout_logfile_backups', '10')
  if (/^\d+$/.test(backups.value)) raw.logs.backups = Number(backups.value)
  if (maxBytes.differ || backups.differ) note('changed', 'all programs', `programs rotate logs differently (stdout_logfile_maxbytes ${maxBytes.all.join('/')}, stdout_logfile_backups ${backups.all.join('/')}); seaweed.yaml uses ${raw.logs.maxBytes} × ${raw.logs.backups} for all`)

  // what the programs did that seaweed.yaml does not hold
  const priorities = new Set(programSettings.map((pr) => pr.processes[0].entries.get('priority')?.value ?? '999'))
  if (programSettings.length > 1 && priorities.size === 1) {
    note('mistake', 'all programs', `every program has priority ${[...priorities][0]}, so supervisord starts them together: filers and volume servers race the master and sit in their retry loops; seaweedctl starts masters, volume servers, filers, S3 in order, each once the previous kind is ready`)
  }
  const unmodelled: UnmodelledFlags[] = []
  for (const {section, processes: procs} of programSettings) {
    const first = procs[0]
    const e = (k: string) => first.entries.get(k)?.value
    if (first.kind === 'volume') {
      const wait = Number(e('stopwaitsecs') ?? 10)
      const preStop = Number(first.flags.get('preStopSeconds') ?? WEED_DEFAULT_PRESTOP)
      if (wait <= preStop) note('mistake', at(section), `stopwaitsecs=${wait} is not longer than the volume server's -preStopSeconds (${preStop}): supervisord kills it with SIGKILL before it has flushed; seaweedctl waits preStopSeconds plus a drain margin`)
    }
    if (first.kind === 'filer' && Number(e('stopwaitsecs') ?? 10) <= 15) {
      note('mistake', at(section), `stopwaitsecs=${e('stopwaitsecs') ?? '10 (default)'}: a filer's graceful stop alone takes up to 15 s, so it is killed before it closes its store; seaweedctl allows 30 s`)
    }
    if (!first.global.has('logtostderr') && !first.global.has('logdir')) {
      note('mistake', at(section), 'weed runs without -logtostderr or -logdir: besides the captured output, glog writes files to /tmp, where several weed processes prune each other\'s logs; seaweedctl passes -logtostderr=true and rotates the captured output')
    }
    const dropped = [...first.entries.keys()].filter((k) => !['command', 'process_name', 'numprocs', 'numprocs_start', 'autorestart', 'stdout_logfile_maxbytes', 'stdout_logfile_backups'].includes(k) && !carriedByBehaviour(first, k, e(k)!, raw.dataDir, processes))
    if (dropped.length > 0) {
      note('dropped', at(section), dropped.map((k) => `${k}=${e(k)}${PROGRAM_KEY_REASON[k] ? ` (${PROGRAM_KEY_REASON[k]})` : ''}`).join('; '))
    }
    for (const p of procs) {
      const unused = [...p.flags.keys()].filter((k) => !p.used.has(k) && !['port', 'port.grpc', 'ip'].includes(k))
      const name = `${p.kind}-${byKind(p.kind).indexOf(p) + 1}`
      if (unused.length > 0) unmodelled.push({kind: p.kind, name, where: where(p), flags: new Map(unused.map((k) => [k, p.flags.get(k)!])), port: p.flags.get('port'), ip: p.flags.get('ip')})
      // -config_dir=dataDir/conf (for S3 gateways dataDir/run/s3/conf) is what seaweedctl passes itself.
      const ownConfigDir = p.kind === 's3' ? resolve(raw.dataDir, 'run', 's3', 'conf') : resolve(raw.dataDir, 'conf')
      // An exported gateway finds its security.toml (SSE-S3 KEK) beside the config: the cluster makes its own.
      const exportedConfigDir = p.kind === 's3' && p.global.has('config_dir') && resolve(dirname(p.section.file), p.global.get('config_dir')!) === dirname(resolve(p.section.file))
      if (exportedConfigDir) note('changed', where(p), `-config_dir=${p.global.get('config_dir')} (the gateway's security.toml, as seaweedctl exports it) is not carried: the cluster makes its own SSE-S3 key; to keep that one, put it in a 0600 file and name it in s3.sse.kekFile`)
      const globals = [...p.global.keys()].filter((k) => k !== 'logtostderr' && !(k === 'config_dir' && (exportedConfigDir || resolve(p.global.get(k)!) === ownConfigDir)))
      if (globals.length > 0) note('dropped', where(p), `global weed flags: ${globals.map((k) => `-${k}=${p.global.get(k)}`).join(' ')} (seaweedctl sets -logtostderr and -config_dir itself)`)
    }
  }

  const extra = extraArgsOf(unmodelled, options.weedFlags)
  for (const [kind, args] of Object.entries(extra.kindArgs)) raw[kind].args = args
  raw.processes = extra.processes
  for (const n of extra.notes) note(n.severity, n.where, n.message)

  fitTopology(raw, note)

  const cluster: ImportedCluster = {
    name: raw.name, masters: raw.master.count, volumes: raw.volume.count, filers: raw.filer.count, s3: raw.s3.count,
    replication: raw.master.defaultReplication, bind: raw.bind, dataDir: raw.dataDir,
    ports: {master: raw.master.port, volume: raw.volume.port, filer: raw.filer.port, s3: raw.s3.port},
  }
  return {raw, notes, cluster}
}

/**
 * The nearest topology the local plan can hold: one host of a larger cluster may run fewer volume servers than
 * its replication needs (e.g. one server, replication 001). Keep the replication, grow the servers, racks and
 * data centers to the smallest sizing that places it, and say so.
 */
function fitTopology(raw: Record<string, any>, note: Note): void {
  const replication: string = raw.master.defaultReplication
  const placements = (count: number, racks: number, dcs: number) => Array.from({length: count}, (_, i) => placementOf(i, racks, dcs))
  const reason = unplaceableReason(replication, topologyOf(placements(raw.volume.count, raw.volume.racks, raw.volume.dataCenters)))
  if (!reason) return
  const need = minimalSizing(replication)
  let sizing = {count: Math.max(raw.volume.count, need.volumes), racks: Math.max(raw.volume.racks, need.racks), dcs: Math.max(raw.volume.dataCenters, need.dataCenters)}
  sizing.racks = Math.min(sizing.racks, sizing.count)
  sizing.dcs = Math.min(sizing.dcs, sizing.racks)
  if (unplaceableReason(replication, topologyOf(placements(sizing.count, sizing.racks, sizing.dcs)))) sizing = {count: need.volumes, racks: need.racks, dcs: need.dataCenters}
  const before = `${raw.volume.count} volume server${raw.volume.count === 1 ? '' : 's'} in ${raw.volume.racks} rack${raw.volume.racks === 1 ? '' : 's'}, ${raw.volume.dataCenters} data center${raw.volume.dataCenters === 1 ? '' : 's'}`
  raw.volume.count = sizing.count
  raw.volume.racks = sizing.racks
  raw.volume.dataCenters = sizing.dcs
  note('changed', 'volume servers', `${reason.replace(/\.$/, '')} (${before} here: perhaps one host of a larger cluster); seaweed.yaml runs ${sizing.count} volume servers in ${sizing.racks} rack${sizing.racks === 1 ? '' : 's'} and ${sizing.dcs} data center${sizing.dcs === 1 ? '' : 's'}, the smallest local cluster that holds replication ${replication}`)
}

/** The deepest directory containing every one of `dirs`. */
export function commonDir(dirs: string[]): string | undefined {
  if (dirs.length === 0) return undefined
  const split = dirs.map((d) => resolve(d).split(sep))
  const out: string[] = []
  for (let i = 0; i < split[0].length; i++) {
    const part = split[0][i]
    if (split.every((s) => s[i] === part)) out.push(part)
    else break
  }
  return out.join(sep) || '/'
}

/** supervisord's byte sizes: a number, or with KB/MB/GB meaning powers of 1024. */
export function supervisorBytes(text: string): number | undefined {
  const match = /^(\d+)\s*(KB|MB|GB)?$/i.exec(text.trim())
  if (!match) return undefined
  const unit = {kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3}[(match[2] ?? '').toLowerCase() as 'kb'] ?? 1
  return Number(match[1]) * unit
}

/** A size as seaweed.yaml writes it: exact, in the largest unit that divides it. */
export function formatBytes(bytes: number): string | number {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['GB', 1000 ** 3], ['MB', 1000 ** 2], ['KiB', 1024], ['KB', 1000]] as const) {
    if (bytes % size === 0) return `${bytes / size}${unit}`
  }
  return bytes
}

export function relativeDataDir(dataDir: string, specFile: string): string {
  const rel = relative(dirname(resolve(specFile)), dataDir)
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? dataDir : `./${rel}`
}
