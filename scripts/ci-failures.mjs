#!/usr/bin/env node
// The failed tests of node:test TAP logs, each with its error (and the output its assertion carries), printed where
// a reader of CI looks first: the end. A long run's failure is otherwise thousands of lines above the last one.
//   usage: node scripts/ci-failures.mjs LOG...
import {readFileSync} from 'node:fs'

const MAX_LINES_PER_FAILURE = 150

/** Each failed test (not suite) of a TAP log: its title and its YAML block, indentation removed. */
export function failuresOf(text) {
  const lines = text.split('\n')
  const out = []
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)not ok \d+ - (.*)$/.exec(lines[i])
    if (!m) continue
    const indent = m[1].length
    const block = []
    let j = i + 1
    if (lines[j]?.trim() === '---') {
      for (j++; j < lines.length && lines[j].trim() !== '...'; j++) block.push(lines[j].slice(indent + 2))
    }
    // A suite that failed because a test in it failed, and a test cancelled because its suite failed (a hook), are
    // said by the failure that caused them, listed on its own.
    if (block.some((l) => /^failureType: '(subtestsFailed|cancelledByParent)'/.test(l))) continue
    out.push({title: m[2], block})
  }
  return out
}

/** The "✖ failing tests:" section that node's spec reporter (the default on a newer Node) prints after a run, each. */
export function specFailuresOf(text) {
  const out = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '✖ failing tests:') continue
    let j = i + 1
    while (j < lines.length && !/^(=== |ℹ |TAP version|# Subtest)/.test(lines[j]) && lines[j].trim() !== '✖ failing tests:') j++
    out.push(lines.slice(i + 1, j).join('\n').trim())
    i = j - 1
  }
  return out.filter(Boolean)
}

function main(files) {
  let total = 0
  for (const file of files) {
    let text
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const section of specFailuresOf(text)) {
      total += (section.match(/^✖ /gm) ?? []).length
      console.log(`--- failed (${file}):`)
      const lines = section.split('\n')
      console.log((lines.length > MAX_LINES_PER_FAILURE ? [...lines.slice(0, MAX_LINES_PER_FAILURE), `[… ${lines.length - MAX_LINES_PER_FAILURE} lines …]`] : lines).join('\n'))
    }
    for (const {title, block} of failuresOf(text)) {
      total++
      console.log(`--- failed (${file}): ${title}`)
      const shown = block.length > MAX_LINES_PER_FAILURE ? [...block.slice(0, MAX_LINES_PER_FAILURE - 20), `[… ${block.length - MAX_LINES_PER_FAILURE + 20} lines …]`, ...block.slice(-20)] : block
      console.log(shown.join('\n'))
    }
  }
  console.log(total === 0 ? 'No failed test in the logs.' : `${total} failed test(s) above.`)
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2))
