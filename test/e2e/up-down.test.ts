import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {existsSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {cli, httpJson, isListening, listedNodes, TEST_WEED_VERSION, testDir, waitFor, weedPidsUnder, WEED_VERSION_ARGS} from '../helpers/cli.js'
import {isAlive} from '../../src/supervisor/proc.js'

// Ports of this file: portOffset 1000 (master 10333, volumes 9080-9083, filer 9888).
const OFFSET = 1000
const MASTER = `http://127.0.0.1:${9333 + OFFSET}`
const FILER = `http://127.0.0.1:${8888 + OFFSET}`

describe('up → status → down → up, with real weed', () => {
  const {dir, cleanup} = testDir('updown')
  after(cleanup)
  const payload = randomBytes(200_000)

  test('up --volumes 4 exits 0 only once the cluster serves', async () => {
    const result = await cli(['up', '--volumes', '4', '--port-offset', String(OFFSET), ...WEED_VERSION_ARGS], {cwd: dir})
    assert.equal(result.code, 0, result.stderr + result.stdout)
    assert.match(result.stdout, new RegExp(`^weed: ${TEST_WEED_VERSION.replace('.', '\\.')} `, 'm'))
    assert.match(result.stdout, /canary: wrote and read back/)
    // The default name is the directory's (testDir makes seaweedctl-updown-XXXXXX).
    assert.match(result.stdout, /up: cluster "seaweedctl-updown-[a-z0-9-]+" ready in/)
    // Facts checked independently of seaweedctl's own report:
    const cluster = await httpJson<{Leader?: string}>(`${MASTER}/cluster/status`)
    assert.ok(cluster?.Leader, 'the master has a leader')
    // each volume server on its own loopback address: volume-i on 127.0.0.(i+1)
    assert.deepEqual((await listedNodes(MASTER)).sort(), [9080, 9081, 9082, 9083].map((p, i) => `127.0.0.${i + 2}:${p}`))
    assert.equal((await fetch(`${FILER}/healthz`)).status, 200)
  })

  test('status --json shows 6 processes RUNNING and exits 0', async () => {
    const result = await cli(['status', '--json'], {cwd: dir})
    assert.equal(result.code, 0, result.stderr)
    const report = JSON.parse(result.stdout)
    assert.equal(typeof report.daemon.pid, 'number')
    assert.equal(report.processes.length, 6)
    for (const p of report.processes) {
      assert.equal(p.state, 'RUNNING', `${p.name}: ${p.health}`)
      assert.equal(typeof p.pid, 'number')
      assert.equal(p.ports.grpc, p.ports.http + 10_000)
      assert.equal(p.restarts, 0)
    }
    assert.deepEqual(report.processes.map((p: {name: string}) => p.name), ['master-1', 'volume-1', 'volume-2', 'volume-3', 'volume-4', 'filer-1'])
    assert.equal(report.endpoints.filer, FILER)
    // Every supervised pid is weed itself, not a wrapper.
    assert.deepEqual(weedPidsUnder(dir).sort(), report.processes.map((p: {pid: number}) => p.pid).sort())
  })

  test('a file uploaded to the filer downloads byte-identical', async () => {
    const form = new FormData()
    form.append('file', new Blob([payload]), 'payload.bin')
    const put = await fetch(`${FILER}/e2e/`, {method: 'POST', body: form})
    assert.ok(put.ok, `upload: ${put.status}`)
    const got = Buffer.from(await (await fetch(`${FILER}/e2e/payload.bin`)).arrayBuffer())
    assert.ok(got.equals(payload))
  })

  test('down leaves no weed process and frees every port', async () => {
    const result = await cli(['down'], {cwd: dir})
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(weedPidsUnder(dir), [])
    for (const port of [9333, 19333, 8080, 18080, 8081, 18081, 8082, 18082, 8083, 18083, 8888, 18888]) {
      assert.equal(isListening(port + OFFSET), false, `port ${port + OFFSET} still listening`)
    }
    const status = await cli(['status', '--json'], {cwd: dir})
    assert.equal(status.code, 3)
    assert.equal(JSON.parse(status.stdout).daemon, null)
  })

  test('start/stop on a stopped cluster say so and start nothing', async () => {
    const result = await cli(['restart', 'volume-1'], {cwd: dir})
    assert.equal(result.code, 5)
    assert.match(result.stderr, /is not running; nothing was changed/)
    assert.deepEqual(weedPidsUnder(dir), [])
  })

  test('a second up brings the same cluster back, with the file', async () => {
    const result = await cli(['up'], {cwd: dir})
    assert.equal(result.code, 0, result.stderr + result.stdout)
    const got = await waitFor('the file to be readable', async () => {
      const res = await fetch(`${FILER}/e2e/payload.bin`).catch(() => undefined)
      return res?.ok ? Buffer.from(await res.arrayBuffer()) : undefined
    })
    assert.ok(got.equals(payload))
  })

  test('up again on a running cluster is a no-op that exits 0', async () => {
    const before = weedPidsUnder(dir).sort()
    const result = await cli(['up'], {cwd: dir})
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(weedPidsUnder(dir).sort(), before)
  })

  test('down --purge needs --yes, then deletes the data', async () => {
    const refused = await cli(['down', '--purge'], {cwd: dir})
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /--yes/)
    assert.equal((await cli(['status', '--json'], {cwd: dir})).code, 0, 'refusal changed nothing')
    const result = await cli(['down', '--purge', '--yes', '--json'], {cwd: dir})
    assert.equal(result.code, 0, result.stderr)
    assert.ok(JSON.parse(result.stdout).purged.endsWith('.seaweed'))
    assert.deepEqual(weedPidsUnder(dir), [])
  })
})

describe('a running cluster whose directory is deleted', () => {
  const {dir, cleanup} = testDir('deleted')
  after(cleanup)

  test('the daemon stops every process and exits; nothing of the cluster is recreated', async () => {
    // Keys in the shell that ran up: the daemon, which lives on, keeps none of them (see daemonEnvironment).
    const shell = {AWS_SECRET_ACCESS_KEY: 'not-for-the-daemon', GITHUB_TOKEN: 'not-for-the-daemon-either'}
    const up = await cli(['up', '--volumes', '2', '--port-offset', String(OFFSET), ...WEED_VERSION_ARGS], {cwd: dir, env: shell})
    assert.equal(up.code, 0, up.stderr)
    const status = JSON.parse((await cli(['status', '--json'], {cwd: dir})).stdout) as {daemon: {pid: number}}
    const daemon = status.daemon.pid
    const environ = readFileSync(`/proc/${daemon}/environ`, 'utf8').split('\0')
    assert.ok(environ.some((v) => v.startsWith('PATH=')), 'the daemon has a PATH')
    assert.deepEqual(environ.filter((v) => v.includes('not-for-the-daemon')), [], 'no key of the shell in the daemon\'s environment')
    // Kill one volume server too, so the daemon has a restart due when it finds its directory gone.
    process.kill(weedPidsUnder(dir)[1], 'SIGKILL')
    rmSync(join(dir, '.seaweed'), {recursive: true, force: true})
    await waitFor('every weed of the deleted cluster to stop', () => weedPidsUnder(dir).length === 0, 120_000)
    await waitFor('its daemon to exit', () => !isAlive(daemon), 60_000)
    for (const port of [9333, 19333, 8080, 18080, 8081, 18081, 8888, 18888]) {
      await waitFor(`port ${port + OFFSET} free`, () => !isListening(port + OFFSET), 30_000)
    }
    const seaweed = join(dir, '.seaweed')
    assert.equal(existsSync(seaweed), false, `the deleted directory was recreated: ${existsSync(seaweed) ? readdirSync(seaweed, {recursive: true}).join(', ') : ''}`)
  })
})
