/**
 * One read of the master's topology serves every volume server's "listed by the master" check: with 32 servers
 * probed every 2 s, one /dir/status per interval instead of 16 a second. A read in flight is shared by everyone
 * who asks meanwhile; a finished one is reused while it is younger than the asker allows (liveness allows most
 * of an interval, readiness nothing: a server that just started must see the topology after its start).
 */
export type Topology = Map<string, {volumes: number; ecShards: number; max: number}>

interface Entry {
  at: number
  value: Promise<Topology | undefined>
  settled: boolean
}

export class TopologyCache {
  private readonly entries = new Map<string, Entry>()

  constructor(
    private readonly read: (masterUrls: string[], timeoutMs: number) => Promise<Topology | undefined>,
    private readonly now: () => number = Date.now,
  ) {}

  get(masterUrls: string[], timeoutMs: number, maxAgeMs: number): Promise<Topology | undefined> {
    const key = masterUrls.join(',')
    const entry = this.entries.get(key)
    // A failed read is never reused: the next asker tries again.
    if (entry && (!entry.settled || this.now() - entry.at <= maxAgeMs)) return entry.value
    const started = this.now()
    const fresh: Entry = {at: started, settled: false, value: this.read(masterUrls, timeoutMs)}
    fresh.value.then((topology) => {
      fresh.settled = true
      if (!topology && this.entries.get(key) === fresh) this.entries.delete(key)
    }, () => this.entries.delete(key))
    this.entries.set(key, fresh)
    return fresh.value
  }
}
