/**
 * The dashboard's graphs: each process's Prometheus endpoint read once per sample (shared by every open page),
 * kept for a short window, and turned into per-second rates. Only read while a page is open (the feed calls
 * sample() from its tick); with no page open nothing is read.
 */
import {loopbackRequest} from '../lib/loopback-http.js'
import type {StatusReport} from '../supervisor/status-types.js'

/** Samples kept: 60 × the feed's 5 s tick = the last 5 minutes. */
const KEEP = 60
const READ_TIMEOUT_MS = 2000
/** The request counter of each kind's own server (masters have none). */
const REQUESTS: Record<string, string | undefined> = {volume: 'SeaweedFS_volumeServer_request_total', filer: 'SeaweedFS_filer_request_total', s3: 'SeaweedFS_s3_request_total'}

/** What one read of one process's /metrics gives (counters are totals since it started). */
export interface ProcessSample {
  requests?: number
  errors?: number
  bytesIn?: number
  bytesOut?: number
  diskUsed?: number
  /** S3 gateways: requests by HTTP status. */
  byStatus?: Record<string, number>
}

interface Sample {
  t: number
  processes: Record<string, ProcessSample | null>
  leaderVolumes: number | null
}

/** What the page draws: aligned series, one point per sample; null where nothing was read (a gap, never a guess). */
export interface MetricsView {
  times: number[]
  intervalMs: number
  processes: Array<{name: string; kind: string; requests: Array<number | null>; errors: Array<number | null>; bytesIn: Array<number | null>; bytesOut: Array<number | null>; diskUsed: Array<number | null>}>
  s3ByStatus: Record<string, Array<number | null>>
  leaderVolumes: Array<number | null>
}

/** Prometheus text format → (name, labels, value) per sample line. */
export function parseMetrics(text: string): Array<{name: string; labels: Record<string, string>; value: number}> {
  const out: Array<{name: string; labels: Record<string, string>; value: number}> = []
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line)
    if (!match) continue
    const labels: Record<string, string> = {}
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value
    out.push({name: match[1], labels, value: Number(match[3])})
  }
  return out
}

/** The figures the page graphs, from one process's metrics. */
export function summarise(kind: string, text: string): ProcessSample {
  const sample: ProcessSample = {}
  const counter = REQUESTS[kind]
  for (const {name, labels, value} of parseMetrics(text)) {
    if (!Number.isFinite(value)) continue
    if (name === counter) {
      sample.requests = (sample.requests ?? 0) + value
      if (Number(labels.code) >= 500) sample.errors = (sample.errors ?? 0) + value
      else sample.errors ??= 0
      if (kind === 's3') sample.byStatus = {...sample.byStatus, [labels.code]: (sample.byStatus?.[labels.code] ?? 0) + value}
    } else if (name === 'SeaweedFS_s3_bucket_traffic_received_bytes_total') sample.bytesIn = (sample.bytesIn ?? 0) + value
    else if (name === 'SeaweedFS_s3_bucket_traffic_sent_bytes_total') sample.bytesOut = (sample.bytesOut ?? 0) + value
    else if (name === 'SeaweedFS_volumeServer_resource' && labels.type === 'used') sample.diskUsed = (sample.diskUsed ?? 0) + value
  }
  return sample
}

export class MetricsHistory {
  private readonly samples: Sample[] = []
  private reading: Promise<void> | undefined

  constructor(private readonly intervalMs: number, private readonly read: (url: string) => Promise<string | undefined> = readText) {}

  get lastAt(): number {
    return this.samples.at(-1)?.t ?? 0
  }

  /** Read every process's endpoint once (concurrent callers share the read). */
  sample(report: StatusReport, leaderVolumes: number | null): Promise<void> {
    this.reading ??= (async () => {
      const t = Date.now()
      const entries = await Promise.all(report.processes.map(async (p) => {
        if (p.ports.metrics === undefined || p.pid === null) return [p.name, null] as const
        const host = p.address.slice(0, p.address.lastIndexOf(':'))
        const text = await this.read(`http://${host}:${p.ports.metrics}/metrics`)
        return [p.name, text === undefined ? null : summarise(p.kind, text)] as const
      }))
      this.samples.push({t, processes: Object.fromEntries(entries), leaderVolumes})
      if (this.samples.length > KEEP) this.samples.shift()
    })().finally(() => {
      this.reading = undefined
    })
    return this.reading
  }

  view(report: StatusReport): MetricsView {
    const rate = (name: string, field: 'requests' | 'errors' | 'bytesIn' | 'bytesOut', i: number): number | null => {
      if (i === 0) return null
      const [a, b] = [this.samples[i - 1], this.samples[i]]
      const [x, y] = [a.processes[name]?.[field], b.processes[name]?.[field]]
      // A counter that went down was restarted: no rate across it.
      if (x === undefined || y === undefined || y < x) return null
      return (y - x) / ((b.t - a.t) / 1000)
    }
    const indexes = this.samples.map((_, i) => i)
    const codes = [...new Set(this.samples.flatMap((s) => Object.values(s.processes).flatMap((p) => Object.keys(p?.byStatus ?? {}))))].sort()
    const statusRate = (code: string, i: number): number | null => {
      if (i === 0) return null
      let sum: number | null = null
      for (const p of report.processes.filter((q) => q.kind === 's3')) {
        const [x, y] = [this.samples[i - 1].processes[p.name]?.byStatus, this.samples[i].processes[p.name]?.byStatus]
        if (!x || !y) continue
        const delta = (y[code] ?? 0) - (x[code] ?? 0)
        if (delta >= 0) sum = (sum ?? 0) + delta / ((this.samples[i].t - this.samples[i - 1].t) / 1000)
      }
      return sum
    }
    return {
      times: this.samples.map((s) => s.t),
      intervalMs: this.intervalMs,
      processes: report.processes.filter((p) => p.ports.metrics !== undefined).map((p) => ({
        name: p.name, kind: p.kind,
        requests: indexes.map((i) => rate(p.name, 'requests', i)),
        errors: indexes.map((i) => rate(p.name, 'errors', i)),
        bytesIn: indexes.map((i) => rate(p.name, 'bytesIn', i)),
        bytesOut: indexes.map((i) => rate(p.name, 'bytesOut', i)),
        diskUsed: this.samples.map((s) => s.processes[p.name]?.diskUsed ?? null),
      })),
      s3ByStatus: Object.fromEntries(codes.map((code) => [code, indexes.map((i) => statusRate(code, i))])),
      leaderVolumes: this.samples.map((s) => s.leaderVolumes),
    }
  }
}

/**
 * Through the daemon's own loopback client, not fetch: Node's fetch loads its undici and WebAssembly HTTP parser
 * into the daemon, which then held 22 MB more RSS (after 30 reads, with the daemon's node flags) for its whole life.
 */
async function readText(url: string): Promise<string | undefined> {
  try {
    const answer = await loopbackRequest(url, {timeoutMs: READ_TIMEOUT_MS, keepBody: true})
    return answer.status >= 200 && answer.status < 300 ? answer.body.toString('utf8') : undefined
  } catch {
    return undefined
  }
}
