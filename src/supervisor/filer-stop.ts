import {spawnSync} from 'node:child_process'
import {connect} from 'node:net'

import type {ProcessPlan} from '../plan/types.js'

/**
 * A filer on SIGTERM stops its gRPC server gracefully, and that waits for every open stream, including the
 * filer's own subscription to its metadata (its meta aggregator subscribes to itself over loopback). So the
 * filer sits out weed's gRPC stop timeout (15 s in 4.48) before it flushes its metadata log and exits.
 *
 * Once the filer no longer accepts gRPC connections (it is past the point of taking new work), this resets the
 * client end of every loopback connection to its gRPC port, as `ss -K dst IP dport = :GRPC` does. The stream
 * ends, the graceful stop completes, and the filer flushes and exits normally: nothing is killed early.
 * Resetting sockets needs CAP_NET_ADMIN; without it nothing is reset and the filer takes its usual time.
 */
export type FilerStopOutcome = 'reset' | 'unprivileged' | 'exited' | 'still-listening' | 'no-ss'

export interface FilerStopDeps {
  /** False once the process is gone. */
  alive: () => boolean
  sleep?: (ms: number) => Promise<void>
  /** Runs `ss` (injectable for tests); returns exit status and stdout. */
  ss?: (args: string[]) => {status: number | null; stdout: string; error?: Error}
  now?: () => number
}

const POLL_MS = 20
const LISTEN_WAIT_MS = 5000

export async function hastenFilerStop(plan: ProcessPlan, deps: FilerStopDeps): Promise<FilerStopOutcome> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const now = deps.now ?? Date.now
  const ss = deps.ss ?? runSs
  const ip = flagValue(plan.args, 'ip') ?? '127.0.0.1'
  const port = plan.ports.grpc
  const deadline = now() + LISTEN_WAIT_MS
  while (await accepts(ip, port)) {
    if (!deps.alive()) return 'exited'
    if (now() > deadline) return 'still-listening'
    await sleep(POLL_MS)
  }
  if (!deps.alive()) return 'exited'
  const filter = ['dst', ip, 'dport', '=', `:${port}`]
  const killed = ss(['-K', ...filter])
  if (killed.error) return 'no-ss'
  // ss -K reports success either way; without the privilege the connections are simply still there.
  const left = ss(['-Htn', 'state', 'established', ...filter])
  return left.stdout.trim() === '' ? 'reset' : 'unprivileged'
}

function runSs(args: string[]): {status: number | null; stdout: string; error?: Error} {
  const r = spawnSync('ss', args, {encoding: 'utf8', timeout: 5000})
  return {status: r.status, stdout: r.stdout ?? '', error: r.error}
}

function flagValue(args: string[], name: string): string | undefined {
  return args.find((a) => a.startsWith(`-${name}=`))?.slice(name.length + 2)
}

/** True while something accepts TCP connections on ip:port. */
function accepts(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({host: ip, port})
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(true))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/** Lines for the daemon's log when the stop could not be hastened. */
export const FILER_STOP_NOTES: Record<FilerStopOutcome, string> = {
  reset: 'reset its loopback gRPC connections; it stops without waiting out the gRPC stop timeout',
  unprivileged: 'could not reset its loopback gRPC connections (needs CAP_NET_ADMIN); it stops after weed\'s gRPC stop timeout (about 15 s)',
  'no-ss': '`ss` (iproute2) is not installed; it stops after weed\'s gRPC stop timeout (about 15 s)',
  'still-listening': 'still accepting gRPC connections 5 s after SIGTERM; left to stop on its own',
  exited: 'exited',
}
