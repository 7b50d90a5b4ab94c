import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {cli, listedNodes, testDir, waitFor, WEED_VERSION_ARGS, weedSection} from '../helpers/cli.js'

// Ports of this file: portOffset 1700 (master 11033, volumes 9780-9785, filer 10588) and 1750 (master 11083, volumes 9830-9831).
const MASTER = 'http://127.0.0.1:11033'
const FILER = 'http://127.0.0.1:10588'
const volumeUrl = (i: number) => `127.0.0.1:${8080 + 1700 + i - 1}`

// A hand-written spec: comments, blank lines, an unusual key order and quoting, all of which must survive.
const SPEC = `# my cluster — do not reformat

volume:
  preStopSeconds: 1   # quick stops in dev
  count: 4            # four servers

portOffset:   1700
name: "scaled"

# filers below
filer: {count: 1}
${weedSection()}`

describe('scale volume servers of a running cluster', () => {
  const {dir, cleanup} = testDir('scale')
  const small = testDir('scale-001')
  after(async () => {
    await Promise.all([cleanup(), small.cleanup()])
  })
  const files = new Map<string, Buffer>()
  const pidsOf = async () => JSON.parse((await cli(['status', '--json'], {cwd: dir})).stdout).processes as Array<{name: string; pid: number; state: string}>

  test('up with a hand-written spec, and write files through the filer', async () => {
    writeFileSync(join(dir, 'seaweed.yaml'), SPEC)
    const result = await cli(['up'], {cwd: dir})
    assert.equal(result.code, 0, result.stderr + result.stdout)
    for (let i = 0; i < 40; i++) {
      const data = randomBytes(1000 + i * 997)
      const form = new FormData()
      form.append('file', new Blob([data]), `f${i}.bin`)
      const res = await fetch(`${FILER}/scale/`, {method: 'POST', body: form})
      assert.ok(res.ok, `upload ${i}: ${res.status}`)
      files.set(`f${i}.bin`, data)
    }
  })

  test('scale volume 6: 6 listed, the 4 old pids unchanged', async () => {
    const before = (await pidsOf()).filter((p) => p.name.startsWith('volume-'))
    const result = await cli(['scale', 'volume', '6', '--json'], {cwd: dir})
    assert.equal(result.code, 0, result.stderr + result.stdout)
    const out = JSON.parse(result.stdout)
    assert.deepEqual(out.added, ['volume-5', 'volume-6'])
    assert.equal(out.counts.volume, 6)
    assert.equal((await listedNodes(MASTER)).length, 6)
    const afterPids = await pidsOf()
    for (const p of before) assert.equal(afterPids.find((q) => q.name === p.name)?.pid, p.pid, `${p.name} was not restarted`)
  })

  test('scale volume 3: drained first, 3 listed, every file reads back identical', async () => {
    const result = await cli(['scale', 'volume', '3', '--json'], {cwd: dir, timeoutMs: 600_000})
    assert.equal(result.code, 0, result.stderr + result.stdout)
    assert.deepEqual(JSON.parse(result.stdout).removed, ['volume-6', 'volume-5', 'volume-4'])
    assert.deepEqual((await listedNodes(MASTER)).sort(), [1, 2, 3].map(volumeUrl))
    // The removed servers held no volumes when they were stopped: their directories have no volume files left.
    for (const name of ['volume-4', 'volume-5', 'volume-6']) {
      const volumeDir = join(dir, '.seaweed', name)
      assert.ok(existsSync(volumeDir), `${name}'s data directory is kept`)
      assert.deepEqual(readdirSync(volumeDir).filter((f) => f.endsWith('.dat')), [], `${name} still has volumes`)
    }
    for (const [name, data] of files) {
      const got = await waitFor(`${name} readable`, async () => {
        const res = await fetch(`${FILER}/scale/${name}`).catch(() => undefined)
        return res?.ok ? Buffer.from(await res.arrayBuffer()) : undefined
      }, 30_000)
      assert.ok(got.equals(data), `${name} differs`)
    }
  })

  test('seaweed.yaml differs from before only in the count', () => {
    assert.equal(readFileSync(join(dir, 'seaweed.yaml'), 'utf8'), SPEC.replace('count: 4            # four servers', 'count: 3            # four servers'))
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

  test('with replication 001 and 2 servers, scale volume 1 is refused and nothing changes', async () => {
    const up = await cli(['up', '--volumes', '2', '--replication', '001', '--port-offset', '1750', ...WEED_VERSION_ARGS], {cwd: small.dir})
    assert.equal(up.code, 0, up.stderr + up.stdout)
    const spec = readFileSync(join(small.dir, 'seaweed.yaml'), 'utf8')
    const result = await cli(['scale', 'volume', '1'], {cwd: small.dir})
    assert.equal(result.code, 2)
    assert.match(result.stderr, /replication "001"/)
    assert.match(result.stderr, /Nothing was changed/)
    assert.equal(readFileSync(join(small.dir, 'seaweed.yaml'), 'utf8'), spec)
    assert.equal((await listedNodes('http://127.0.0.1:11083')).length, 2)
  })
})
