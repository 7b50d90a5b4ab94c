#!/usr/bin/env node
// `npm run bench`: runs every benchmark of bench/suite.mjs one after another (they measure the same machine, so
// never two at once), reads each one's JSON result line, and writes bench/results/REPORT.md. A benchmark that
// fails is reported with its error; the others still run, and the exit code is 1 at the end.
//   usage: npm run bench [-- --quick] [--rounds N] [--only NAME,...] [--copy-to FILE]
//     --quick    1 round of each (a smoke test of the suite, not figures to keep)
//     --rounds N every benchmark's rounds
//     --only     just these benchmarks (names as in the report); an optional one runs only when named here
//     --copy-to  also write the report to FILE, marked as a copy of this run (e.g. docs/benchmarks.md)
//     --nodes    the other supported Node majors the perNode benchmarks run on again (default 22,24; installed by
//                scripts/install-node.sh into a cache outside the checkout; --nodes none: only the running Node)
// Run it in a network namespace of its own on a shared machine (`unshare -n`), so no port is anyone else's.
import {spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {parseArgs} from 'node:util'

import {nodeBinary, ROOT, weed} from './lib.mjs'
import {machine, renderReport} from './report.mjs'
import {SUITE} from './suite.mjs'

const {values: options} = parseArgs({options: {quick: {type: 'boolean'}, rounds: {type: 'string'}, only: {type: 'string'}, 'copy-to': {type: 'string'}, nodes: {type: 'string', default: '22,24'}}})
const only = options.only?.split(',').map((s) => s.trim()).filter(Boolean)
const unknown = only?.filter((name) => !SUITE.some((b) => b.name === name)) ?? []
if (unknown.length > 0) {
  console.error(`bench: no benchmark named ${unknown.join(', ')}; there are: ${SUITE.map((b) => b.name).join(', ')}`)
  process.exit(2)
}
const otherNodes = options.nodes === 'none' ? [] : options.nodes.split(',').map((s) => s.trim()).filter(Boolean)
if (otherNodes.some((major) => !/^\d+$/.test(major))) {
  console.error(`bench: --nodes takes Node majors separated by commas (e.g. 22,24) or none, not ${options.nodes}`)
  process.exit(2)
}
const roundsFor = (benchmark) => (options.rounds ? Number(options.rounds) : options.quick ? 1 : benchmark.rounds)
// A benchmark that hangs must not hold the whole suite: it is stopped (it cleans up on SIGTERM) after this long.
const BENCHMARK_TIMEOUT_MS = 10 * 60_000

/** Newest modification time under `dir`, to tell whether dist/ is older than src/. */
function newest(dir) {
  let t = 0
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    t = Math.max(t, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }
  return t
}

function buildIfNeeded() {
  const built = join(ROOT, 'dist', 'commands', 'up.js')
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(ROOT, 'src'))) return
  console.error('bench: dist/ is missing or older than src/: npm run build')
  const r = spawnSync('npm', ['run', 'build'], {cwd: ROOT, stdio: ['ignore', 2, 2]})
  if (r.status !== 0) throw new Error('npm run build failed')
}

/**
 * Runs one benchmark; its progress goes to our stderr, its last stdout line is its JSON result. `node` ({bin,
 * version}) runs it on another Node: its scripts, the CLI and the daemon they start (node scripts run on that
 * binary, and the bash ones find it first on PATH).
 */
function runOne(benchmark, rounds, node) {
  const [command, ...argv] = benchmark.command(rounds)
  const cmd = node && command === process.execPath ? node.bin : command
  const env = node ? {...process.env, PATH: `${dirname(node.bin)}:${process.env.PATH}`} : process.env
  const commandText = [cmd === process.execPath || cmd === node?.bin ? 'node' : cmd, ...argv].join(' ')
  return new Promise((resolve) => {
    const t0 = performance.now()
    const child = spawn(cmd, argv, {cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderrTail = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      process.stderr.write(d)
      stderrTail = (stderrTail + d).slice(-4000)
    })
    const timer = setTimeout(() => child.kill('SIGTERM'), BENCHMARK_TIMEOUT_MS)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const seconds = (performance.now() - t0) / 1000
      const base = {name: benchmark.name, command: commandText, seconds, ...(node && {node: node.version})}
      const last = stdout.trim().split('\n').at(-1) ?? ''
      if (code !== 0) return resolve({...base, error: `exited ${signal ?? code}${signal === 'SIGTERM' ? ` (stopped after ${BENCHMARK_TIMEOUT_MS / 60_000} min)` : ''}\n${stderrTail}`})
      try {
        resolve({...base, figures: benchmark.figures(JSON.parse(last))})
      } catch (error) {
        resolve({...base, error: `no result line (${error.message}): ${last.slice(0, 500)}\n${stderrTail}`})
      }
    })
  })
}

const t0 = performance.now()
buildIfNeeded()
const selected = SUITE.filter((b) => (only ? only.includes(b.name) : !b.optional))
const notRun = SUITE.filter((b) => !selected.includes(b)).map((b) => `${b.name}${b.optional ? ' (optional)' : ''}`)
const results = []
for (const benchmark of selected) {
  if (benchmark.needs && !existsSync(benchmark.needs)) {
    results.push({name: benchmark.name, command: '-', seconds: 0, error: `needs ${benchmark.needs}, which is not installed`})
    continue
  }
  console.error(`\nbench: ${benchmark.name} (${roundsFor(benchmark)} rounds)`)
  const result = await runOne(benchmark, roundsFor(benchmark))
  results.push(result)
  console.error(`bench: ${benchmark.name} ${result.error ? 'FAILED' : 'done'} in ${result.seconds.toFixed(0)} s`)
}

// The perNode benchmarks again on every other supported Node major, after the whole suite on the running one.
for (const major of otherNodes) {
  const again = selected.filter((b) => b.perNode && !(b.needs && !existsSync(b.needs)))
  if (again.length === 0) continue
  let node
  try {
    node = nodeBinary(major)
  } catch (error) {
    for (const b of again) results.push({name: b.name, command: '-', seconds: 0, node: `v${major}`, error: `Node ${major}: ${error.message}`})
    continue
  }
  for (const benchmark of again) {
    console.error(`\nbench: ${benchmark.name} on Node ${node.version} (${roundsFor(benchmark)} rounds)`)
    const result = await runOne(benchmark, roundsFor(benchmark), node)
    results.push(result)
    console.error(`bench: ${benchmark.name} on Node ${node.version} ${result.error ? 'FAILED' : 'done'} in ${result.seconds.toFixed(0)} s`)
  }
}

const invocation = ['npm run bench', ...process.argv.slice(2).filter((a) => a !== '--copy-to' && a !== options['copy-to'])].join(' ').replace('bench ', 'bench -- ').replace(/ -- $/, '')
/** weed's path for the report's header; a weed that cannot be had is reported as unknown, not a crash. */
function weedOrNothing() {
  try {
    return weed()
  } catch {
    return undefined
  }
}
const report = renderReport(results, {machine: machine(ROOT, weedOrNothing()), totalSeconds: (performance.now() - t0) / 1000, invocation, notRun})
mkdirSync(join(ROOT, 'bench', 'results'), {recursive: true})
const reportFile = join(ROOT, 'bench', 'results', 'REPORT.md')
writeFileSync(reportFile, report)
console.error(`\nbench: report written to ${reportFile}`)
if (options['copy-to']) {
  const copy = `> A copy of one run of \`npm run bench\` (its bench/results/REPORT.md). To refresh it: \`npm run bench -- --copy-to docs/benchmarks.md\`.\n\n${report}`
  writeFileSync(resolve(ROOT, options['copy-to']), copy)
  console.error(`bench: copied to ${options['copy-to']}`)
}
const failed = results.filter((r) => r.error)
if (failed.length > 0) {
  console.error(`bench: ${failed.length} failed: ${failed.map((r) => r.name).join(', ')}`)
  process.exitCode = 1
}
