#!/usr/bin/env node
// Benchmark: the CLI's start-up on each supported Node major — `seaweedctl --version` (oclif's path) and `status`
// of a stopped cluster (the fast path) — with the module compile cache bin/run.js enables (Node >= 22.1) and
// without it (NODE_DISABLE_COMPILE_CACHE=1), interleaved, each timed around the whole process (wall and CPU time). Node 20 has no
// cache: its two columns are the same code. The extra majors come from scripts/install-node.sh (it installs them
// when missing), the cache goes to a temp dir of the benchmark's own (TMPDIR), filled by one run first.
//   usage: node bench/node-startup.mjs [ROUNDS] [--json]   (default 10 rounds; no ports, no weed)
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync} from 'node:fs'
import {join} from 'node:path'

import {args, BIN, emit, log, nodeBinary, runBenchmark} from './lib.mjs'

const rounds = Number(args[0] || 10)
const EXTRA = ['22', '24']

const nodes = [process.execPath, ...EXTRA.map((major) => nodeBinary(major).bin)]

/**
 * One run, timed around the whole process: wall time, and CPU time (user + system, from bash's `times` for its
 * children), which a loaded machine disturbs far less than the wall clock.
 */
function time(node, argv, cwd, env) {
  const script = '"$@" >/dev/null 2>&1; code=$?; times; exit $code'
  const t0 = performance.now()
  const r = spawnSync('bash', ['-c', script, 'bash', node, BIN, ...argv], {cwd, encoding: 'utf8', env: {...process.env, NO_COLOR: '1', ...env}})
  const ms = performance.now() - t0
  // status of a stopped cluster exits 3 (not healthy): that is its answer, not a failure.
  if (r.status !== 0 && !(argv[0] === 'status' && r.status === 3)) throw new Error(`${node} seaweedctl ${argv.join(' ')} exited ${r.status}: ${r.stderr}`)
  // `times` prints the shell's own user/system line, then its children's: "0m0.412s 0m0.061s".
  const children = r.stdout.trim().split('\n').at(-1).split(' ').map((t) => {
    const [, min, sec] = /^(\d+)m([\d.]+)s$/.exec(t)
    return (Number(min) * 60 + Number(sec)) * 1000
  })
  return {ms, cpuMs: children[0] + children[1]}
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
    const r = {versionCachedMs: [], versionMs: [], statusCachedMs: [], statusMs: [], versionCachedCpuMs: [], versionCpuMs: [], statusCachedCpuMs: [], statusCpuMs: []}
    const sample = (key, argv, env) => {
      const t = time(node, argv, cluster, env)
      r[`${key}Ms`].push(t.ms)
      r[`${key}CpuMs`].push(t.cpuMs)
    }
    for (let i = 0; i < rounds; i++) {
      sample('versionCached', ['--version'], cached)
      sample('version', ['--version'], uncached)
      sample('statusCached', ['status'], cached)
      sample('status', ['status'], uncached)
    }
    const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(0)
    log(`${version}: --version ${med(r.versionCachedMs)} ms (CPU ${med(r.versionCachedCpuMs)} ms) with the compile cache, ${med(r.versionMs)} ms (CPU ${med(r.versionCpuMs)} ms) without; ` +
      `status (stopped) ${med(r.statusCachedMs)} ms (CPU ${med(r.statusCachedCpuMs)} ms) with, ${med(r.statusMs)} ms (CPU ${med(r.statusCpuMs)} ms) without`)
    result[version] = r
  }
  emit(result)
})
