import assert from 'node:assert/strict'
import {createHash, randomBytes} from 'node:crypto'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {CreateBucketCommand, GetObjectCommand, PutObjectCommand} from '@aws-sdk/client-s3'

import {cli, httpJson, listedNodes, testDir, TEST_WEED_VERSION, waitFor, weedSection} from '../helpers/cli.js'
import {s3Client} from '../helpers/s3.js'
import type {S3Client} from '@aws-sdk/client-s3'

// Ports of this file: portOffset 1700 (master 11033, volumes 9780-9783, filer 10588, s3 10033) and 1750 (master 11083,
// volumes 9830-9833, filer 10638).
const MASTER = 'http://127.0.0.1:11033'
const FILER = 'http://127.0.0.1:10588'
const S3 = 'http://127.0.0.1:10033'

// A hand-written spec: comments, blank lines, an unusual key order and quoting, all of which must survive.
const SPEC = `# my cluster — do not reformat

volume:
  preStopSeconds: 1   # quick stops in dev
  count: 4            # four servers

master: {defaultReplication: "001"}
portOffset:   1700
name: "scaled"

# filers and gateways below
filer: {count: 1}
s3: {count: 1}
${weedSection()}`

/**
 * How long `scale` takes to refuse, and how long the CLI takes to start and refuse a bad argument, measured back to
 * back: on a loaded shared machine the CLI's own start-up can take seconds, which is not what the bound is about.
 */
async function timedRefusal(args: string[], cwd: string): Promise<{result: Awaited<ReturnType<typeof cli>>; ms: number; startupMs: number}> {
  let started = Date.now()
  await cli(['scale', 'volume', 'abc'], {cwd})
  const startupMs = Date.now() - started
  started = Date.now()
  const result = await cli(args, {cwd})
  return {result, ms: Date.now() - started, startupMs}
}

interface ProcessRow {name: string; pid: number; state: string; address: string}
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')
const log = (line: string) => process.stdout.write(`# [weed ${TEST_WEED_VERSION}] ${line}\n`)

/** Run `f` over `items`, `width` at a time. */
async function pool<T>(items: T[], width: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({length: width}, async () => {
    while (next < items.length) await f(items[next++])
  }))
}

/** Volume count per data node, as the master lists them. */
async function volumesByNode(master: string): Promise<Map<string, number>> {
  type Dir = {Topology?: {DataCenters?: Array<{Racks?: Array<{DataNodes?: Array<{Url: string; Volumes: number}>}>}>}}
  const status = await httpJson<Dir>(`${master}/dir/status`)
  return new Map((status?.Topology?.DataCenters ?? []).flatMap((dc) => (dc.Racks ?? []).flatMap((r) => (r.DataNodes ?? []).map((n) => [n.Url, n.Volumes] as const))))
}

describe('scale volume servers of a running cluster with replication 001 (filer and S3 data)', () => {
  const {dir, cleanup} = testDir('scale')
  after(cleanup)
  // Made once `up` has made the cluster's keys (unsigned or unknown keys are refused).
  let s3: S3Client
  after(() => s3?.destroy())
  /** name → sha256; names starting with s3/ live in the S3 bucket of their second segment. */
  const files = new Map<string, string>()
  const rows = async () => JSON.parse((await cli(['status', '--json'], {cwd: dir})).stdout).processes as ProcessRow[]
  const volumeAddresses = async () => (await rows()).filter((p) => p.name.startsWith('volume-')).map((p) => [p.name, p.address] as const)

  /**
   * Half through the filer, half through S3, all in one bucket: the filer writes under /buckets/<bucket>/ go to the
   * bucket's collection too, so the drains move one collection's volumes (each move takes weed ≥ 5 s).
   */
  async function writeFiles(prefix: string, bucket: string, n: number): Promise<void> {
    await pool(Array.from({length: n}, (_, i) => i), 8, async (i) => {
      const data = randomBytes(500 + Math.floor(Math.random() * 20_000))
      if (i % 2 === 0) {
        const form = new FormData()
        form.append('file', new Blob([data]), `${prefix}${i}.bin`)
        const path = `/buckets/${bucket}/filer/${prefix}${i}.bin`
        const res = await fetch(`${FILER}${path}`, {method: 'POST', body: form})
        assert.ok(res.ok, `filer upload ${path}: ${res.status}`)
        files.set(`filer${path}`, sha256(data))
      } else {
        await s3.send(new PutObjectCommand({Bucket: bucket, Key: `${prefix}${i}.bin`, Body: data}))
        files.set(`s3/${bucket}/${prefix}${i}.bin`, sha256(data))
      }
    })
  }

  async function readBack(name: string): Promise<Buffer | undefined> {
    if (name.startsWith('filer/')) {
      const res = await fetch(`${FILER}${name.slice('filer'.length)}`).catch(() => undefined)
      return res?.ok ? Buffer.from(await res.arrayBuffer()) : undefined
    }
    const [, bucket, key] = name.split('/')
    const got = await s3.send(new GetObjectCommand({Bucket: bucket, Key: key})).catch(() => undefined)
    return got?.Body ? Buffer.from(await got.Body.transformToByteArray()) : undefined
  }

  async function everyFileIdentical(): Promise<void> {
    await pool([...files], 8, async ([name, digest]) => {
      const data = await waitFor(`${name} readable`, () => readBack(name), 30_000)
      assert.equal(sha256(data), digest, `${name} differs`)
    })
  }

  async function scaleTo(n: number): Promise<{added: string[]; removed: string[]}> {
    const started = Date.now()
    const result = await cli(['scale', 'volume', String(n), '--json'], {cwd: dir, timeoutMs: 600_000})
    const seconds = (Date.now() - started) / 1000
    assert.equal(result.code, 0, result.stderr + result.stdout)
    const out = JSON.parse(result.stdout) as {added: string[]; removed: string[]; drainMs: Record<string, number>}
    log(`scale volume ${n}: ${seconds.toFixed(1)}s${Object.entries(out.drainMs).map(([name, ms]) => `; ${name} drained in ${(ms / 1000).toFixed(1)}s`).join('')}`)
    return out
  }

  let addresses: Array<readonly [string, string]> = []

  test('up: each volume server has its own loopback address; 400 files through the filer and S3', async () => {
    writeFileSync(join(dir, 'seaweed.yaml'), SPEC)
    const result = await cli(['up'], {cwd: dir})
    assert.equal(result.code, 0, result.stderr + result.stdout)
    const env = JSON.parse((await cli(['env', '--format', 'json'], {cwd: dir})).stdout) as Record<string, string>
    s3 = s3Client(S3, {accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY})
    addresses = await volumeAddresses()
    assert.deepEqual(addresses, [1, 2, 3, 4].map((i) => [`volume-${i}`, `127.0.0.${i + 1}:${9780 + i - 1}`]))
    assert.deepEqual((await listedNodes(MASTER)).sort(), addresses.map(([, a]) => a))
    for (const p of await rows()) if (!p.name.startsWith('volume-')) assert.match(p.address, /^127\.0\.0\.1:\d+$/, p.name)
    await s3.send(new CreateBucketCommand({Bucket: 'scaled'}))
    await writeFiles('a', 'scaled', 400)
    const held = await volumesByNode(MASTER)
    assert.ok(addresses.slice(2).every(([, a]) => (held.get(a) ?? 0) > 0), `volume-3 and volume-4 hold replicas: ${JSON.stringify([...held])}`)
  })

  test('scale volume 2: drains and stops volume-4 and volume-3; the master lists 2; every file identical', async () => {
    const out = await scaleTo(2)
    assert.deepEqual(out.removed, ['volume-4', 'volume-3'])
    assert.deepEqual((await listedNodes(MASTER)).sort(), addresses.slice(0, 2).map(([, a]) => a))
    for (const name of ['volume-3', 'volume-4']) {
      const volumeDir = join(dir, '.seaweed', name)
      assert.ok(existsSync(volumeDir), `${name}'s data directory is kept`)
      assert.deepEqual(readdirSync(volumeDir).filter((f) => f.endsWith('.dat')), [], `${name} still has volumes`)
    }
    await everyFileIdentical()
  })

  test('scale volume 4: the same two come back on the same addresses; the others keep their pids', async () => {
    const before = (await rows()).filter((p) => p.state === 'RUNNING')
    const out = await scaleTo(4)
    assert.deepEqual(out.added, ['volume-3', 'volume-4'])
    assert.deepEqual(await volumeAddresses(), addresses)
    assert.equal((await listedNodes(MASTER)).length, 4)
    const now = await rows()
    for (const p of before) assert.equal(now.find((q) => q.name === p.name)?.pid, p.pid, `${p.name} was not restarted`)
  })

  test('scale volume 3: volume-4 drains; the master lists 3; every file identical', async () => {
    // A new bucket is a new collection: its volumes are grown over all four servers, the two that came back included
    // (out of the maintenance mode their drain left them in). Two of them, so that volume-4 surely gets some.
    for (const bucket of ['after', 'later']) {
      await s3.send(new CreateBucketCommand({Bucket: bucket}))
      await writeFiles(`${bucket}-`, bucket, 30)
    }
    const held = (await volumesByNode(MASTER)).get(addresses[3][1]) ?? 0
    // weed 4.30 grows the new collections onto the server that came back; 4.48 was seen placing none there
    // (maintenance mode is off on it: checked), and then its drain has nothing to move. Either way it must drain.
    log(`volume-4 holds ${held} volumes before scale volume 3`)
    const out = await scaleTo(3)
    assert.deepEqual(out.removed, ['volume-4'])
    assert.deepEqual((await listedNodes(MASTER)).sort(), addresses.slice(0, 3).map(([, a]) => a))
    await everyFileIdentical()
  })

  test('seaweed.yaml differs from before only in the count', () => {
    assert.equal(readFileSync(join(dir, 'seaweed.yaml'), 'utf8'), SPEC.replace('count: 4            # four servers', 'count: 3            # four servers'))
  })

  test('scale volume 1 (replication 001) is refused in under 3 s with the numbers; nothing changes', async () => {
    const spec = readFileSync(join(dir, 'seaweed.yaml'), 'utf8')
    const pids = (await rows()).map((p) => [p.name, p.pid])
    const {result, ms, startupMs} = await timedRefusal(['scale', 'volume', '1'], dir)
    log(`scale volume 1 refused in ${ms} ms (the CLI refusing a bad argument: ${startupMs} ms)`)
    assert.equal(result.code, 2, result.stderr)
    // A refusal costs the CLI's start and a weed shell read; a drain that had begun would take far longer. The margin
    // is wide because CI runs two suites on 2 cores (a CLI start alone took 2 s there).
    assert.ok(ms < 3000 || ms - startupMs < 8000, `refused after ${ms} ms`)
    assert.match(result.stderr, /replication "001"/)
    assert.match(result.stderr, /The 2 leaving servers hold \d+ volumes \(volume-2 \(127\.0\.0\.3:9781\) \d+, volume-3 \(127\.0\.0\.4:9782\) \d+\); 1 server would stay/)
    assert.match(result.stderr, /Nothing was changed/)
    assert.equal(readFileSync(join(dir, 'seaweed.yaml'), 'utf8'), spec)
    assert.equal((await listedNodes(MASTER)).length, 3)
    assert.deepEqual((await rows()).map((p) => [p.name, p.pid]), pids)
  })

  test('bad input changes nothing', async () => {
    const before = readFileSync(join(dir, 'seaweed.yaml'), 'utf8')
    for (const [args, pattern] of [
      [['volume', '-1'], /below the minimum of 1/],
      [['volume', 'abc'], /"abc" is not a count/],
      [['master', '3'], /raft/],
      [['foo', '2'], /cannot scale "foo"/],
      [['volume', '0'], /below the minimum/],
    ] as const) {
      const result = await cli(['scale', ...args], {cwd: dir})
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stderr, pattern)
    }
    assert.equal(readFileSync(join(dir, 'seaweed.yaml'), 'utf8'), before)
    assert.equal((await listedNodes(MASTER)).length, 3)
  })
})

describe('replication 010 over 2 racks: a drain weed cannot place is refused by its dry run', () => {
  const {dir, cleanup} = testDir('scale-010')
  after(cleanup)
  const master = 'http://127.0.0.1:11083'
  // 4 slots per server: 6 volumes × 2 copies fill 12 of 16. Removing volume-4 (rack2) needs as many free slots
  // as it holds, and the three that stay have them, but only volume-2 is in rack2, the rack its copies must stay in.
  const spec = `name: racks\nportOffset: 1750\nmaster: {defaultReplication: "010"}\nvolume: {count: 4, racks: 2, max: 4, preStopSeconds: 1}\nfiler: {count: 1}\n${weedSection()}`

  test('scale volume 3 is refused before anything moves, in under 3 s, naming the volumes and their replication', async () => {
    writeFileSync(join(dir, 'seaweed.yaml'), spec)
    const up = await cli(['up'], {cwd: dir})
    assert.equal(up.code, 0, up.stderr + up.stdout)
    for (let i = 0; i < 30; i++) {
      const form = new FormData()
      form.append('file', new Blob([randomBytes(2000)]), `r${i}.bin`)
      const res = await fetch(`http://127.0.0.1:10638/racks/r${i}.bin`, {method: 'POST', body: form})
      assert.ok(res.ok, `upload ${i}: ${res.status}`)
    }
    const before = await volumesByNode(master)
    const held = before.get('127.0.0.5:9833') ?? 0
    const rack2Free = 4 - (before.get('127.0.0.3:9831') ?? 0)
    const free = [...before].filter(([n]) => n !== '127.0.0.5:9833').reduce((a, [, v]) => a + 4 - v, 0)
    assert.ok(held > rack2Free && free >= held, `the layout this test needs: ${JSON.stringify([...before])}`)

    const {result, ms, startupMs} = await timedRefusal(['scale', 'volume', '3'], dir)
    log(`scale volume 3 (010, 2 racks) refused by the dry run in ${ms} ms (the CLI refusing a bad argument: ${startupMs} ms)`)
    assert.equal(result.code, 2, result.stderr + result.stdout)
    // A refusal costs the CLI's start and a weed shell dry run or two; a drain that had begun would take far longer
    // (each volume copies, then tails until idle). The margin is wide because CI runs two suites on 2 cores.
    assert.ok(ms < 3000 || ms - startupMs < 8000, `refused after ${ms} ms`)
    assert.match(result.stderr, /weed's dry run of the drain \(volumeServer\.evacuate\) says it cannot succeed/)
    const refused = new RegExp(`volume-4 \\(127\\.0\\.0\\.5:9833\\): (\\d+) of its ${held} volumes cannot move: \\d+ \\(replication 010\\)`).exec(result.stderr)
    assert.ok(refused, result.stderr)
    assert.ok(Number(refused[1]) >= held - rack2Free, `at least the ${held - rack2Free} volumes volume-2 has no room for: ${result.stderr}`)
    assert.match(result.stderr, /Nothing was changed/)
    assert.deepEqual(await volumesByNode(master), before)
    assert.match(readFileSync(join(dir, 'seaweed.yaml'), 'utf8'), /count: 4/)
    const state = JSON.parse((await cli(['status', '--json'], {cwd: dir})).stdout).processes as ProcessRow[]
    assert.ok(state.every((p) => p.state === 'RUNNING'), JSON.stringify(state))
  })
})
