/**
 * The fenced blocks of README.md and docs/**\/*.md, and which of them the tests run.
 *
 * The rule (README, "Examples are tests"): every fenced block is one of
 * - run by test/e2e/docs.test.ts or test/e2e/action.test.ts, exactly as written: listed in RUN below by its file
 *   and a piece of its text (the test reads the block from that file when it runs, so an edit to it changes what
 *   the test runs; a block moved to another page moves its entry with it);
 * - marked for the reader: the paragraph right before it is a line `Not run by the tests: REASON`;
 * - output or a file layout, not something to run: its info string is `text`.
 * test/unit/doc-blocks.test.ts fails on any other block, naming it file:line.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'

import {REPO} from './cli.js'

export interface DocBlock {
  /** Path from the repository's root. */
  file: string
  /** Line of the opening fence (1-based). */
  line: number
  info: string
  body: string
  /** The reason given by a `Not run by the tests: …` line before the block, if any. */
  notRun?: string
}

export const NOT_RUN = /^[*_]*Not run by the tests:\s*(.*?)[*_]*$/

/** The Markdown files whose examples are tests: README.md and everything under docs/. */
export function docFiles(root = REPO): string[] {
  const out = [join(root, 'README.md')]
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, {withFileTypes: true})) {
      if (entry.isDirectory()) walk(join(dir, entry.name))
      else if (entry.name.endsWith('.md')) out.push(join(dir, entry.name))
    }
  }
  try {
    walk(join(root, 'docs'))
  } catch {
    // no docs/ yet
  }
  return out
}

/** Every fenced block of one Markdown text (``` or ~~~ fences, up to 3 spaces of indent). */
export function fencedBlocks(text: string, file: string): DocBlock[] {
  const lines = text.split('\n')
  const blocks: DocBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(lines[i])
    if (!open) continue
    const fence = open[1]
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`)
    let end = i + 1
    while (end < lines.length && !close.test(lines[end])) end++
    let before = i - 1
    while (before >= 0 && lines[before].trim() === '') before--
    const marker = before >= 0 ? NOT_RUN.exec(lines[before].trim()) : null
    blocks.push({file, line: i + 1, info: open[2].trim(), body: lines.slice(i + 1, end).join('\n'), ...(marker ? {notRun: marker[1]} : {})})
    i = end
  }
  return blocks
}

export function allDocBlocks(root = REPO): DocBlock[] {
  return docFiles(root).flatMap((f) => fencedBlocks(readFileSync(f, 'utf8'), relative(root, f)))
}

/** A block the tests run: the page it is on, its language and a piece of its text that no other block has. */
export interface RunSelector {
  /** Path from the repository's root: README.md or docs/….md. */
  file: string
  lang: string
  contains: string
  /** The test that runs it. */
  by: 'test/e2e/docs.test.ts' | 'test/e2e/action.test.ts'
}

export const RUN = {
  quickStart: {file: 'README.md', lang: 'sh', contains: 'npm ci && bash scripts/install-weed.sh && npm run build', by: 'test/e2e/docs.test.ts'},
  development: {file: 'README.md', lang: 'sh', contains: 'export FILER_URL=$(seaweedctl status --json', by: 'test/e2e/docs.test.ts'},
  s3ForCi: {file: 'README.md', lang: 'sh', contains: 'eval "$(seaweedctl env)"', by: 'test/e2e/docs.test.ts'},
  workflow: {file: 'README.md', lang: 'yaml', contains: 'uses: actions/checkout@', by: 'test/e2e/docs.test.ts'},
  api: {file: 'README.md', lang: 'ts', contains: 'await using cluster = await startCluster(', by: 'test/e2e/docs.test.ts'},
  change: {file: 'README.md', lang: 'sh', contains: 'seaweedctl diff || true', by: 'test/e2e/docs.test.ts'},
  exports: {file: 'README.md', lang: 'sh', contains: 'seaweedctl export compose -o deploy/', by: 'test/e2e/docs.test.ts'},
  githubEnv: {file: 'docs/s3.md', lang: 'sh', contains: 'seaweedctl env --github', by: 'test/e2e/docs.test.ts'},
  twoClusters: {file: 'docs/github-action.md', lang: 'yaml', contains: 'steps.a.outputs.filer-url', by: 'test/e2e/docs.test.ts'},
} as const satisfies Record<string, RunSelector>

/** The one block `selector` names, or an error saying what it matched. */
export function runBlock(selector: RunSelector, blocks = allDocBlocks()): DocBlock {
  const found = blocks.filter((b) => matches(b, selector))
  if (found.length !== 1) {
    const where = found.map((b) => `${b.file}:${b.line}`).join(', ')
    const elsewhere = blocks.filter((b) => b.file !== selector.file && matches(b, {...selector, file: b.file})).map((b) => `${b.file}:${b.line}`)
    throw new Error(`${found.length} \`\`\`${selector.lang} blocks in ${selector.file} contain ${JSON.stringify(selector.contains)}${where ? ` (${where})` : ''}${elsewhere.length > 0 ? `; found in ${elsewhere.join(', ')}` : ''}; the docs test needs exactly one: update RUN in test/helpers/doc-blocks.ts with the block's file and text`)
  }
  return found[0]
}

export function matches(block: DocBlock, selector: RunSelector): boolean {
  return block.file === selector.file && block.info.split(/\s+/)[0] === selector.lang && block.body.includes(selector.contains)
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes (`## Two commands: \`up\``: `two-commands-up`). */
export function headingAnchors(text: string): string[] {
  const seen = new Map<string, number>()
  const anchors: string[] = []
  let fence: string | undefined
  for (const line of text.split('\n')) {
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(line)
    if (f) fence = fence === undefined ? f[1][0] : (f[1][0] === fence ? undefined : fence)
    const h = fence === undefined ? /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line) : null
    if (!h) continue
    const base = h[1].toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    anchors.push(n === 0 ? base : `${base}-${n}`)
  }
  return anchors
}

/** The relative links and images of a Markdown text outside code: `[text](target)` with `target` a path and/or `#anchor`. */
export function relativeLinks(text: string): {line: number; target: string}[] {
  const out: {line: number; target: string}[] = []
  let fence: string | undefined
  for (const [i, line] of text.split('\n').entries()) {
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(line)
    if (f) {
      fence = fence === undefined ? f[1][0] : (f[1][0] === fence ? undefined : fence)
      continue
    }
    if (fence !== undefined) continue
    for (const m of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!/^[a-z]+:/i.test(m[1])) out.push({line: i + 1, target: m[1]})
    }
  }
  return out
}
