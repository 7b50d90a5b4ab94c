#!/usr/bin/env node
// Benchmark: seaweedctl against `weed mini` for a CI job's S3 endpoint, alternated in one run on the same weed.
//   up:     `up --volumes 2 --s3 --bucket bkt` to its return, vs `weed mini -s3 -bucket bkt` until a signed PutObject
//           to b succeeds (curl --aws-sigv4, polled every 10 ms). Loopback; telemetry, admin UI, WebDAV, Iceberg
//           and Lance off; the same keys (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY for both). And the same five
//           processes started by a plain script (bench/baseline-cluster.sh) to that PutObject: the layout's floor.
//   down:   `down`, and `down --purge --yes`, vs SIGTERM to weed mini until it exits.
//   filer:  the write outage of `restart filer-1` (writes through the filer every 10 ms), and `down`, with and
//           without CAP_NET_ADMIN (setpriv --bounding-set=-net_admin).
// usage: node bench/s3-up.mjs [ROUNDS] [--json]   (default 3; weed's default ports, as weed mini has them; needs
//        npm run build, weed, curl ≥ 7.75; --json: the human lines go to stderr, the last line of stdout has every time)
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {alive} from './lib.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BIN = join(ROOT, 'bin', 'run.js')
const json = process.argv.includes('--json')
const rounds = Number(process.argv.slice(2).find((a) => a !== '--json') ?? 3)
const log = (line) => (json ? process.stderr : process.stdout).write(`${line}\n`)
const weed = execFileSync('bash', [join(ROOT, 'scripts', 'install-weed.sh')], {encoding: 'utf8'}).trim().split('\n').at(-1)
const keys = {AWS_ACCESS_KEY_ID: 'BENCHKEY0123456789', AWS_SECRET_ACCESS_KEY: 'bench-secret-0123456789abcdef'}
const work = mkdtempSync(join(tmpdir(), 'seaweedctl-s3-bench-'))
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`

function ctl(args, cwd, unprivileged = false) {
  const [cmd, argv] = unprivileged ? ['setpriv', ['--bounding-set=-net_admin', process.execPath, BIN, ...args]] : [process.execPath, [BIN, ...args]]
  const t0 = performance.now()
  const r = spawnSync(cmd, argv, {cwd, encoding: 'utf8', env: {...process.env, ...keys, CI: 'true'}})
  if (r.status !== 0) throw new Error(`seaweedctl ${args.join(' ')}: ${r.stderr}${r.stdout}`)
  return performance.now() - t0
}

const probeFile = join(work, 'probe.txt')
writeFileSync(probeFile, 'x')
// The bucket is "bkt", not "b": S3 bucket names have at least 3 characters (weed mini refuses "b" as well).
const BUCKET = 'bkt'

function signedPut(s3, bucket) {
  // -T: curl signs the payload hash of an upload (with --data it signs a form body weed does not verify).
  const r = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '1', '-T', probeFile, '--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', `${keys.AWS_ACCESS_KEY_ID}:${keys.AWS_SECRET_ACCESS_KEY}`, `${s3}/${bucket}/probe.txt`], {encoding: 'utf8'})
  return r.stdout === '200'
}

async function miniRound(dir) {
  const config = join(dir, 's3.json')
  writeFileSync(config, JSON.stringify({identities: [{name: 'admin', credentials: [{accessKey: keys.AWS_ACCESS_KEY_ID, secretKey: keys.AWS_SECRET_ACCESS_KEY}], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging']}]}), {mode: 0o600})
  const t0 = performance.now()
  const child = spawn(weed, ['mini', `-dir=${dir}`, '-ip=127.0.0.1', '-ip.bind=127.0.0.1', '-s3', `-bucket=${BUCKET}`, `-s3.config=${config}`, '-admin.ui=false', '-webdav=false', '-s3.port.iceberg=0', '-s3.port.lance=0', '-master.telemetry=false'], {cwd: dir, stdio: 'ignore', env: {...process.env, ...keys}})
  const exited = new Promise((r) => child.once('exit', r))
  while (!signedPut('http://127.0.0.1:8333', BUCKET)) {
    if (performance.now() - t0 > 60_000) throw new Error('weed mini: no signed PUT within 60 s')
    await sleep(10)
  }
  const up = performance.now() - t0
  const t1 = performance.now()
  child.kill('SIGTERM')
  await exited
  return {up, down: performance.now() - t1}
}

/**
 * The same five processes as `up --volumes 2 --s3` started by a plain script (bench/baseline-cluster.sh), to the
 * same signed PutObject: the floor of the five-process layout, which weed mini (one process) does not pay.
 */
function scriptRound(dir) {
  const config = join(dir, 's3.json')
  writeFileSync(config, JSON.stringify({identities: [{name: 'admin', credentials: [{accessKey: keys.AWS_ACCESS_KEY_ID, secretKey: keys.AWS_SECRET_ACCESS_KEY}], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging']}]}), {mode: 0o600})
  const t0 = performance.now()
  execFileSync('bash', [join(ROOT, 'bench', 'baseline-cluster.sh'), weed, join(dir, 'c'), '0', '2'], {env: {...process.env, ...keys, S3_CONFIG: config, S3_BUCKET: BUCKET}, stdio: 'ignore', timeout: 60_000})
  const up = performance.now() - t0
  for (const pid of readFileSync(join(dir, 'c', 'pids'), 'utf8').trim().split('\n').map(Number)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
    while (alive(pid)) spawnSync('sleep', ['0.02'])
  }
  return up
}

/** Writes through the filer every 10 ms during `restart filer-1`; the outage is first failure → last failure. */
async function filerRestartOutage(dir, unprivileged) {
  let failures = 0
  let first
  let last
  let writing = true
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      const form = new FormData()
      form.append('file', new Blob([`w${i}`]), 'w.txt')
      const ok = await fetch(`http://127.0.0.1:8888/bench/w${i}.txt`, {method: 'POST', body: form, signal: AbortSignal.timeout(1000)}).then((r) => r.status < 300, () => false)
      if (!ok) {
        failures++
        first ??= performance.now()
        last = performance.now()
      }
      await sleep(10)
    }
  })()
  await sleep(300)
  ctl(['restart', 'filer-1'], dir, unprivileged)
  await sleep(300)
  writing = false
  await writer
  return {outage: first === undefined ? 0 : last - first, failures}
}

const rows = {ctlUp: [], miniUp: [], scriptUp: [], ctlDown: [], ctlPurge: [], miniDown: [], filerRestart: {}}
try {
  for (let round = 1; round <= rounds; round++) {
    const mini = mkdtempSync(join(work, 'mini-'))
    const m = await miniRound(mini)
    rmSync(mini, {recursive: true, force: true})
    const plain = mkdtempSync(join(work, 'script-'))
    const script = scriptRound(plain)
    rmSync(plain, {recursive: true, force: true})
    const dir = mkdtempSync(join(work, 'ctl-'))
    const up = ctl(['up', '--volumes', '2', '--s3', '--bucket', BUCKET, '--weed', weed], dir)
    if (!signedPut('http://127.0.0.1:8333', BUCKET)) throw new Error('seaweedctl: signed PUT failed after up returned')
    const down = ctl(['down'], dir)
    ctl(['up'], dir)
    const purge = ctl(['down', '--purge', '--yes'], dir)
    rmSync(dir, {recursive: true, force: true})
    rows.ctlUp.push(up); rows.miniUp.push(m.up); rows.scriptUp.push(script); rows.ctlDown.push(down); rows.ctlPurge.push(purge); rows.miniDown.push(m.down)
    log(`round ${round}: up ${fmt(up)} vs mini ${fmt(m.up)} (${(up / m.up).toFixed(2)}×), the plain five-process script ${fmt(script)} (${(script / m.up).toFixed(2)}× mini) · down ${fmt(down)}, down --purge --yes ${fmt(purge)} vs mini stop ${fmt(m.down)} (${(down / m.down).toFixed(2)}×, ${(purge / m.down).toFixed(2)}×)`)
  }
  log(`median: up ${fmt(median(rows.ctlUp))} vs weed mini ${fmt(median(rows.miniUp))} = ${(median(rows.ctlUp) / median(rows.miniUp)).toFixed(2)}× (target ≤ 1.0)`)
  log(`median: down ${fmt(median(rows.ctlDown))} = ${(median(rows.ctlDown) / median(rows.miniDown)).toFixed(2)}×, down --purge --yes ${fmt(median(rows.ctlPurge))} = ${(median(rows.ctlPurge) / median(rows.miniDown)).toFixed(2)}× weed mini's stop ${fmt(median(rows.miniDown))} (target ≤ 1.0)`)

  for (const unprivileged of [false, true]) {
    const dir = mkdtempSync(join(work, 'filer-'))
    ctl(['up', '--volumes', '2', '--s3', '--weed', weed], dir, unprivileged)
    const restart = await filerRestartOutage(dir, unprivileged)
    const down = ctl(['down'], dir, unprivileged)
    ctl(['up'], dir, unprivileged)
    ctl(['down', '--purge', '--yes'], dir, unprivileged)
    rmSync(dir, {recursive: true, force: true})
    rows.filerRestart[unprivileged ? 'withoutNetAdmin' : 'withNetAdmin'] = {outageMs: restart.outage, failures: restart.failures, downMs: down}
    log(`${unprivileged ? 'without' : 'with   '} CAP_NET_ADMIN: restart filer-1 write outage ${fmt(restart.outage)} (${restart.failures} failed writes) · down ${fmt(down)}`)
  }
  if (json) process.stdout.write(`${JSON.stringify(rows)}\n`)
} finally {
  spawnSync('bash', ['-c', `for d in ${work}/*/; do [ -f "$d/seaweed.yaml" ] && (cd "$d" && node ${BIN} down --purge --yes >/dev/null 2>&1); done; rm -rf ${work}`])
}
