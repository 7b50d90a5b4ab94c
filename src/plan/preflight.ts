import {accessSync, constants, existsSync, readdirSync, readFileSync, readlinkSync, statSync} from 'node:fs'
import {isIP} from 'node:net'
import {networkInterfaces} from 'node:os'
import {dirname, relative} from 'node:path'

import {SeaweedctlError} from '../lib/errors.js'
import type {SpecSource} from '../clusterfile/schema.js'
import {portsOf} from './planner.js'
import {kekFileProblem} from '../s3/sse-key.js'
import type {Plan} from './types.js'

/** A listening TCP socket on this machine, from /proc/net/tcp{,6}. */
export interface Listener {
  /** The local address it is bound to: "127.0.0.3", "0.0.0.0", "::", "::1", "::ffff:127.0.0.1". */
  address: string
  port: number
  inode: number
}

/** Listening TCP ports, read from /proc (fast, and no probe connection that a server would log). */
export function listeningPorts(): Listener[] {
  const out: Listener[] = []
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    out.push(...parseProcNetTcp(text))
  }
  return out
}

/** The LISTEN rows of a /proc/net/tcp or tcp6 table. */
export function parseProcNetTcp(text: string): Listener[] {
  const out: Listener[] = []
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/)
    if (cols.length < 10 || cols[3] !== '0A') continue // 0A = LISTEN
    const [hexAddress, hexPort] = cols[1].split(':')
    out.push({address: decodeProcAddress(hexAddress), port: Number.parseInt(hexPort, 16), inode: Number(cols[9])})
  }
  return out
}

/** /proc writes addresses as 32-bit words in host (little-endian) byte order: 0100007F is 127.0.0.1. */
function decodeProcAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? []
  const bytes = words.flatMap((w) => [6, 4, 2, 0].map((i) => Number.parseInt(w.slice(i, i + 2), 16)))
  if (bytes.length === 4) return bytes.join('.')
  const isMapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff
  if (isMapped) return `::ffff:${bytes.slice(12).join('.')}`
  const groups = Array.from({length: 8}, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16))
  // Only the two addresses that matter here are compressed; any other is written out in full.
  if (groups.slice(0, 7).every((g) => g === '0')) return groups[7] === '0' ? '::' : `::${groups[7]}`
  return groups.join(':')
}

/**
 * Whether a listener keeps `host` from binding its port: one on the same address, or on a wildcard
 * (0.0.0.0, ::). A host that is a name rather than an IP could be any address: every listener counts.
 */
export function blocks(listener: Listener, host: string): boolean {
  if (!/^[\d.]+$/.test(host) && !host.includes(':')) return true
  const address = listener.address.replace(/^::ffff:/, '')
  return address === host || address === '0.0.0.0' || address === '::'
}

/** The first listener that keeps `host` from binding `port`. */
export function blockerOf(listeners: Listener[], host: string, port: number): Listener | undefined {
  return listeners.find((l) => l.port === port && blocks(l, host))
}

/** "pid 1234 (nginx)" for the process holding a socket inode, when we may look (best effort). */
export function socketHolder(inode: number): {pid: number; command: string} | undefined {
  const target = `socket:[${inode}]`
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${entry}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${entry}/fd/${fd}`) === target) {
          const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ')
          return {pid: Number(entry), command}
        }
      } catch {
        // the process or fd went away: keep looking
      }
    }
  }
  return undefined
}

/**
 * Where the kernel takes the local port of an outgoing connection (Linux: ip_local_port_range), less the ports it
 * keeps out of that (ip_local_reserved_ports). A listener planned inside can find its port held by any client's
 * connection the moment it starts or restarts.
 */
export interface EphemeralRange {
  low: number
  high: number
  /** Inclusive [from, to] pairs. */
  reserved: Array<[number, number]>
}

/** This machine's ephemeral range, or undefined where /proc does not say (not Linux). */
export function ephemeralRange(procSys = '/proc/sys/net/ipv4'): EphemeralRange | undefined {
  let low: number
  let high: number
  try {
    ;[low, high] = readFileSync(`${procSys}/ip_local_port_range`, 'utf8').trim().split(/\s+/).map(Number)
  } catch {
    return undefined
  }
  if (!Number.isInteger(low) || !Number.isInteger(high)) return undefined
  let reserved = ''
  try {
    reserved = readFileSync(`${procSys}/ip_local_reserved_ports`, 'utf8')
  } catch {
    // older kernels have no reserved list
  }
  return {low, high, reserved: parseReservedPorts(reserved)}
}

/** "8080,9000-9100\n" → [[8080, 8080], [9000, 9100]]. */
export function parseReservedPorts(text: string): Array<[number, number]> {
  return text.trim().split(',').filter(Boolean).map((part) => {
    const [from, to = from] = part.split('-').map(Number)
    return [from, to] as [number, number]
  }).filter(([from, to]) => Number.isInteger(from) && Number.isInteger(to))
}

/** Whether an outgoing connection could be given `port` as its local port. */
export function isEphemeral(port: number, range: EphemeralRange): boolean {
  return port >= range.low && port <= range.high && !range.reserved.some(([from, to]) => port >= from && port <= to)
}

export interface PreflightOptions {
  /** Ports that may be listening because our own running processes hold them. */
  ownPorts?: Set<number>
  /** Where the spec's values are written, to name file:line:col in a refusal. */
  source?: SpecSource
  /** This machine's addresses (default: its network interfaces'). */
  addresses?: string[]
  /** This machine's ephemeral port range (default: read from /proc; null: none). */
  ephemeral?: EphemeralRange | null
}

/** Every address of this machine's network interfaces. */
export function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flat().map((i) => i?.address).filter((a): a is string => Boolean(a))
}

/** Whether `host` is an address of this machine; a name other than localhost is not judged here (undefined). */
export function isLocalAddress(host: string, addresses: string[]): boolean | undefined {
  if (host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)) return true
  if (isIP(host) === 0) return undefined
  return addresses.includes(host)
}

function at(source: SpecSource | undefined, key: string): string {
  const position = source?.positions.get(key)
  return source?.file ? `${relative(process.cwd(), source.file) || source.file}${position ? `:${position.line}:${position.column}` : ''}: ` : ''
}

/** The spec's facts about this machine: `bind` is one of its addresses, and a file it names exists. */
function machineFacts(plan: Plan, options: PreflightOptions): void {
  const addresses = options.addresses ?? localAddresses()
  for (const host of new Set(plan.processes.map((p) => p.host))) {
    if (isLocalAddress(host, addresses) !== false) continue
    throw new SeaweedctlError('BIND_NOT_LOCAL', `${at(options.source, 'bind')}bind ${host} is not an address of this machine, so no process could listen on it. Nothing was changed.`, {
      hints: [`Addresses of this machine: ${addresses.join(', ')} (any 127.x.y.z works too)`, 'Set bind to one of them (127.0.0.1 keeps the cluster on this machine)'],
      data: {bind: host, addresses},
    })
  }
  const s3 = plan.s3
  const files: Array<[string, string | undefined, string]> = [
    ['s3.config', s3?.importConfig, 'an existing weed s3.json, or "" for none'],
    ['s3.secretKeyFile', s3?.accessKey?.secretKeyFile, 'a file holding the secret key'],
    ...(s3?.identities ?? []).map((i, n): [string, string | undefined, string] => [`s3.identities[${n}].secretKeyFile`, i.secretKeyFile, 'a file holding the secret key']),
  ]
  for (const [key, path, what] of files) {
    if (!path || isReadableFile(path)) continue
    throw new SeaweedctlError('CONFIG_NOT_FOUND', `${at(options.source, key)}${key} names ${path}, which is not a readable file. Nothing was changed.`, {
      hints: [`Point ${key} at ${what} (a relative path is relative to seaweed.yaml)`],
      data: {key, path},
    })
  }
}

/** Every port about to be bound lies outside the ephemeral range; ports our running processes hold are theirs already. */
function outsideEphemeralRange(plan: Plan, options: PreflightOptions): void {
  const range = options.ephemeral === undefined ? ephemeralRange() : options.ephemeral
  if (!range) return
  const planned = plan.processes.flatMap((p) => portsOf(p).map(([what, port]) => ({p, what, port}))).filter(({port}) => !options.ownPorts?.has(port))
  const inside = planned.filter(({port}) => isEphemeral(port, range)).sort((a, b) => a.port - b.port)
  if (inside.length === 0) return
  const {p, what, port} = inside[0]
  const key = options.source?.positions.has('portOffset') ? 'portOffset' : `${p.kind}.port`
  const highest = Math.max(...planned.map((x) => x.port))
  const lowest = Math.min(...planned.map((x) => x.port))
  const down = highest - range.low + 1
  throw new SeaweedctlError('PORT_EPHEMERAL', `${at(options.source, key)}port ${port} (${what} of ${p.name}) is in this machine's ephemeral port range, ${range.low}-${range.high} (/proc/sys/net/ipv4/ip_local_port_range), where the kernel picks the local port of every outgoing connection: one could hold it when ${p.name} starts or restarts, and ${p.name} would fail with "address already in use". Nothing was changed.`, {
    hints: [
      ...(lowest - down >= 1024 ? [`Move the ports down by at least ${down}: a portOffset ${down} lower (or lower base ports), so the highest, ${highest}, ends below ${range.low}`] : []),
      `Or keep connections off them: sysctl -w net.ipv4.ip_local_reserved_ports=${port}-${inside.at(-1)!.port} (as root; the value replaces the list the machine has; put it in /etc/sysctl.d to keep it)`,
    ],
    data: {port, process: p.name, what, range: [range.low, range.high]},
  })
}

function isReadableFile(path: string): boolean {
  try {
    accessSync(path, constants.R_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/**
 * Facts about this machine that make a plan impossible, checked before anything starts:
 * a plan port already listening, a directory that cannot be created or written.
 */
export function preflight(plan: Plan, options: PreflightOptions = {}): void {
  machineFacts(plan, options)
  outsideEphemeralRange(plan, options)
  const listening = listeningPorts()
  for (const p of plan.processes) {
    for (const [what, port] of portsOf(p)) {
      if (options.ownPorts?.has(port)) continue
      const listener = blockerOf(listening, p.host, port)
      if (!listener) continue
      const holder = socketHolder(listener.inode)
      const by = holder ? ` by pid ${holder.pid} (${truncate(holder.command, 80)})` : ''
      throw new SeaweedctlError('PORT_IN_USE', `port ${p.host}:${port} (${what} of ${p.name}) is already in use${listener.address === p.host ? '' : ` (a listener on ${listener.address})`}${by}. Nothing was changed.`, {
        hints: ['Stop that program, or shift this cluster\'s ports with --port-offset N (portOffset in seaweed.yaml)'],
        data: {port, address: p.host, process: p.name, ...(holder ? {holderPid: holder.pid, holder: holder.command} : {})},
      })
    }
  }
  const kekProblem = plan.s3?.kekFile ? kekFileProblem(plan.s3.kekFile) : undefined
  if (kekProblem) {
    throw new SeaweedctlError('SPEC_RANGE', `s3.sse.kekFile: ${kekProblem}. Nothing was changed.`, {
      hints: ['Or remove s3.sse.kekFile: a key is then made once per cluster in the run directory (0600)'],
      data: {path: plan.s3!.kekFile},
    })
  }
  for (const dir of plan.directories) {
    const problem = writableProblem(dir)
    if (problem) {
      throw new SeaweedctlError('DIR_NOT_WRITABLE', `${dir}: ${problem}. Nothing was changed.`, {
        hints: ['Choose another dataDir (--data-dir), or fix the permissions'],
        data: {path: dir},
      })
    }
  }
}

/** Why `dir` cannot be used (created if missing, then written), or undefined if it can. */
export function writableProblem(dir: string): string | undefined {
  let current = dir
  while (!existsSync(current)) {
    const parent = dirname(current)
    if (parent === current) return 'no existing parent directory'
    current = parent
  }
  try {
    if (!statSync(current).isDirectory()) return current === dir ? 'exists but is not a directory' : `${current} is not a directory`
    accessSync(current, constants.W_OK | constants.X_OK)
  } catch {
    return current === dir ? 'not writable' : `cannot be created: ${current} is not writable`
  }
  return undefined
}

function truncate(text: string, n: number): string {
  text = text.replace(/\s+/g, ' ')
  return text.length > n ? `${text.slice(0, n - 1)}…` : text
}
