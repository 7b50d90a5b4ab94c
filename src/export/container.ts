import {GRPC_DELTA, METRICS_DELTA} from '../plan/planner.js'
import type {Plan, ProcessKind, ProcessPlan} from '../plan/types.js'

/** Inside a container a process keeps its data here (a named volume or a PersistentVolumeClaim). */
export const CONTAINER_DATA_DIR = '/data'

/** Open files a weed process may hold (systemd LimitNOFILE=, Compose ulimits: nofile). */
export const OPEN_FILES_LIMIT = 65536

/** An S3 gateway keeps no data of its own: no volume, no claim. */
export function stateful(kind: ProcessKind): boolean {
  return kind !== 's3'
}

export interface ContainerAddressing {
  /** The address other containers reach `process` at (compose service name, k8s pod DNS name). */
  hostOf: (process: ProcessPlan) => string
  /** The port `process` listens on inside its container. */
  portOf: (process: ProcessPlan) => number
  /** What this process advertises with -ip (may be a $(VAR) reference for Kubernetes). */
  selfHost: string
  /** What a volume server advertises with -publicUrl (default selfHost:port). */
  publicUrl?: string
}

const DATA_FLAGS = new Set(['-mdir', '-dir', '-defaultStoreDir'])
/**
 * Flags that do not leave the machine: host paths with no meaning in a container (config and sockets stay
 * inside it), and -volume.allowUntrustedRemoteEndpoints, which the planner adds only because local peers are
 * loopback addresses: in a container network it would let a volume server fetch from loopback and
 * link-local endpoints (169.254.169.254, the cloud metadata service) it otherwise refuses.
 */
export const LOCAL_ONLY_FLAGS = new Set(['-config_dir', '-localSocket', '-volume.allowUntrustedRemoteEndpoints'])
const ADDRESS_LIST_FLAGS = new Set(['-master', '-mserver', '-peers', '-filer'])

/**
 * The plan's weed arguments for a container: the same flags, with host paths replaced by /data, the loopback
 * address by the container's own name (bound on every interface of its network namespace), and peer
 * addresses by their container names.
 */
export function containerArgs(plan: Plan, p: ProcessPlan, addressing: ContainerAddressing): string[] {
  const byAddress = new Map(plan.processes.map((q) => [`${ipOf(q)}:${q.ports.http}`, q]))
  const port = addressing.portOf(p)
  const out: string[] = []
  for (const arg of p.args) {
    const eq = arg.indexOf('=')
    const flag = eq > 0 ? arg.slice(0, eq) : arg
    const value = eq > 0 ? arg.slice(eq + 1) : ''
    if (LOCAL_ONLY_FLAGS.has(flag)) continue
    if (DATA_FLAGS.has(flag)) out.push(`${flag}=${CONTAINER_DATA_DIR}`)
    else if (flag === '-ip') out.push(`-ip=${addressing.selfHost}`)
    else if (flag === '-ip.bind') out.push('-ip.bind=0.0.0.0')
    else if (flag === '-port') out.push(`-port=${port}`)
    else if (flag === '-port.grpc') out.push(`-port.grpc=${port + GRPC_DELTA}`)
    else if (flag === '-metricsPort') out.push(`-metricsPort=${port + METRICS_DELTA}`)
    // Scraped from outside the container: on every interface of its network namespace, as -ip.bind.
    else if (flag === '-metricsIp') out.push('-metricsIp=0.0.0.0')
    else if (flag === '-publicUrl') out.push(`-publicUrl=${addressing.publicUrl ?? `${addressing.selfHost}:${port}`}`)
    else if (ADDRESS_LIST_FLAGS.has(flag) && value !== 'none') {
      const mapped = value.split(',').map((address) => {
        const target = byAddress.get(address)
        if (!target) throw new Error(`${p.name}: ${flag} names ${address}, which is no process of the plan`)
        return `${addressing.hostOf(target)}:${addressing.portOf(target)}`
      })
      out.push(`${flag}=${mapped.join(',')}`)
    } else out.push(arg)
  }
  return out
}

/** The advertised -ip of a process (S3 gateways have only -ip.bind). */
export function ipOf(p: ProcessPlan): string {
  const arg = p.args.find((a) => a.startsWith('-ip=')) ?? p.args.find((a) => a.startsWith('-ip.bind='))
  return arg ? arg.slice(arg.indexOf('=') + 1) : '127.0.0.1'
}

/** The readiness endpoint of a kind, as a path (the same endpoints the supervisor probes). */
export const READY_PATH = {master: '/cluster/status', volume: '/status', filer: '/healthz', s3: '/status'} as const

/** A shell test that the master knows its leader: /cluster/status always answers 200, so look inside. */
export function masterLeaderCheck(port: number): string {
  return `wget -q -T 5 -O - http://127.0.0.1:${port}/cluster/status | grep -q '"Leader"'`
}

/** Directories a process needs before weed starts: its data, the shared config dir, its local socket's dir. */
export function processDirectories(plan: Plan, p: ProcessPlan): string[] {
  const socket = p.args.find((a) => a.startsWith('-localSocket='))
  const socketDir = socket ? socket.slice('-localSocket='.length).replace(/\/[^/]*$/, '') : undefined
  return [...new Set([p.dataDir, plan.configDir, ...(socketDir ? [socketDir] : [])])]
}
