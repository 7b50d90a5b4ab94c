import {loopbackRequest, originOf} from '../lib/loopback-http.js'

import type {Probe} from '../plan/types.js'
import {s3SignedProbe} from './s3-probe.js'
import {nodesOf, sharedDirStatus} from './master-topology.js'
import {runState} from './proc.js'

export interface ProbeResult {
  ok: boolean
  /** What a person reads in `status`: "leader 127.0.0.1:9333", "listed, 3 volumes", "/status timed out (2s)". */
  detail: string
  /**
   * Whose fault a failure is: 'self' when the process itself does not answer (refused, timed out: dead or hung),
   * 'dependency' when it answers but reports trouble with what it relies on (no master lists it, no leader).
   * A dependency failure restarts nothing while the dependency is itself unhealthy (see dependencies.ts).
   */
  blame?: 'self' | 'dependency'
  /** Masters: the leader this master names, as ip:port. */
  leader?: string
}

interface HttpAnswer {
  status: number
  body: string
}

/** One GET on loopback with a hard timeout; never rejects (see loopback-http.ts). */
export async function httpGet(url: string, timeoutMs: number): Promise<HttpAnswer & {error?: string}> {
  const answer = await loopbackRequest(url, {timeoutMs})
  return {status: answer.status, body: answer.body.toString('utf8'), error: answer.error}
}

/** The status of one GET (the body is not kept): what most probes need. */
function httpStatus(url: string, timeoutMs: number): Promise<{status: number; error?: string}> {
  return loopbackRequest(url, {timeoutMs, keepBody: false})
}

export interface ProbeOptions {
  /** How old a shared read of the master's topology may be (readiness: younger than the process); 0: read after this call began. */
  topologyMaxAgeMs?: number
  /**
   * Liveness of a process whose last probe passed: a cheaper signal may stand in for the probe's own request
   * while it passes. A volume server listed by a fresh read of the master's topology, whose process (`pid`) is
   * not stopped, is not asked its own /status; any doubt (not listed, no topology, stopped or gone) falls back
   * to the full probe, so failures are judged exactly as before.
   */
  quick?: {pid: number}
}

export async function runProbe(probe: Probe, timeoutMs: number, options: ProbeOptions = {}): Promise<ProbeResult> {
  switch (probe.kind) {
    case 'http': {
      const answer = await httpStatus(probe.url, timeoutMs)
      const path = probe.url.replace(/^[a-z]+:\/\/[^/]+/, '')
      return answer.status === 200
        ? {ok: true, detail: `${path} 200`}
        // An answer other than 200 means the process is alive and reporting trouble, often with what it needs.
        : {ok: false, detail: `${path} ${answer.error ?? answer.status}`, blame: answer.status === 0 ? 'self' : 'dependency'}
    }
    case 'masterLeader':
      return masterLeader(probe.urls, timeoutMs)
    case 'volumeListed': {
      const quick = options.quick && (await listedAndRunning(probe.masterUrls, probe.node, options.quick.pid, timeoutMs, options.topologyMaxAgeMs ?? 0))
      return quick || volumeListed(probe.statusUrl, probe.masterUrls, probe.node, timeoutMs, options.topologyMaxAgeMs ?? 0)
    }
    case 's3Signed':
      return s3SignedProbe(probe, timeoutMs)
    default: {
      const unknown: never = probe
      throw new Error(`unknown probe ${JSON.stringify(unknown)}`)
    }
  }
}

async function masterLeader(urls: string[], timeoutMs: number): Promise<ProbeResult> {
  const answers = await Promise.all(urls.map((u) => httpGet(`${u}/cluster/status`, timeoutMs)))
  const leaders = answers.map((a) => {
    if (a.status !== 200) return undefined
    try {
      return (JSON.parse(a.body) as {Leader?: string}).Leader || undefined
    } catch {
      return undefined
    }
  })
  const first = leaders[0]
  // A master that answers without a leader is alive: electing one is the raft group's business, not a restart's.
  if (!first) {
    if (answers[0].status === 200) return {ok: false, detail: 'no leader yet', blame: 'dependency'}
    // Before 4.44 /cluster/status hangs up to 20 s while the masters elect (seaweedfs-ops §2.1): a timeout is the
    // election's, a refused connection is the master's own.
    const timedOut = answers[0].error?.startsWith('timed out') === true
    return {ok: false, detail: `/cluster/status ${answers[0].error ?? answers[0].status}`, blame: timedOut ? 'dependency' : 'self'}
  }
  const disagree = leaders.findIndex((l) => l !== first)
  if (disagree >= 0) return {ok: false, detail: `masters disagree on the leader (${urls[disagree]} says ${leaders[disagree] ?? 'none'})`, blame: 'dependency'}
  // weed 4.x reports the leader as ip:port.grpcPort; people know it by ip:port.
  const leader = first.replace(/\.\d+$/, '')
  return {ok: true, detail: `leader ${leader}`, leader}
}

async function volumeListed(statusUrl: string, masterUrls: string[], node: string, timeoutMs: number, maxAgeMs: number): Promise<ProbeResult> {
  const own = await httpStatus(statusUrl, timeoutMs)
  if (own.status !== 200) return {ok: false, detail: `/status ${own.error ?? own.status}`, blame: 'self'}
  const read = await sharedDirStatus(masterUrls, timeoutMs, maxAgeMs)
  if (!read) return {ok: false, detail: 'master /dir/status not answering', blame: 'dependency'}
  const entry = nodesOf(read).get(node)
  if (!entry) return {ok: false, detail: 'not listed by the master', blame: 'dependency'}
  return listed(entry.volumes)
}

/** Stopped (SIGSTOP), traced, a zombie or dead: a process that cannot be serving. */
const NOT_SERVING = new Set(['T', 't', 'Z', 'X', 'x'])

/**
 * The volume server's quick liveness: its process runs (not stopped) and the master's topology, read once per
 * interval for all of them, lists it, so its heartbeat reaches the master. A pass, or undefined to probe fully.
 */
async function listedAndRunning(masterUrls: string[], node: string, pid: number, timeoutMs: number, maxAgeMs: number): Promise<ProbeResult | undefined> {
  const state = runState(pid)
  if (state === undefined || NOT_SERVING.has(state)) return undefined
  const read = await sharedDirStatus(masterUrls, timeoutMs, maxAgeMs)
  const entry = read && nodesOf(read).get(node)
  return entry ? listed(entry.volumes) : undefined
}

function listed(volumes: number): ProbeResult {
  return {ok: true, detail: `listed, ${volumes} volume${volumes === 1 ? '' : 's'}`}
}

/** The servers (host:port) a liveness probe asks about the process itself (not its masters). */
export function ownOrigins(probe: Probe): string[] {
  switch (probe.kind) {
    case 'http':
      return [originOf(probe.url)]
    case 'masterLeader':
      return probe.urls.map(originOf)
    case 'volumeListed':
      return [originOf(probe.statusUrl)]
    case 's3Signed':
      return [originOf(probe.endpoint)]
    default: {
      const unknown: never = probe
      throw new Error(`unknown probe ${JSON.stringify(unknown)}`)
    }
  }
}
