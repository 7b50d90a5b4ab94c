#!/usr/bin/env node
// Soak: does a short raft election timeout cause leader changes nobody asked for on a loaded 2-core machine?
// Three plain weed masters (no supervisor: this is about weed's raft alone) with -electionTimeout=T, plus BURNERS
// busy-looping processes that keep every core busy, for SECONDS. Every 250 ms each master's /cluster/status is read;
// a leader change is counted whenever the leader all answering masters agree on differs from the last one.
// Nothing is killed, so every change counted is spurious.
//   usage: node bench/election-soak.mjs [SECONDS=600] [TIMEOUT=1s] [BURNERS=2] [--json]   (ports 4700–4702, 14700–14702)
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, openSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {args, emit, log, sleep, waitFor, weed} from './lib.mjs'

const seconds = Number(args[0] || 600)
const timeout = args[1] || '1s'
const burners = Number(args[2] ?? 2)
const PORTS = [4700, 4701, 4702]

const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-election-soak-'))
const children = []
const peers = PORTS.map((p) => `127.0.0.1:${p}`).join(',')
for (const port of PORTS) {
  const mdir = join(dir, `m${port}`)
  mkdirSync(mdir)
  const out = openSync(join(dir, `m${port}.log`), 'a')
  children.push(spawn(weed(), [
    '-logtostderr=true', 'master', '-ip=127.0.0.1', `-port=${port}`, `-port.grpc=${port + 10000}`, `-mdir=${mdir}`,
    `-peers=${peers}`, `-electionTimeout=${timeout}`, '-telemetry=false',
  ], {stdio: ['ignore', out, out]}))
}
for (let i = 0; i < burners; i++) {
  children.push(spawn(process.execPath, ['-e', 'for(;;){}'], {stdio: 'ignore'}))
}
const stopAll = () => {
  for (const c of children) {
    try {
      c.kill('SIGKILL')
    } catch {
      // gone
    }
  }
}
process.on('exit', stopAll)
process.on('SIGINT', () => process.exit(130))

async function leaders() {
  const seen = await Promise.all(PORTS.map(async (p) => {
    try {
      const res = await fetch(`http://127.0.0.1:${p}/cluster/status`, {signal: AbortSignal.timeout(2000)})
      return (await res.json()).Leader || ''
    } catch {
      return undefined
    }
  }))
  return seen.filter((l) => l !== undefined)
}

const t0 = performance.now()
let leader = await waitFor('a leader all three masters agree on', async () => {
  const seen = await leaders()
  return seen.length === 3 && seen[0] && seen.every((l) => l === seen[0]) ? seen[0] : undefined
}, 120_000, 100)
log(`leader ${leader} after ${((performance.now() - t0) / 1000).toFixed(1)} s; soaking ${seconds} s with -electionTimeout=${timeout} and ${burners} CPU burners`)

const changes = []
let samples = 0
let disagreements = 0
const end = performance.now() + seconds * 1000
while (performance.now() < end) {
  const seen = await leaders()
  samples++
  const agreed = seen.length > 0 && seen.every((l) => l && l === seen[0]) ? seen[0] : undefined
  if (!agreed) disagreements++
  else if (agreed !== leader) {
    const at = ((performance.now() - t0) / 1000).toFixed(1)
    log(`leader change at ${at} s: ${leader} -> ${agreed}`)
    changes.push({at: Number(at), from: leader, to: agreed})
    leader = agreed
  }
  await sleep(250)
}
stopAll()
const result = {seconds, electionTimeout: timeout, burners, samples, leaderChanges: changes.length, samplesWithoutAgreement: disagreements, changes}
log(`${changes.length} leader change(s), ${disagreements} of ${samples} samples without an agreed leader`)
emit(result)
if (changes.length === 0) rmSync(dir, {recursive: true, force: true})
else log(`logs kept in ${dir}`)
