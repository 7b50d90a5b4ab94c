#!/usr/bin/env node
// Benchmark: the CLI's start-up on each supported Node major — `seaweedctl --version` (oclif's path) and `status`
// of a stopped cluster (the fast path) — with the module compile cache bin/run.js enables (Node >= 22.1) and
// without it (NODE_DISABLE_COMPILE_CACHE=1), interleaved, each timed around the whole process. Node 20 has no
// cache: its two columns are the same code. The extra majors come from scripts/install-node.sh (it installs them
// when missing), the cache goes to a temp dir of the benchmark's own (TMPDIR), filled by one run first.
//   usage: node bench/node-startup.mjs [ROUNDS] [--json]   (default 10 rounds; no ports, no weed)
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {args, BIN, emit, log, ROOT, runBenchmark} from './lib.mjs'

const rounds = Number(args[0] || 10)
const EXTRA = ['22', '24']

const nodeCache = process.env.SEAWEEDCTL_NODE_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'seaweedctl-ci', 'node')
execFileSync('bash', [join(ROOT, 'scripts', 'install-node.sh'), ...EXTRA], {stdio: ['ignore', 2, 2]})
const nodes = [process.execPath, ...EXTRA.map((major) => join(nodeCache, major, 'bin', 'node'))]

function time(node, argv, cwd, env) {
  const t0 = performance.now()
  const r = spawnSync(node, [BIN, ...argv], {cwd, encoding: 'utf8', env: {...process.env, NO_COLOR: '1', ...env}})
  const ms = performance.now() - t0
  // status of a stopped cluster exits 3 (not healthy): that is its answer, not a failure.
  if (r.status !== 0 && !(argv[0] === 'status' && r.status === 3)) throw new Error(`${node} seaweedctl ${argv.join(' ')} exited ${r.status}: ${r.stderr}`)
  return ms
}

await runBenchmark('node-startup', async (ws) => {
  const cluster = ws.cluster(join(ws.root, 'cluster'))
  mkdirSync(cluster)
  execFileSync(process.execPath, [BIN, 'cluster', 'init', '--volumes', '2'], {cwd: cluster, stdio: 'ignore'})
  const result = {}
  for (const node of nodes) {
    const version = execFileSync(node, ['--version'], {encoding: 'utf8'}).trim()
    const tmp = join(ws.root, `tmp-${version}`)
    mkdirSync(tmp)
    const cached = {TMPDIR: tmp}
    const uncached = {TMPDIR: tmp, NODE_DISABLE_COMPILE_CACHE: '1'}
    for (const argv of [['--version'], ['status']]) time(node, argv, cluster, cached) // fills the cache
    const r = {versionCachedMs: [], versionMs: [], statusCachedMs: [], statusMs: []}
    for (let i = 0; i < rounds; i++) {
      r.versionCachedMs.push(time(node, ['--version'], cluster, cached))
      r.versionMs.push(time(node, ['--version'], cluster, uncached))
      r.statusCachedMs.push(time(node, ['status'], cluster, cached))
      r.statusMs.push(time(node, ['status'], cluster, uncached))
    }
    const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(0)
    log(`${version}: --version ${med(r.versionCachedMs)} ms with the compile cache, ${med(r.versionMs)} ms without; status (stopped) ${med(r.statusCachedMs)} ms with, ${med(r.statusMs)} ms without`)
    result[version] = r
  }
  emit(result)
})
