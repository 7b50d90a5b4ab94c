#!/usr/bin/env node
// Benchmark of a change to the start path: two builds of seaweedctl (BEFORE, another checkout with npm run build
// done, and this one) side by side, each round alternating which goes first, against the floors measured in the
// same round: `up --volumes 2 --s3 --bucket bkt` vs `weed mini -s3 -bucket` to its first signed PUT (as
// bench/s3-up.mjs); `up --volumes 4` and startCluster() (4 volume servers, in this process) vs
// bench/baseline-cluster.sh (as bench/up.sh and bench/api-start.mjs). Prints each round, the medians and the ratios.
//   usage: BEFORE=/path/to/other/checkout node bench/start-ab.mjs [ROUNDS]   (default 5; weed's default ports and
//          port offset 3000, so run it in its own network namespace: unshare -n bash -c 'ip link set lo up && exec …';
//          WEED=path, else the 4.48 in the cache; needs curl ≥ 7.75)
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {alive} from './lib.mjs'

if (!process.env.BEFORE) throw new Error('BEFORE: the checkout to compare with (built)')
const ROOTS = {before: process.env.BEFORE, after: fileURLToPath(new URL('..', import.meta.url))}
const weed = process.env.WEED ?? `${process.env.HOME}/.cache/seaweedctl/weed/4.48/weed`
const rounds = Number(process.argv[2] ?? 5)
const keys = {AWS_ACCESS_KEY_ID: 'BENCHKEY0123456789', AWS_SECRET_ACCESS_KEY: 'bench-secret-0123456789abcdef'}
const work = mkdtempSync(join(tmpdir(), 'seaweedctl-start-ab-'))
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 }
const probeFile = join(work, 'probe.txt'); writeFileSync(probeFile, 'x')
const signedPut = (s3, bucket) => spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '1', '-T', probeFile, '--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', `${keys.AWS_ACCESS_KEY_ID}:${keys.AWS_SECRET_ACCESS_KEY}`, `${s3}/${bucket}/probe.txt`], {encoding: 'utf8'}).stdout === '200'
function ctl(root, args, cwd) {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, [join(root, 'bin', 'run.js'), ...args], {cwd, encoding: 'utf8', env: {...process.env, ...keys, CI: 'true'}})
  if (r.status !== 0) throw new Error(`${root} seaweedctl ${args.join(' ')}: ${r.stderr}${r.stdout}`)
  return performance.now() - t0
}
async function mini() {
  const dir = mkdtempSync(join(work, 'mini-'))
  const config = join(dir, 's3.json')
  writeFileSync(config, JSON.stringify({identities: [{name: 'admin', credentials: [{accessKey: keys.AWS_ACCESS_KEY_ID, secretKey: keys.AWS_SECRET_ACCESS_KEY}], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging']}]}), {mode: 0o600})
  const t0 = performance.now()
  const child = spawn(weed, ['mini', `-dir=${dir}`, '-ip=127.0.0.1', '-ip.bind=127.0.0.1', '-s3', '-bucket=bkt', `-s3.config=${config}`, '-admin.ui=false', '-webdav=false', '-s3.port.iceberg=0', '-s3.port.lance=0', '-master.telemetry=false'], {cwd: dir, stdio: 'ignore', env: {...process.env, ...keys}})
  const exited = new Promise((r) => child.once('exit', r))
  while (!signedPut('http://127.0.0.1:8333', 'bkt')) { if (performance.now() - t0 > 60_000) throw new Error('mini'); await sleep(10) }
  const t = performance.now() - t0
  child.kill('SIGTERM'); await exited
  rmSync(dir, {recursive: true, force: true})
  return t
}
function s3up(root) {
  const dir = mkdtempSync(join(work, 'ctl-'))
  const t = ctl(root, ['up', '--volumes', '2', '--s3', '--bucket', 'bkt', '--weed', weed], dir)
  if (!signedPut('http://127.0.0.1:8333', 'bkt')) throw new Error('signed PUT failed after up')
  ctl(root, ['down', '--purge', '--yes'], dir)
  rmSync(dir, {recursive: true, force: true})
  return t
}
function script() {
  const dir = join(work, 'base'); rmSync(dir, {recursive: true, force: true}); mkdirSync(dir)
  const t0 = performance.now()
  execFileSync('bash', [join(ROOTS.after, 'bench', 'baseline-cluster.sh'), weed, dir, '3000'])
  const t = performance.now() - t0
  for (const pid of readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n').map(Number)) { try { process.kill(pid, 'SIGKILL') } catch {} ; while (alive(pid)) spawnSync('sleep', ['0.05']) }
  return t
}
function up4(root) {
  const dir = mkdtempSync(join(work, 'u4-'))
  const t = ctl(root, ['up', '--volumes', '4', '--port-offset', '3000', '--weed', weed], dir)
  ctl(root, ['down', '--purge', '--yes'], dir)
  rmSync(dir, {recursive: true, force: true})
  return t
}
const libs = {before: await import(`${ROOTS.before}/dist/index.js`), after: await import(`${ROOTS.after}/dist/index.js`)}
async function api(which) {
  const dir = mkdtempSync(join(work, 'api-'))
  const t0 = performance.now()
  const cluster = await libs[which].startCluster({dir, volumes: 4, filers: 1, masters: 1, portOffset: 3000, weed})
  const t = performance.now() - t0
  await cluster.down({purge: true})
  rmSync(dir, {recursive: true, force: true})
  return t
}
const rows = {mini: [], s3before: [], s3after: [], script: [], up4before: [], up4after: [], apibefore: [], apiafter: []}
const order = (r) => (r % 2 ? ['before', 'after'] : ['after', 'before'])
try {
  for (let r = 1; r <= rounds; r++) {
    rows.mini.push(await mini())
    for (const w of order(r)) rows[`s3${w}`].push(s3up(ROOTS[w]))
    rows.script.push(script())
    for (const w of order(r)) rows[`up4${w}`].push(up4(ROOTS[w]))
    for (const w of order(r)) rows[`api${w}`].push(await api(w))
    const last = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, Math.round(v.at(-1))]))
    console.log(`round ${r} ${JSON.stringify(last)}`)
  }
  const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]))
  console.log('medians ms', JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v)]))))
  console.log(`s3 up vs weed mini: before ${(m.s3before / m.mini).toFixed(2)}x after ${(m.s3after / m.mini).toFixed(2)}x`)
  console.log(`up --volumes 4 vs script: before ${(m.up4before / m.script).toFixed(2)}x after ${(m.up4after / m.script).toFixed(2)}x`)
  console.log(`startCluster vs script: before ${(m.apibefore / m.script).toFixed(2)}x after ${(m.apiafter / m.script).toFixed(2)}x`)
  console.log(JSON.stringify(rows))
} finally {
  spawnSync('bash', ['-c', `for d in ${work}/*/; do [ -f "$d/seaweed.yaml" ] && (cd "$d" && node ${ROOTS.after}/bin/run.js down --purge --yes >/dev/null 2>&1); done; rm -rf ${work}`])
}
