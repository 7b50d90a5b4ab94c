import type {IncomingMessage, ServerResponse} from 'node:http'

import {DaemonClient} from '../daemon/client.js'
import type {StatusReport} from '../supervisor/status-types.js'
import {SSE_HEADERS, sendEvent, sendKeepalive} from './sse.js'
import {MetricsHistory} from './metrics.js'
import {listBuckets, readTopology, type TopologyView} from './topology.js'
import {type ActivityEntry, buildView, type DashboardView, masterUrls, signature} from './view.js'

/** The supervisor's change counter: the feed waits on it instead of polling. */
export interface ChangeSource {
  readonly version: number
  changedSince(after: number, timeoutMs: number): Promise<void>
}

/** Health details, the topology and buckets change without a state change: look again this often. */
const TICK_MS = 5000
/** Never ask the master for its topology more often than this. */
const TOPOLOGY_MIN_MS = 2000
const KEEPALIVE_MS = 25_000
/** One waiter on the supervisor at a time, renewed this often when nothing changes. */
const WATCH_MS = 10 * 60_000

/**
 * The live view for every open page, over server-sent events. A state change in the supervisor is pushed at
 * once; the master's topology and the S3 buckets are read at most every few seconds, and only while at least
 * one page is connected: with no page open the feed costs nothing. The status report comes from the
 * daemon's own API (GET /v1/status), so the page shows exactly what `seaweedctl status` does.
 */
export class Feed {
  readonly activity: ActivityEntry[] = []
  scaling = false
  private readonly clients = new Set<ServerResponse>()
  /** Pages that have not had a view yet: they get the next one even when nothing changed. */
  private readonly fresh = new Set<ServerResponse>()
  private readonly daemon: DaemonClient
  private report: StatusReport | undefined
  private reportAt = 0
  private topology: TopologyView | null = null
  private topologyError: string | null = null
  private buckets: string[] | null = null
  private topologyAt = 0
  private lastSignature = ''
  private timers: NodeJS.Timeout[] = []
  private watching = false
  private refreshing: Promise<void> | undefined
  private again = false
  private wantTopology = false
  /** Each process's metrics, read on the tick (once per TICK_MS at most) while a page is open. */
  private readonly metrics = new MetricsHistory(TICK_MS)
  private metricsSent = 0

  constructor(private readonly changes: ChangeSource, socketPath: string) {
    this.daemon = new DaemonClient(socketPath)
  }

  get connected(): number {
    return this.clients.size
  }

  /** One page's stream: the current view as soon as it is read, then every change. */
  subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, SSE_HEADERS)
    res.flushHeaders()
    this.clients.add(res)
    this.fresh.add(res)
    req.on('close', () => {
      this.clients.delete(res)
      this.fresh.delete(res)
      if (this.clients.size === 0) this.sleep()
    })
    if (this.clients.size === 1) this.wake()
    else void this.refresh(false)
  }

  /** Send the view again now (an action made progress). */
  publish(): void {
    this.broadcast()
  }

  /** End every stream (the dashboard moves to another port, or the daemon stops). */
  close(): void {
    for (const res of this.clients) res.end()
    this.clients.clear()
    this.fresh.clear()
    this.sleep()
    void this.daemon.close()
  }

  private wake(): void {
    this.timers = [
      setInterval(() => void this.refresh(true), TICK_MS),
      setInterval(() => this.clients.forEach(sendKeepalive), KEEPALIVE_MS),
    ]
    void this.refresh(true)
    void this.watch()
  }

  private sleep(): void {
    for (const timer of this.timers) clearInterval(timer)
    this.timers = []
  }

  /** Refresh on every state change, for as long as a page is connected. */
  private async watch(): Promise<void> {
    if (this.watching) return
    this.watching = true
    try {
      let seen = this.changes.version
      while (this.clients.size > 0) {
        await this.changes.changedSince(seen, WATCH_MS)
        if (this.changes.version === seen) continue
        seen = this.changes.version
        await this.refresh(false)
      }
    } finally {
      this.watching = false
    }
  }

  /** One refresh at a time; asking during one runs one more after it. */
  private refresh(withTopology: boolean): Promise<void> {
    this.wantTopology ||= withTopology
    if (this.refreshing) {
      this.again = true
      return this.refreshing
    }
    this.refreshing = (async () => {
      do {
        this.again = false
        const topology = this.wantTopology || Date.now() - this.topologyAt >= TOPOLOGY_MIN_MS
        this.wantTopology = false
        await this.refreshOnce(topology)
      } while (this.again && this.clients.size > 0)
    })().finally(() => {
      this.refreshing = undefined
    })
    return this.refreshing
  }

  private async refreshOnce(withTopology: boolean): Promise<void> {
    const report = await this.daemon.status().catch(() => undefined)
    if (!report) return // the daemon is stopping
    this.report = report
    this.reportAt = Date.now()
    if (withTopology && Date.now() - this.topologyAt >= TOPOLOGY_MIN_MS) await this.readTopology(report)
    if (withTopology && Date.now() - this.metrics.lastAt >= TICK_MS - 250) await this.metrics.sample(report, this.topology?.volumes ?? null)
    this.broadcast()
  }

  private async readTopology(report: StatusReport): Promise<void> {
    this.topologyAt = Date.now()
    const processes = this.view()?.processes ?? []
    const processAt = (url: string) => processes.find((p) => p.kind === 'volume' && p.address === url)?.name ?? null
    const masters = masterUrls(report)
    const [topology, buckets] = await Promise.all([
      readTopology(masters, processAt, TOPOLOGY_MIN_MS),
      // Every bucket there is, not only the spec's: S3 clients create them too, and the filer lists them all.
      report.endpoints.s3 && report.endpoints.filer ? listBuckets(report.endpoints.filer) : undefined,
    ])
    this.topology = topology ?? null
    this.topologyError = topology ? null : `no master answers /dir/status (${masters.join(', ')})`
    this.buckets = buckets ?? null
  }

  private view(): DashboardView | undefined {
    if (!this.report) return undefined
    return buildView(this.report, this.reportAt, {
      topology: this.topology, topologyError: this.topologyError, buckets: this.buckets, activity: this.activity, scaling: this.scaling,
    })
  }

  /** Every page gets a view that differs from the last one sent; a new page gets it anyway. */
  private broadcast(): void {
    const view = this.view()
    if (!view) return
    const current = signature(view)
    const targets = current === this.lastSignature ? [...this.fresh] : [...this.clients]
    this.lastSignature = current
    // The graphs go to every page when there is a new sample, and to a new page at once.
    const graphs = this.metrics.lastAt > this.metricsSent ? [...this.clients] : [...this.fresh]
    this.metricsSent = this.metrics.lastAt
    this.fresh.clear()
    for (const res of targets) sendEvent(res, 'state', view)
    if (this.report && this.metrics.lastAt > 0) {
      const metrics = this.metrics.view(this.report)
      for (const res of graphs) sendEvent(res, 'metrics', metrics)
    }
  }
}
