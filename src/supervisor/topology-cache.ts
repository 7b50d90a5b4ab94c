/**
 * One read of the master's topology serves every volume server's "listed by the master" check and the
 * dashboard: with 32 servers probed every 2 s, one /dir/status per interval instead of 16 a second. A read in
 * flight is shared by everyone who asks meanwhile; a finished one is reused while it is younger than the asker
 * allows (liveness allows most of an interval, readiness at most 50 ms and never a read older than the asking
 * process: a server that just started must see the topology after its start). Askers that name the same masters
 * in another order share one read.
 */
interface Entry<T> {
  at: number
  value: Promise<T | undefined>
  settled: boolean
}

export class TopologyCache<T> {
  private readonly entries = new Map<string, Entry<T>>()

  constructor(
    private readonly read: (masterUrls: string[], timeoutMs: number) => Promise<T | undefined>,
    private readonly now: () => number = Date.now,
  ) {}

  get(masterUrls: string[], timeoutMs: number, maxAgeMs: number): Promise<T | undefined> {
    const key = [...masterUrls].sort().join(',')
    const entry = this.entries.get(key)
    // A failed read is never reused: the next asker tries again.
    if (entry && (!entry.settled || this.now() - entry.at < maxAgeMs)) return entry.value
    const started = this.now()
    const fresh: Entry<T> = {at: started, settled: false, value: this.read(masterUrls, timeoutMs)}
    fresh.value.then((topology) => {
      fresh.settled = true
      if (!topology && this.entries.get(key) === fresh) this.entries.delete(key)
    }, () => this.entries.delete(key))
    this.entries.set(key, fresh)
    return fresh.value
  }
}
