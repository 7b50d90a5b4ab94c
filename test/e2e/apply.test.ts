import assert from 'node:assert/strict'
import {createHash, randomBytes} from 'node:crypto'
import {appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {cli, everyNodeHoldsVolumes, listedNodes, testDir, TEST_WEED_VERSION, waitFor, weedSection} from '../helpers/cli.js'
import {inMaintenance} from '../helpers/interrupt.js'

// Ports of this file: portOffset 2300 (master 11633, volumes 10380-10383, filer 11188, s3 10633).
// Addresses are read from `status --json`, never assumed.
const OFFSET = 2300
/** The weed version the upgrade goes to and back from: the other one CI runs. */
const OTHER_VERSION = TEST_WEED_VERSION === '4.48' ? '4.30' : '4.48'

const SPEC = `# a cluster edited by hand while it runs
portOffset: ${OFFSET}
${weedSection()}master:
  defaultReplication: "001"   # two copies, two servers
volume:
  count: 4
  max: 0                      # from free disk space
filer:
  count: 1
s3:
  count: 0
logs:
  maxBytes: 50MB
`

interface Proc {name: string; kind: string; pid: number; state: string; weedVersion: string}
interface Report {processes: Proc[]; endpoints: {master: string; filer?: string; s3?: string}}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')

describe('apply an edited seaweed.yaml to a running cluster, roll restarts and upgrades', () => {
  const {dir, cleanup} = testDir('apply')
  const file = join(dir, 'seaweed.yaml')
  const run = (args: string[], timeoutMs = 240_000) => cli([...args, '--file', file], {cwd: dir, timeoutMs})
  const status = async (): Promise<Report> => JSON.parse((await run(['status', '--json'])).stdout) as Report
  const pids = (report: Report) => new Map(report.processes.map((p) => [p.name, p.pid]))
  const edit = (from: RegExp, to: string) => {
    const text = readFileSync(file, 'utf8')
    assert.match(text, from)
    writeFileSync(file, text.replace(from, to))
  }
  let filer = ''
  /** Every file the filer acknowledged (2xx): path → sha256. */
  const acknowledged = new Map<string, string>()
  let written = 0

  /** Writes through the filer until stopped; only acknowledged files count. */
  function startWriter(label: string): () => Promise<{attempts: number; failures: number}> {
    let stop = false
    let attempts = 0
    let failures = 0
    const loop = (async () => {
      while (!stop) {
        const data = randomBytes(512 + (written++ % 50) * 211)
        const path = `/apply/${label}/f${attempts++}.bin`
        try {
          const form = new FormData()
          form.append('file', new Blob([data]), 'f.bin')
          const res = await fetch(`${filer}${path}`, {method: 'POST', body: form, signal: AbortSignal.timeout(10_000)})
          await res.arrayBuffer()
          if (res.ok) acknowledged.set(path, sha256(data))
          else failures++
        } catch {
          failures++
        }
        await new Promise((r) => setTimeout(r, 20))
      }
    })()
    return async () => {
      stop = true
      await loop
      return {attempts, failures}
    }
  }

  async function assertAllReadBack(): Promise<void> {
    const lost: string[] = []
    for (const [path, sum] of acknowledged) {
      const res = await fetch(`${filer}${path}`, {signal: AbortSignal.timeout(10_000)})
      const body = Buffer.from(await res.arrayBuffer())
      if (res.status !== 200 || sha256(body) !== sum) lost.push(`${path} (${res.status})`)
    }
    assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.size} acknowledged files did not read back identical`)
  }

  async function allRunning(): Promise<Report> {
    return waitFor('every process RUNNING', async () => {
      const report = await status()
      return report.processes.every((p) => p.state === 'RUNNING') ? report : undefined
    }, 60_000)
  }

  before(async () => {
    writeFileSync(file, SPEC)
    const up = await run(['up'])
    assert.equal(up.code, 0, up.stderr + up.stdout)
    filer = (await status()).endpoints.filer!
  })
  after(cleanup)

  test('S3 on: diff shows it first (exit 1), up starts the gateway and nothing else, then diff is empty (exit 0)', async () => {
    const before = pids(await status())
    edit(/^s3:\n {2}count: 0/m, 's3:\n  count: 1')
    const diff = await run(['diff', '--json'])
    assert.equal(diff.code, 1, diff.stderr + diff.stdout)
    const changed = JSON.parse(diff.stdout).diff.processes.filter((p: {change: string}) => p.change !== 'unchanged')
    assert.deepEqual(changed.map((p: {name: string; change: string}) => [p.name, p.change]), [['s3-1', 'added']])
    const dry = await run(['up', '--dry-run'])
    assert.equal(dry.code, 1, dry.stderr)
    assert.match(dry.stdout, /s3-1\s+added/)

    const up = await run(['up'])
    assert.equal(up.code, 0, up.stderr + up.stdout)
    const report = await status()
    assert.equal(report.processes.find((p) => p.name === 's3-1')?.state, 'RUNNING')
    const s3 = await fetch(`${report.endpoints.s3}/status`)
    assert.equal(s3.status, 200)
    for (const [name, pid] of before) assert.equal(pids(report).get(name), pid, `${name} kept its pid`)
    const again = await run(['diff'])
    assert.equal(again.code, 0, again.stdout)
    assert.match(again.stdout, /runs exactly what the file says/)
  })

  test('logs.maxBytes: restarts nothing, and the new limit is in effect', async () => {
    const before = pids(await status())
    edit(/maxBytes: 50MB/, 'maxBytes: 64KB')
    const up = await run(['up'])
    assert.equal(up.code, 0, up.stderr + up.stdout)
    assert.deepEqual(pids(await status()), before)
    // 100 KB in master-1's log: above the new limit, far below the old one; the daemon rotates it within seconds.
    const log = join(dir, '.seaweed', 'logs', 'master-1.log')
    appendFileSync(log, `${'x'.repeat(99)}\n`.repeat(1000))
    await waitFor('master-1.log rotated at 64KB', () => existsSync(`${log}.1`) && statSync(log).size < 64_000, 30_000)
    assert.equal((await run(['diff'])).code, 0)
  })

  test('dataDir, bind and the master count are refused; the cluster is untouched', async () => {
    const before = pids(await status())
    const original = readFileSync(file, 'utf8')
    for (const [from, to, setting] of [
      [/^portOffset/m, 'dataDir: ./elsewhere\nportOffset', 'dataDir'],
      [/^portOffset/m, 'bind: 127.0.0.9\nportOffset', 'bind'],
      [/^master:\n/m, 'master:\n  count: 3\n', 'master.count'],
    ] as const) {
      writeFileSync(file, original.replace(from, to))
      const up = await run(['up'])
      assert.equal(up.code, 2, `${setting}: ${up.stderr}${up.stdout}`)
      assert.match(up.stderr, new RegExp(`${setting.replace('.', '\\.')}:.*→`))
      assert.match(up.stderr, /Nothing was changed/)
      const diff = await run(['diff'])
      assert.equal(diff.code, 1)
      assert.match(diff.stdout, /up would refuse/)
      assert.equal(readFileSync(file, 'utf8'), original.replace(from, to), 'up did not touch seaweed.yaml')
    }
    writeFileSync(file, original)
    assert.equal(existsSync(join(dir, 'elsewhere')), false, 'no new data directory')
    assert.deepEqual(pids(await status()), before)
  })

  test('volume.max: the volume servers roll one at a time under writes; no acknowledged file lost; masters, filer, S3 keep their pids', async () => {
    const before = await allRunning()
    const stopWriter = startWriter('max')
    await waitFor('the writer is writing', () => acknowledged.size >= 20, 30_000)
    edit(/max: 0 /, 'max: 40 ')
    const up = await run(['up'])
    const writes = await stopWriter()
    assert.equal(up.code, 0, up.stderr + up.stdout)
    const order = [...up.stdout.matchAll(/restarting (\S+)/g)].map((m) => m[1])
    assert.deepEqual(order, ['volume-1', 'volume-2', 'volume-3', 'volume-4'])
    const report = await allRunning()
    for (const p of before.processes) {
      if (p.kind === 'volume') assert.notEqual(pids(report).get(p.name), p.pid, `${p.name} restarted`)
      else assert.equal(pids(report).get(p.name), p.pid, `${p.name} kept its pid`)
    }
    assert.ok(writes.attempts - writes.failures >= 20, `writes went on during the roll: ${JSON.stringify(writes)}`)
    await assertAllReadBack()
    assert.equal((await run(['diff'])).code, 0)
  })

  // The filer is left out here only for time (its graceful stop takes ~15 s); the upgrade below rolls it twice.
  test('restart --rolling master volume s3 under writes: every file reads back identical, each RUNNING on a new pid', async () => {
    const before = await allRunning()
    const stopWriter = startWriter('rolling')
    const restart = await run(['restart', '--rolling', 'master', 'volume', 's3'])
    await stopWriter()
    assert.equal(restart.code, 0, restart.stderr + restart.stdout)
    const order = [...restart.stdout.matchAll(/restarting (\S+)/g)].map((m) => m[1])
    assert.deepEqual(order, ['master-1', 'volume-1', 'volume-2', 'volume-3', 'volume-4', 's3-1'])
    const report = await allRunning()
    for (const p of before.processes) {
      if (p.kind === 'filer') assert.equal(pids(report).get(p.name), p.pid, `${p.name} was not a target`)
      else assert.notEqual(pids(report).get(p.name), p.pid, `${p.name} restarted`)
    }
    await assertAllReadBack()
  })

  test(`weed upgrade ${OTHER_VERSION} and back to ${TEST_WEED_VERSION} under writes: status shows each version, nothing lost`, async () => {
    for (const version of [OTHER_VERSION, TEST_WEED_VERSION]) {
      const stopWriter = startWriter(`upgrade-${version}`)
      const upgrade = await run(['weed', 'upgrade', version], 300_000)
      await stopWriter()
      assert.equal(upgrade.code, 0, upgrade.stderr + upgrade.stdout)
      assert.match(upgrade.stdout, /To go back: seaweedctl weed upgrade/)
      assert.match(readFileSync(file, 'utf8'), new RegExp(`version: "${version.replace('.', '\\.')}"`))
      assert.match(readFileSync(file, 'utf8'), /^# a cluster edited by hand while it runs/, 'comments kept')
      const report = await allRunning()
      assert.deepEqual([...new Set(report.processes.map((p) => p.weedVersion))], [version])
      await assertAllReadBack()
      assert.equal((await run(['diff'])).code, 0)
    }
  })

  test('volume.count 4 → 2 under writes: up drains volume-4 and volume-3 together, stops them; no maintenance mode; every file identical', async () => {
    const master = (await status()).endpoints.master
    // Where weed placed the volumes is chance: the leaving servers must hold some, or their drain moves nothing.
    await everyNodeHoldsVolumes(master, 4, '001')
    const stopWriter = startWriter('count')
    await waitFor('the writer is writing', () => acknowledged.size >= 20, 30_000)
    edit(/^volume:\n {2}count: 4/m, 'volume:\n  count: 2')
    const up = await run(['up'], 600_000)
    const writes = await stopWriter()
    assert.equal(up.code, 0, up.stderr + up.stdout)
    const drains = up.stdout.match(/^.*draining volume.*$/gm) ?? []
    assert.equal(drains.length, 1, `one drain for both servers, each volume moved once onto a server that stays:\n${up.stdout}`)
    assert.match(drains[0], /draining volume-4, volume-3 /)
    const report = await allRunning()
    assert.deepEqual(report.processes.filter((p) => p.kind === 'volume').map((p) => p.name), ['volume-1', 'volume-2'])
    await waitFor('the master to list 2 volume servers', async () => ((await listedNodes(master)).length === 2 ? true : undefined), 60_000)
    assert.deepEqual(await inMaintenance(master), [])
    assert.ok(writes.attempts - writes.failures >= 20, `writes went on during the drain: ${JSON.stringify(writes)}`)
    await assertAllReadBack()
    assert.equal((await run(['diff'])).code, 0)
  })

  test('an upgrade whose first step fails stops there: that process goes back, the cluster serves, diff and status show where it stands', async () => {
    // A "weed 4.31" that cannot start (an ELF that exits 1), known to the version cache as 4.31: a broken build.
    const cache = join(dir, 'broken-cache')
    const fake = join(cache, 'seaweedctl', 'weed', '4.31', 'weed')
    mkdirSync(join(fake, '..'), {recursive: true})
    copyFileSync('/bin/false', fake)
    const stat = statSync(fake)
    writeFileSync(join(cache, 'seaweedctl', 'versions.json'), JSON.stringify({[`${fake}\0${stat.size}\0${stat.mtimeMs}`]: {major: 4, minor: 31, text: '4.31', sizeLimit: '8000GB'}}))
    const before = await allRunning()

    const upgrade = await cli(['weed', 'upgrade', '4.31', '--no-install', '--file', file], {cwd: dir, env: {XDG_CACHE_HOME: cache}, timeoutMs: 240_000})
    assert.equal(upgrade.code, 3, upgrade.stderr + upgrade.stdout)
    assert.match(upgrade.stderr, /master-1 failed on its new plan/)
    assert.match(upgrade.stderr, /master-1 runs what it ran before again/)
    assert.match(upgrade.stderr, new RegExp(`To go back: seaweedctl weed upgrade ${TEST_WEED_VERSION.replace('.', '\\.')}`))
    const report = await allRunning()
    assert.deepEqual([...new Set(report.processes.map((p) => p.weedVersion))], [TEST_WEED_VERSION])
    // The roll touched nothing after master-1. (Volume servers are not checked: while master-1 is down, liveness
    // may restart them for "not listed by the master"; that is supervision's rule, not the roll's.)
    for (const p of before.processes) if (p.kind === 'filer' || p.kind === 's3') assert.equal(pids(report).get(p.name), p.pid, `${p.name} untouched`)
    const diff = await run(['diff', '--json'])
    assert.equal(diff.code, 1)
    const pending = JSON.parse(diff.stdout).diff.processes.filter((p: {change: string}) => p.change === 'changed')
    assert.equal(pending.length, report.processes.length, 'every process still to move to 4.31')

    const back = await run(['weed', 'upgrade', TEST_WEED_VERSION])
    assert.equal(back.code, 0, back.stderr + back.stdout)
    assert.equal((await run(['diff'])).code, 0)
    await assertAllReadBack()
  })
})
