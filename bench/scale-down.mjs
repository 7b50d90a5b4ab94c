#!/usr/bin/env node
// Benchmark: `seaweedctl scale volume 2` from 4 volume servers with replication 001 (60 files of 30 KB through the
// filer) against weed's own floor on the same layout in the same round: a plain master, 4 volume servers on
// 127.0.0.2–5 and a filer, the same files, then `lock; volumeServer.evacuate -node <4th> -apply;
// volumeServer.evacuate -node <3rd> -apply; unlock` in one weed shell (seaweedfs-ops.md §14.2). Each side is timed
// from the command to its end, and every file is read back and compared afterwards (a benchmark that lost data
// would be measuring the wrong thing).
//   usage: node bench/scale-down.mjs [ROUNDS] [--json] [--before DIR]   (default 1; port offsets 5800 (seaweedctl)
//          and 5900 (plain weed); needs npm run build and weed). --before DIR: also time DIR/bin/run.js (another
//          build of seaweedctl, e.g. the last release) on the same layout in each round.
import {spawn, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {BIN, args, emit, fmtS, log, runBenchmark, signalAndWait, waitFor, weed} from './lib.mjs'

const before = (() => {
  const i = process.argv.indexOf('--before')
  return i > 0 ? process.argv[i + 1] : undefined
})()
const rounds = Number(args.filter((a) => a !== before && a !== '--before')[0] || 1)
const CTL_OFFSET = 5800
const RAW_OFFSET = 5900
const FILES = 60
const SIZE = 30_000

const nodesOf = async (master) => {
  const body = await (await fetch(`${master}/dir/status`, {signal: AbortSignal.timeout(3000)})).json()
  return (body.Topology?.DataCenters ?? []).flatMap((dc) => (dc.Racks ?? []).flatMap((r) => (r.DataNodes ?? []).map((n) => ({url: n.Url, volumes: n.Volumes}))))
}

async function writeFiles(filer) {
  const files = new Map()
  for (let i = 0; i < FILES; i++) {
    const data = randomBytes(SIZE)
    const form = new FormData()
    form.append('file', new Blob([data]), `f${i}.bin`)
    await waitFor(`upload f${i}.bin`, async () => (await fetch(`${filer}/bench/f${i}.bin`, {method: 'POST', body: form, signal: AbortSignal.timeout(10_000)})).ok, 60_000, 200)
    files.set(`/bench/f${i}.bin`, data)
  }
  return files
}

async function checkFiles(filer, files) {
  for (const [path, data] of files) {
    const got = await waitFor(`${path} readable`, async () => {
      const res = await fetch(`${filer}${path}`, {signal: AbortSignal.timeout(10_000)})
      return res.ok ? Buffer.from(await res.arrayBuffer()) : undefined
    }, 30_000, 200)
    if (!got.equals(data)) throw new Error(`${path} differs after the drain`)
  }
}

/** weed's own floor: a plain cluster, the files, then weed's two evacuations in one shell. */
async function plainEvacuate(root, round) {
  const dir = join(root, `plain-${round}`)
  const master = `127.0.0.1:${9333 + RAW_OFFSET}`
  const filer = `http://127.0.0.1:${8888 + RAW_OFFSET}`
  const children = []
  const start = (name, argv) => {
    mkdirSync(join(dir, name), {recursive: true})
    const child = spawn(weed(), ['-logtostderr=true', ...argv], {cwd: join(dir, name), stdio: 'ignore', env: {PATH: '/usr/bin:/bin', HOME: join(dir, name)}})
    children.push(child)
  }
  try {
    start('master', ['master', '-ip=127.0.0.1', `-port=${9333 + RAW_OFFSET}`, `-port.grpc=${19333 + RAW_OFFSET}`, `-mdir=${join(dir, 'master')}`, '-defaultReplication=001'])
    const volumes = [1, 2, 3, 4].map((i) => ({ip: `127.0.0.${i + 1}`, port: 8080 + RAW_OFFSET + i - 1}))
    for (const [i, v] of volumes.entries()) {
      start(`v${i + 1}`, ['volume', `-ip=${v.ip}`, `-ip.bind=${v.ip}`, `-port=${v.port}`, `-port.grpc=${v.port + 10000}`, `-dir=${join(dir, `v${i + 1}`)}`, '-max=8', `-master=${master}`, '-preStopSeconds=1', '-volume.allowUntrustedRemoteEndpoints=true'])
    }
    await waitFor('4 plain volume servers listed', async () => (await nodesOf(`http://${master}`)).length === 4, 60_000, 100)
    start('filer', ['filer', '-ip=127.0.0.1', `-port=${8888 + RAW_OFFSET}`, `-port.grpc=${18888 + RAW_OFFSET}`, `-master=${master}`, `-defaultStoreDir=${join(dir, 'filer')}`, `-localSocket=${join(dir, 'filer.sock')}`])
    await waitFor('the plain filer', async () => (await fetch(`${filer}/`, {signal: AbortSignal.timeout(2000)})).status < 500, 60_000, 100)
    const files = await writeFiles(filer)
    const held = await nodesOf(`http://${master}`)
    const [third, fourth] = [volumes[2], volumes[3]].map((v) => `${v.ip}:${v.port}`)
    // By hand with weed: evacuate the 4th and stop it (else evacuating the 3rd moves volumes back onto it, the
    // emptiest server: seen here), then the same for the 3rd; timed from the first shell to the 3rd unlisted.
    const evacuate = (node) => {
      const shell = spawnSync(weed(), ['-logtostderr=false', 'shell', `-master=${master}`], {input: `lock\nvolumeServer.evacuate -node ${node} -apply\nunlock\n`, encoding: 'utf8', timeout: 600_000, env: {PATH: '/usr/bin:/bin', HOME: dir}})
      const errors = `${shell.stdout}\n${shell.stderr}`.split('\n').filter((l) => /^error:/.test(l.trim()))
      if (errors.length > 0) throw new Error(`weed's evacuation of ${node} failed: ${errors.join('; ')}`)
    }
    const stop = async (i) => {
      await signalAndWait(children[i + 1].pid, 'SIGTERM')
      await waitFor(`${volumes[i].ip} unlisted`, async () => !(await nodesOf(`http://${master}`)).some((n) => n.url === `${volumes[i].ip}:${volumes[i].port}`), 60_000, 50)
    }
    const t0 = performance.now()
    evacuate(fourth)
    await stop(3)
    evacuate(third)
    await stop(2)
    const ms = performance.now() - t0
    await checkFiles(filer, files)
    return {ms, moved: held.filter((n) => n.url === third || n.url === fourth).reduce((a, n) => a + n.volumes, 0)}
  } finally {
    for (const child of children.reverse()) await signalAndWait(child.pid, 'SIGKILL')
  }
}

/** `scale volume 2` of a seaweedctl cluster (the CLI at `bin`) with the same layout and files. */
async function ctlScaleDown(ws, round, label, bin) {
  const dir = ws.cluster(join(ws.root, `${label}-${round}`))
  mkdirSync(dir, {recursive: true})
  writeFileSync(join(dir, 'seaweed.yaml'), `portOffset: ${CTL_OFFSET}\nmaster: {defaultReplication: "001"}\nvolume: {count: 4, max: 8, preStopSeconds: 1}\nfiler: {count: 1}\n`)
  const run = (argv) => {
    const t0 = performance.now()
    const r = spawnSync(process.execPath, [bin, ...argv], {cwd: dir, encoding: 'utf8', env: {...process.env, CI: 'true', NO_COLOR: '1'}, maxBuffer: 16 * 1024 * 1024})
    if (r.status !== 0) throw new Error(`${label}: seaweedctl ${argv.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`.slice(0, 2000))
    return performance.now() - t0
  }
  run(['up', '--weed', weed()])
  const files = await writeFiles(`http://127.0.0.1:${8888 + CTL_OFFSET}`)
  const ms = run(['scale', 'volume', '2'])
  const nodes = await nodesOf(`http://127.0.0.1:${9333 + CTL_OFFSET}`)
  if (nodes.length !== 2) throw new Error(`${label}: the master lists ${nodes.length} volume servers after scale volume 2`)
  await checkFiles(`http://127.0.0.1:${8888 + CTL_OFFSET}`, files)
  run(['down', '--purge', '--yes'])
  return ms
}

await runBenchmark('scale-down', async (ws) => {
  const result = {evacuateS: [], scaleDownS: [], volumesMoved: [], ...(before ? {beforeS: []} : {})}
  for (let round = 1; round <= rounds; round++) {
    const plain = await plainEvacuate(ws.root, round)
    const ms = await ctlScaleDown(ws, round, 'ctl', BIN)
    result.evacuateS.push(plain.ms / 1000)
    result.scaleDownS.push(ms / 1000)
    result.volumesMoved.push(plain.moved)
    let line = `round ${round}: weed's two volumeServer.evacuate -apply (${plain.moved} copies on the two servers): ${fmtS(plain.ms)}; seaweedctl scale volume 2: ${fmtS(ms)}; ratio ${(ms / plain.ms).toFixed(2)}`
    if (before) {
      const old = await ctlScaleDown(ws, round, 'before', join(before, 'bin', 'run.js'))
      result.beforeS.push(old / 1000)
      line += `; ${before}: ${fmtS(old)}, ratio ${(old / plain.ms).toFixed(2)}`
    }
    log(line)
  }
  emit(result)
})

