import assert from 'node:assert/strict'
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {closeSync, mkdirSync, openSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {s3Request} from '../../src/s3/client.js'
import {cli, testDir, TEST_WEED_VERSION, waitFor, weedSection} from '../helpers/cli.js'

// Ports of this file: portOffset 2700 (masters 12033-12035, volumes 10780-10781, filer 11588, s3 11033; metrics
// at HTTP + 20000), and Prometheus on 127.0.0.1:12790.
const OFFSET = 2700
const PROMETHEUS_ADDRESS = '127.0.0.1:12790'

const SPEC = `portOffset: ${OFFSET}
${weedSection()}master:
  count: 3
volume:
  count: 2
  racks: 2
filer:
  count: 1
s3:
  count: 1
  buckets: [metrics]
`

interface Target {name: string; kind: string; address: string; url: string; rack?: string; dataCenter?: string}
interface PromTarget {health: string; labels: Record<string, string>; lastError: string; scrapeUrl: string}

/** The S3 request counter weed's gateway exports (weed/stats/metrics.go: namespace SeaweedFS, subsystem s3). */
const S3_REQUESTS = 'SeaweedFS_s3_request_total'

describe(`a real Prometheus scrapes every process of a 3-master S3 cluster (weed ${TEST_WEED_VERSION})`, () => {
  const {dir, cleanup} = testDir('metrics')
  const file = join(dir, 'seaweed.yaml')
  const run = (args: string[], timeoutMs = 240_000) => cli([...args, '--file', file], {cwd: dir, timeoutMs})
  let prometheus: ChildProcess | undefined
  let targets: Target[] = []

  const api = async (path: string) => {
    const res = await fetch(`http://${PROMETHEUS_ADDRESS}${path}`, {signal: AbortSignal.timeout(5000)})
    const body = await res.json() as {status: string; data: any}
    assert.equal(body.status, 'success', JSON.stringify(body))
    return body.data
  }
  const s3Requests = async (): Promise<number | undefined> => {
    const data = await api(`/api/v1/query?query=${encodeURIComponent(`sum(${S3_REQUESTS})`)}`)
    return data.result.length > 0 ? Number(data.result[0].value[1]) : undefined
  }

  before(async () => {
    const installed = spawnSync('prometheus', ['--version'], {encoding: 'utf8'})
    assert.equal(installed.status, 0, 'prometheus is not installed: run scripts/install-prometheus.sh')
    writeFileSync(file, SPEC)
    const up = await run(['up'])
    assert.equal(up.code, 0, up.stderr + up.stdout)
  })
  after(async () => {
    if (prometheus?.pid !== undefined && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus!.once('exit', r))
      process.kill(prometheus.pid, 'SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))])
      if (prometheus.exitCode === null) process.kill(prometheus.pid, 'SIGKILL')
    }
    await cleanup()
  })

  test('seaweedctl metrics lists one endpoint per process, each serving Prometheus text on loopback', async () => {
    const listed = await run(['metrics', '--json'])
    assert.equal(listed.code, 0, listed.stderr)
    targets = (JSON.parse(listed.stdout) as {targets: Target[]}).targets
    assert.deepEqual(targets.map((t) => t.name).sort(), ['filer-1', 'master-1', 'master-2', 'master-3', 's3-1', 'volume-1', 'volume-2'])
    for (const t of targets) {
      assert.match(t.address, /^127\./, `${t.name} listens on loopback`)
      const res = await fetch(t.url, {signal: AbortSignal.timeout(5000)})
      assert.equal(res.status, 200, t.url)
      assert.match(await res.text(), /^# HELP /m, `${t.name} serves Prometheus text`)
    }
    assert.deepEqual(targets.filter((t) => t.kind === 'volume').map((t) => t.rack).sort(), ['rack1', 'rack2'])
    const human = await run(['metrics'])
    assert.match(human.stdout, /volume-2\s+volume\s+http:\/\/127\.0\.0\.3:15781\/metrics\s+dc1\s+rack2/)
  })

  test('export prometheus: Prometheus loads it, every target is up with its labels, and an S3 write moves the S3 request counter', async () => {
    const out = join(dir, 'prometheus')
    const exported = await run(['export', 'prometheus', '-o', out])
    assert.equal(exported.code, 0, exported.stderr)
    const config = join(out, 'prometheus.yml')
    const check = spawnSync('promtool', ['check', 'config', config], {encoding: 'utf8'})
    assert.equal(check.status, 0, check.stdout + check.stderr)

    const data = join(dir, 'prometheus-data')
    mkdirSync(data)
    const log = openSync(join(dir, 'prometheus.log'), 'a')
    prometheus = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${data}`, `--web.listen-address=${PROMETHEUS_ADDRESS}`], {stdio: ['ignore', log, log]})
    closeSync(log)
    const logText = () => readFileSync(join(dir, 'prometheus.log'), 'utf8').split('\n').slice(-20).join('\n')

    const active = await waitFor('every target up in Prometheus', async () => {
      const list = (await api('/api/v1/targets?state=active')).activeTargets as PromTarget[]
      return list.length === targets.length && list.every((t) => t.health === 'up') ? list : undefined
    }, 90_000).catch((error) => assert.fail(`${(error as Error).message}\n${logText()}`))
    for (const t of targets) {
      const seen = active.find((a) => a.labels.name === t.name)
      assert.ok(seen, `${t.name} is a target`)
      assert.equal(seen.labels.kind, t.kind)
      assert.equal(seen.labels.instance, t.address)
      assert.equal(seen.labels.rack, t.rack)
      assert.equal(seen.labels.data_center, t.dataCenter)
    }
    const up = await api(`/api/v1/query?query=${encodeURIComponent('count(up == 1)')}`)
    assert.equal(Number(up.result[0].value[1]), targets.length)

    const env = JSON.parse((await run(['env', '--format', 'json'])).stdout) as Record<string, string>
    const key = {accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, region: env.AWS_REGION}
    // The counter exists once the gateway has served a request (the readiness probe's signed ListBuckets).
    const before = await waitFor(`${S3_REQUESTS} scraped`, s3Requests, 60_000)
    for (let i = 0; i < 5; i++) {
      const put = await s3Request(env.AWS_ENDPOINT_URL, key, 'PUT', `/metrics/object-${i}.txt`, {body: Buffer.from(`object ${i}`)})
      assert.equal(put.status, 200, `S3 PUT: ${put.status} ${put.body.toString()}`)
    }
    const writes = await waitFor('an S3 PUT counted by Prometheus', async () => {
      const data = await api(`/api/v1/query?query=${encodeURIComponent(`sum(${S3_REQUESTS}{type="PUT"})`)}`)
      const value = data.result.length > 0 ? Number(data.result[0].value[1]) : 0
      return value >= 5 ? value : undefined
    }, 60_000)
    assert.ok(writes >= 5)
    const total = await s3Requests()
    assert.ok(total !== undefined && total >= before + 5, `${S3_REQUESTS} moved from ${before} to ${total}`)
  })
})
