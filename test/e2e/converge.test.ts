import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {GetObjectCommand, PutObjectCommand, type S3Client} from '@aws-sdk/client-s3'

import {BIN, cli, testDir, TEST_WEED_VERSION, waitFor, weedPidsUnder, weedSection} from '../helpers/cli.js'
import {s3Client} from '../helpers/s3.js'

// Ports of this file: portOffset 3800 (master 13133, volumes 11880-11881, filer 12688 then 12690, s3 12133) and 3900
// (master 13233, volumes 11980-11981, filer 12788).
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')
const log = (line: string) => process.stdout.write(`# [weed ${TEST_WEED_VERSION}] ${line}\n`)

interface Report {endpoints: {master: string; filer?: string; s3?: string}; processes: Array<{name: string; state: string; pid: number | null}>}

describe('moving the filer\'s port with S3 gateways on it (replication 001, an S3 writer running)', () => {
  const {dir, cleanup} = testDir('filer-move')
  after(cleanup)
  let s3: S3Client
  after(() => s3?.destroy())
  const objects = new Map<string, string>()
  const file = join(dir, 'seaweed.yaml')
  const status = async () => {
    const r = await cli(['status', '--json'], {cwd: dir})
    return {code: r.code, report: JSON.parse(r.stdout) as Report}
  }

  async function put(key: string): Promise<void> {
    const data = randomBytes(200 + Math.floor(Math.random() * 5000))
    await s3.send(new PutObjectCommand({Bucket: 'moved', Key: key, Body: data}))
    objects.set(key, sha256(data))
  }

  test('up with S3; 60 objects', async () => {
    writeFileSync(file, `name: moved\nportOffset: 3800\nmaster: {defaultReplication: "001"}\nvolume: {count: 2}\nfiler: {count: 1}\ns3: {count: 1, buckets: [moved]}\n${weedSection()}`)
    const result = await cli(['up'], {cwd: dir})
    assert.equal(result.code, 0, result.stderr + result.stdout)
    const env = JSON.parse((await cli(['env', '--format', 'json'], {cwd: dir})).stdout) as Record<string, string>
    s3 = s3Client(env.AWS_ENDPOINT_URL, {accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY})
    for (let i = 0; i < 60; i += 10) await Promise.all(Array.from({length: 10}, (_, k) => put(`a-${i + k}`)))
  })

  test('filer.port 8890: up moves the filer, restarts s3-1 onto it, exit 0; status, env and diff show the new filer', async () => {
    let stop = false
    let attempts = 0
    const writer = (async () => {
      while (!stop) await put(`w-${attempts++}`).catch(() => undefined)
    })()
    writeFileSync(file, readFileSync(file, 'utf8').replace('filer: {count: 1}', 'filer: {count: 1, port: 8890}'))
    const started = Date.now()
    const result = await cli(['up'], {cwd: dir, timeoutMs: 300_000})
    log(`up with the filer moved: exit ${result.code} in ${((Date.now() - started) / 1000).toFixed(1)}s`)
    stop = true
    await writer
    assert.equal(result.code, 0, result.stderr + result.stdout)
    const {code, report} = await status()
    assert.equal(code, 0)
    assert.equal(report.endpoints.filer, 'http://127.0.0.1:12690')
    assert.ok(report.processes.every((p) => p.state === 'RUNNING'))
    const env = JSON.parse((await cli(['env', '--format', 'json'], {cwd: dir})).stdout) as Record<string, string>
    assert.equal(env.SEAWEED_FILER_URL, 'http://127.0.0.1:12690')
    const diff = await cli(['diff'], {cwd: dir})
    assert.equal(diff.code, 0, diff.stdout)
    assert.ok((await fetch('http://127.0.0.1:12690/').catch(() => undefined))?.ok, 'the filer answers on its new port')
    const daemonLog = readFileSync(join(dir, '.seaweed', 'run', 'daemon.log'), 'utf8')
    assert.match(daemonLog, /^\S+Z \[seaweedctl up, pid \d+\] restarting filer-1$/m)
    assert.match(daemonLog, /^\S+Z filer-1: restarting: plan changed$/m)
    assert.match(daemonLog, /^\S+Z s3-1: (restarting: plan changed|starting \(pid \d+)/m)
    log(`S3 writer: ${objects.size - 60} of ${attempts} writes acknowledged while the filer moved`)
    for (const [key, digest] of objects) {
      const got = await s3.send(new GetObjectCommand({Bucket: 'moved', Key: key}))
      assert.equal(sha256(Buffer.from(await got.Body!.transformToByteArray())), digest, key)
    }
  })
})

describe('Ctrl-C during a detached `up` stops what that up started', () => {
  const {dir, cleanup} = testDir('up-sigint')
  after(cleanup)

  test('SIGINT once the master runs: exit 130, every weed process and the daemon stopped, status says not running', async () => {
    writeFileSync(join(dir, 'seaweed.yaml'), `name: cut\nportOffset: 3900\nvolume: {count: 2}\nfiler: {count: 1}\n${weedSection()}`)
    const child = spawn(process.execPath, [BIN, 'up'], {cwd: dir, env: {...process.env, CI: 'true'}})
    let output = ''
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString()
    })
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString()
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    await waitFor('a weed process of this up', () => weedPidsUnder(dir).length > 0 || undefined, 60_000)
    const sent = Date.now()
    child.kill('SIGINT')
    const code = await exited
    log(`SIGINT during up: exit ${code} after ${Date.now() - sent} ms`)
    assert.equal(code, 130, output)
    assert.match(output, /stopped everything this `seaweedctl up` had started/)
    assert.deepEqual(weedPidsUnder(dir), [])
    assert.equal(existsSync(join(dir, '.seaweed', 'run', 'daemon.json')), false)
    const st = await cli(['status'], {cwd: dir})
    assert.equal(st.code, 3)
    assert.match(st.stdout, /not running/)
  })
})
