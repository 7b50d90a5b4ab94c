// The markdown report of one `npm run bench`: where it ran, a summary of every target, then one table per figure.
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {cpus, release, totalmem} from 'node:os'

import {judge, median} from './figures.mjs'

const run = (cmd, args) => {
  try {
    return execFileSync(cmd, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim()
  } catch {
    return '?'
  }
}

/** Date, machine, node, weed and the commit measured. */
export function machine(root, weed) {
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? '?'
  const dirty = run('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no']) ? ' (with uncommitted changes)' : ''
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: `${cpuModel}, ${cpus().length} cores`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: `Linux ${release()}`,
    node: process.version,
    weed: weed ? run(weed, ['version']).split('\n')[0] : '?',
    commit: `${run('git', ['-C', root, 'rev-parse', '--short', 'HEAD'])}${dirty}`,
  }
}

const fmt = (x) => (x === undefined || Number.isNaN(x) ? '–' : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2))
const stats = (values) => `${fmt(Math.min(...values))} | ${fmt(median(values))} | ${fmt(Math.max(...values))}`
/** A row whose label ends in a unit in parentheses, "(ms)", has that unit instead of the figure's. */
const unitOf = (label, unit) => /\((ms|s|MB|MB\/s|% of a core)\)$/.exec(label)?.[1] ?? unit
const verdict = (j) => (j.met ? 'met' : '**NOT met**')

function figureTable(figure) {
  const n = figure.rows[0]?.values.length ?? 0
  const lines = [`#### ${figure.title}`, '', `| | unit | min | median | max | runs |`, '|---|---|---|---|---|---|']
  for (const row of figure.rows) lines.push(`| ${row.label} | ${unitOf(row.label, figure.unit)} | ${stats(row.values)} | ${row.values.length} |`)
  if (figure.ratio) lines.push(`| **${figure.ratio.label}**, pair by pair | × | ${stats(figure.ratio.values)} | ${n} |`)
  const j = judge(figure)
  if (j) lines.push('', `Target: ${figure.target.text}. Median ${fmt(j.value)}${j.unit}: ${verdict(j)}.`)
  if (j && !j.met && figure.bound) lines.push('', `What bounds it: ${figure.bound}`)
  if (figure.note) lines.push('', figure.note)
  return lines.join('\n')
}

/**
 * The targets of the benchmarks that ran again on other Node majors (results with a `node`), a column per Node,
 * the running one first: which Node a user runs must not decide whether a target holds.
 */
function everyNodeTable(results, thisNode) {
  const others = [...new Set(results.filter((r) => r.node).map((r) => r.node))]
  if (others.length === 0) return []
  const nodes = [thisNode, ...others]
  const lines = ['', '## On every supported Node', '', 'The benchmarks whose figures depend on the Node that runs the CLI and the daemon, run again on each other supported major (`--nodes`).', '',
    `| benchmark | figure | target | ${nodes.map((n) => `Node ${n}`).join(' | ')} |`, `|---|---|---|${nodes.map(() => '---|').join('')}`]
  const names = [...new Set(results.filter((r) => r.node).map((r) => r.name))]
  const cell = (r, title) => {
    if (!r) return '–'
    if (r.error) return '**FAILED**'
    const figure = r.figures.find((f) => f.title === title)
    const j = figure && judge(figure)
    return j ? `${fmt(j.value)}${j.unit} ${j.met ? 'met' : '**NOT met**'}` : '–'
  }
  for (const name of names) {
    const runs = nodes.map((n) => results.find((r) => r.name === name && (n === thisNode ? !r.node : r.node === n)))
    const titled = runs.find((r) => r && !r.error)
    if (!titled) {
      lines.push(`| ${name} | – | – | ${runs.map((r) => cell(r)).join(' | ')} |`)
      continue
    }
    for (const figure of titled.figures.filter((f) => f.target)) {
      lines.push(`| ${name} | ${figure.title} | ${figure.target.text} | ${runs.map((r) => cell(r, figure.title)).join(' | ')} |`)
    }
  }
  return lines
}

/**
 * `results`: one entry per benchmark run, {name, seconds, command, figures} or {name, seconds, command, error}, with
 * `node` (its version) when it ran on another Node than this one.
 * `machine` from machine(), `totalSeconds` of the whole run, `invocation` the command line that ran it, `notRun`
 * the benchmarks left out.
 */
export function renderReport(results, {machine: m, totalSeconds, invocation, notRun = []}) {
  const out = [
    '# seaweedctl benchmarks',
    '',
    `Written by \`${invocation}\` (bench/run.mjs) on ${m.date}.`,
    '',
    '| | |', '|---|---|',
    `| machine | ${m.cpu}, ${m.memory}, ${m.kernel} |`,
    `| node | ${m.node} |`,
    `| weed | ${m.weed} |`,
    `| seaweedctl commit | ${m.commit} |`,
    `| total time | ${(totalSeconds / 60).toFixed(1)} min |`,
    ...(notRun.length > 0 ? [`| not run | ${notRun.join(', ')}: \`npm run bench -- --only NAME\` |`] : []),
    '',
    'Each figure gives min / median / max over its runs. A ratio is taken pair by pair: subject and baseline of the same',
    'round, one after the other, so both saw the same load on a shared machine; targets are judged on the median ratio.',
    'Absolute times on a shared 2-core machine are noisy; the ratios are what the targets are about.',
    '',
    '## Targets',
    '',
    '| benchmark | figure | target | median | |',
    '|---|---|---|---|---|',
  ]
  const onThisNode = results.filter((r) => !r.node)
  for (const r of onThisNode) {
    if (r.error) {
      out.push(`| ${r.name} | – | – | – | **FAILED** |`)
      continue
    }
    for (const figure of r.figures) {
      const j = judge(figure)
      if (j) out.push(`| ${r.name} | ${figure.title} | ${figure.target.text} | ${fmt(j.value)}${j.unit} | ${verdict(j)} |`)
    }
  }
  out.push(...everyNodeTable(results, m.node))
  out.push('', '## Figures', '')
  for (const r of results) {
    out.push(`### ${r.name}${r.node ? ` · Node ${r.node}` : ''}`, '', `\`${r.command}\`${r.node ? ` on Node ${r.node}` : ''} · ${r.seconds.toFixed(0)} s`, '')
    // Output, fenced as text (docs/ holds a copy of the report, and its fenced blocks are checked).
    if (r.error) out.push('**FAILED**:', '', '```text', r.error.trim(), '```', '')
    else for (const figure of r.figures) out.push(figureTable(figure), '')
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`
}
