import assert from 'node:assert/strict'
import {createHash, randomBytes} from 'node:crypto'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {cli, testDir, waitFor, weedSection} from '../helpers/cli.js'

/*
 * Chaos: a replicated cluster (3 masters, 001, 4 volume servers) keeps every acknowledged write while volume
 * servers and masters — the leader and a follower — are killed (-9) or frozen (SIGSTOP) and the filer is
 * restarted, and supervision brings every process back (a master failure restarts that master only).
 *
 * With 001 every write the filer acknowledges has two copies on two servers. Faults hit one volume server at a
 * time, and the next fault waits until the cluster is all RUNNING again, so one copy of everything written is
 * always readable. Writes may fail meanwhile (a volume whose replica is down is read-only; a frozen server
 * holds requests until the timeout); a write counts only when the filer answered 2xx.
 *
 *   SEAWEEDCTL_CHAOS_SECONDS  how long faults are injected (default 90; bench/chaos.sh runs 600)
 *   SEAWEEDCTL_CHAOS_SEED     the PRNG seed (printed; set it to replay a run's choice of faults)
 *   SEAWEEDCTL_CHAOS_RATE     writes per second the writer aims at (default 25)
 */

// Ports of this file: portOffset 1600 (masters 10933-10935, volumes 9680-9683, filer 10488).
const OFFSET = 1600
const FILER = `http://127.0.0.1:${8888 + OFFSET}`
const SECONDS = Number(process.env.SEAWEEDCTL_CHAOS_SECONDS || 90)
const SEED = Number(process.env.SEAWEEDCTL_CHAOS_SEED || (Date.now() % 2 ** 31))
const RATE = Number(process.env.SEAWEEDCTL_CHAOS_RATE || 25)
/** A write that takes longer than this is abandoned (not acknowledged). */
const WRITE_TIMEOUT_MS = 10_000
/** After a fault, the cluster must be all RUNNING again within this. */
const RECOVERY_TIMEOUT_MS = 120_000
/** Reading one acknowledged file back may fail for a while after the last fault; then it is lost. */
const READ_DEADLINE_MS = 60_000

type FaultKind = 'kill-9 volume' | 'SIGSTOP volume' | 'restart filer' | 'kill-9 leader' | 'SIGSTOP leader' | 'kill-9 follower' | 'SIGSTOP follower'
const FAULT_KINDS: FaultKind[] = ['kill-9 volume', 'SIGSTOP volume', 'restart filer', 'kill-9 leader', 'SIGSTOP leader', 'kill-9 follower', 'SIGSTOP follower']

interface Proc {name: string; kind: string; state: string; pid: number | null; restarts: number; health: string; leader?: boolean}
interface Status {leader?: string | null; processes: Proc[]}

/** mulberry32: a small seeded PRNG, so a failing run's choice of faults can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function summarize(values: number[]): string {
  if (values.length === 0) return '-'
  const sorted = [...values].sort((a, b) => a - b)
  const median = sorted[Math.floor(sorted.length / 2)]
  return `n=${sorted.length} min ${(sorted[0] / 1000).toFixed(1)}s median ${(median / 1000).toFixed(1)}s max ${(sorted.at(-1)! / 1000).toFixed(1)}s`
}

describe(`chaos: replication 001, 4 volume servers, ${SECONDS}s of faults (seed ${SEED})`, () => {
  const {dir, cleanup} = testDir('chaos')
  after(cleanup)
  const status = async (): Promise<Status> => {
    const result = await cli(['status', '--json'], {cwd: dir, timeoutMs: 30_000})
    return JSON.parse(result.stdout) as Status
  }
  const allRunning = (s: Status) => s.processes.length > 0 && s.processes.every((p) => p.state === 'RUNNING') && Boolean(s.leader)

  test('up', async () => {
    writeFileSync(join(dir, 'seaweed.yaml'), [
      `portOffset: ${OFFSET}`,
      'master:',
      '  count: 3',
      '  defaultReplication: "001"',
      'volume:',
      '  count: 4',
      'supervise:',
      '  healthInterval: 1s',
      '',
    ].join('\n') + weedSection())
    const result = await cli(['up', '--timeout', '120s'], {cwd: dir})
    assert.equal(result.code, 0, result.stderr + result.stdout)
  })

  test('acknowledged writes survive kill -9, SIGSTOP and filer restarts; every process comes back', {timeout: (SECONDS + 600) * 1000}, async (t) => {
    // Faults and file sizes draw from separate streams, so the faults of a seed do not depend on write timing.
    const random = prng(SEED)
    const sizes = prng(SEED ^ 0x5bd1e995)
    t.diagnostic(`seed ${SEED} (replay with SEAWEEDCTL_CHAOS_SEED=${SEED}), ${SECONDS}s of faults, writer aiming at ${RATE} files/s`)

    // --- the writer -----------------------------------------------------------------------------------------
    const acknowledged = new Map<string, {sha: string; size: number}>()
    const failures = new Map<string, number>()
    const fail = (reason: string) => failures.set(reason, (failures.get(reason) ?? 0) + 1)
    let writing = true
    let sequence = 0
    const writer = (async () => {
      const interval = 1000 / RATE
      let next = Date.now()
      while (writing) {
        next += interval
        const path = `/chaos/${String(++sequence).padStart(7, '0')}.bin`
        const data = randomBytes(1024 + Math.floor(sizes() * 63 * 1024))
        try {
          const form = new FormData()
          form.append('file', new Blob([data]), 'chaos.bin')
          const res = await fetch(`${FILER}${path}`, {method: 'POST', body: form, signal: AbortSignal.timeout(WRITE_TIMEOUT_MS)})
          await res.arrayBuffer()
          if (res.ok) acknowledged.set(path, {sha: sha256(data), size: data.length})
          else fail(`HTTP ${res.status}`)
        } catch (error) {
          const e = error as Error & {cause?: {code?: string}}
          fail(e.name === 'TimeoutError' ? 'timeout' : e.cause?.code ?? e.name)
        }
        const wait = next - Date.now()
        if (wait > 0) await sleep(wait)
        else next = Date.now()
      }
    })()

    // --- the faults -----------------------------------------------------------------------------------------
    const injected = new Map<FaultKind, number>(FAULT_KINDS.map((k) => [k, 0]))
    const recovery = new Map<FaultKind, number[]>(FAULT_KINDS.map((k) => [k, []]))
    const log: string[] = []
    // Each round injects each master fault, two of each volume fault and one filer restart (which takes the filer
    // away for ≈16 s, its own graceful stop being ≈10 s) in a random order; the master faults of the
    // first round alternate with the others, so even the short form exercises masters, volume servers and the filer.
    const MASTER_FAULTS: FaultKind[] = ['kill-9 leader', 'SIGSTOP leader', 'kill-9 follower', 'SIGSTOP follower']
    const ROUND: FaultKind[] = [...MASTER_FAULTS, 'kill-9 volume', 'kill-9 volume', 'SIGSTOP volume', 'SIGSTOP volume', 'restart filer']
    let rounds = 0
    let bag: FaultKind[] = []
    const end = Date.now() + SECONDS * 1000
    try {
      while (Date.now() < end) {
        const before = await waitFor('all RUNNING before the next fault', async () => {
          const s = await status()
          return allRunning(s) ? s : undefined
        }, RECOVERY_TIMEOUT_MS)
        // Pacing: let the writer work on a healthy cluster for a moment.
        await sleep(500 + random() * 2500)
        if (Date.now() >= end) break
        if (bag.length === 0) {
          bag = [...ROUND]
          for (let i = bag.length - 1; i > 0; i--) {
            const j = Math.floor(random() * (i + 1))
            ;[bag[i], bag[j]] = [bag[j], bag[i]]
          }
          // The first round alternates master faults with the others, so the short form sees both early.
          if (rounds++ === 0) {
            const masters = bag.filter((k) => MASTER_FAULTS.includes(k))
            const others = bag.filter((k) => !MASTER_FAULTS.includes(k))
            bag = others.flatMap((k, i) => (i < masters.length ? [k, masters[i]] : [k]))
          }
        }
        const kind = bag.pop()!
        const volumes = before.processes.filter((p) => p.kind === 'volume')
        const followers = before.processes.filter((p) => p.kind === 'master' && !p.leader)
        const victim = kind === 'restart filer'
          ? before.processes.find((p) => p.name === 'filer-1')!
          : kind.endsWith('leader') ? before.processes.find((p) => p.leader)!
          : kind.endsWith('follower') ? followers[Math.floor(random() * followers.length)]
          : volumes[Math.floor(random() * volumes.length)]
        const started = Date.now()
        const at = ((started - (end - SECONDS * 1000)) / 1000).toFixed(1)
        if (kind.startsWith('kill-9')) process.kill(victim.pid!, 'SIGKILL')
        else if (kind.startsWith('SIGSTOP')) process.kill(victim.pid!, 'SIGSTOP')
        else {
          const restart = await cli(['restart', 'filer-1'], {cwd: dir, timeoutMs: RECOVERY_TIMEOUT_MS})
          assert.equal(restart.code, 0, `restart filer-1: ${restart.stderr}${restart.stdout}`)
        }
        injected.set(kind, injected.get(kind)! + 1)
        // Recovered = the victim runs under a new pid and every process is RUNNING.
        await waitFor(`${victim.name} replaced and all RUNNING after ${kind}`, async () => {
          const s = await status()
          const now = s.processes.find((p) => p.name === victim.name)
          return allRunning(s) && now?.pid !== victim.pid ? s : undefined
        }, RECOVERY_TIMEOUT_MS).catch(async (error: Error) => {
          throw new Error(`${error.message}\n${JSON.stringify((await status()).processes, null, 2)}`)
        })
        const took = Date.now() - started
        recovery.get(kind)!.push(took)
        const line = `t+${at}s ${kind} ${victim.name} (pid ${victim.pid}): all RUNNING after ${(took / 1000).toFixed(1)}s`
        log.push(line)
        // Also as it happens, so a run that fails (or a long one being watched) shows the faults so far.
        console.log(`chaos: ${line}`)
      }
    } catch (error) {
      const faults = [...injected].map(([k, n]) => `${k} ×${n}`).join(', ')
      console.log(`chaos: failed after ${faults}; seed ${SEED}; ${acknowledged.size} files acknowledged so far`)
      throw error
    } finally {
      writing = false
      await writer
    }

    // --- afterwards: everything RUNNING, every acknowledged file identical ----------------------------------
    const final = await waitFor('all RUNNING after the last fault', async () => {
      const s = await status()
      return allRunning(s) ? s : undefined
    }, RECOVERY_TIMEOUT_MS)
    const lost: string[] = []
    let retriedReads = 0
    const paths = [...acknowledged.keys()]
    const readStarted = Date.now()
    const reader = async () => {
      for (let path = paths.pop(); path !== undefined; path = paths.pop()) {
        const expected = acknowledged.get(path)!
        const deadline = Date.now() + READ_DEADLINE_MS
        let last = ''
        for (let attempt = 0; ; attempt++) {
          try {
            const res = await fetch(`${FILER}${path}`, {signal: AbortSignal.timeout(10_000)})
            const body = Buffer.from(await res.arrayBuffer())
            if (res.status === 200 && body.length === expected.size && sha256(body) === expected.sha) break
            last = res.status === 200 ? `${body.length} bytes that differ from the ${expected.size} written` : `HTTP ${res.status}`
          } catch (error) {
            last = (error as Error).message
          }
          if (attempt === 0) retriedReads++
          if (Date.now() > deadline) {
            lost.push(`${path}: ${last}`)
            break
          }
          await sleep(Math.min(250 * 2 ** attempt, 2000))
        }
      }
    }
    await Promise.all(Array.from({length: 8}, reader))
    const readMs = Date.now() - readStarted

    const faults = [...injected.values()].reduce((a, b) => a + b, 0)
    const failed = [...failures.values()].reduce((a, b) => a + b, 0)
    const figures = [
      `seed ${SEED}, ${SECONDS}s of faults`,
      `files acknowledged: ${acknowledged.size} (of ${sequence} attempted); write failures: ${failed}${failed ? ` (${[...failures].map(([r, n]) => `${r} ×${n}`).join(', ')})` : ''}`,
      `faults injected: ${faults} (${[...injected].map(([k, n]) => `${k} ×${n}`).join(', ')})`,
      ...FAULT_KINDS.map((k) => `recovery to all RUNNING after ${k}: ${summarize(recovery.get(k)!)}`),
      `read back: ${acknowledged.size - lost.length}/${acknowledged.size} identical in ${(readMs / 1000).toFixed(1)}s (${retriedReads} needed a retry); files lost: ${lost.length}`,
      `restarts: ${final.processes.map((p) => `${p.name} ${p.restarts}`).join(', ')}`,
    ]
    for (const line of [...log, ...figures]) t.diagnostic(line)
    console.log(['chaos figures:', ...figures.map((l) => `  ${l}`)].join('\n'))

    assert.deepEqual(lost, [], `${lost.length} acknowledged files did not read back identical`)
    assert.ok(final.processes.every((p) => p.state === 'RUNNING'))
    // Each volume fault restarts its victim once; a master fault restarts no volume server.
    const volumeFaults = injected.get('kill-9 volume')! + injected.get('SIGSTOP volume')!
    const volumeRestarts = final.processes.filter((p) => p.kind === 'volume').reduce((a, p) => a + p.restarts, 0)
    assert.equal(volumeRestarts, volumeFaults, `volume servers restarted ${volumeRestarts}× for ${volumeFaults} volume faults`)
    assert.ok(faults >= Math.min(3, Math.floor(SECONDS / 15)), `only ${faults} faults injected in ${SECONDS}s`)
    assert.ok(acknowledged.size > 0, 'no write was acknowledged')
  })

  test('down stops every process', async () => {
    const down = await cli(['down'], {cwd: dir})
    assert.equal(down.code, 0, down.stderr)
  })
})
