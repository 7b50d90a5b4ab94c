/**
 * The direction of travel of src/, checked on every import (static, `export … from`, and `import()`; type-only
 * imports count too: a type is a dependency on what it describes). Two rules:
 * - no import cycle, so every file can be read and tested without the files that use it;
 * - the daemon's side never reaches up into the CLI: nothing under daemon/, supervisor/ or dashboard/, and nothing
 *   the daemon loads (src/daemon/main.ts and everything it imports, at once or later), imports services/, commands/
 *   or the command bases. The daemon supervises; what edits the cluster file or drives weed shell is a client of it.
 * A failure prints the chain of imports that breaks the rule.
 */
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, posix, relative, resolve} from 'node:path'
import {describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const SRC = join(REPO, 'src')

/** Where the CLI lives: the daemon's side imports none of it. */
const CLI_SIDE = ['src/services/', 'src/commands/', 'src/command-base/', 'src/ui/', 'src/hooks/']
/** The daemon's side: what `node dist/daemon/main.cjs` runs (main.ts bundled), and the folders that are its own. */
const DAEMON_ENTRY = 'src/daemon/main.ts'
const DAEMON_SIDE = ['src/daemon/', 'src/supervisor/', 'src/dashboard/']

interface Edge {
  to: string
  line: number
}

// `import … from 'x'`, `import 'x'`, `export … from 'x'` at the start of a line (the clause may span lines),
// and `import('x')` anywhere in code.
const STATIC = /^(?:import|export)\s+(?:type\s+)?(?:[\w*$\s{},]*?\s+from\s+|(?=['"]))['"]([^'"]+)['"]/gm
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return /\.c?ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

const rel = (path: string) => relative(REPO, path).split('\\').join(posix.sep)

/** file (repo-relative) → the files of src/ it imports, with the line of each import. */
export function importGraph(): Map<string, Edge[]> {
  const graph = new Map<string, Edge[]>()
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8')
    const lineAt = (index: number) => text.slice(0, index).split('\n').length
    const edges: Edge[] = []
    const add = (specifier: string, index: number) => {
      if (!specifier.startsWith('.')) return
      const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts').replace(/\.cjs$/, '.cts')
      edges.push({to: rel(target), line: lineAt(index)})
    }
    for (const match of text.matchAll(STATIC)) add(match[1], match.index!)
    for (const match of text.matchAll(DYNAMIC)) {
      const lineStart = text.lastIndexOf('\n', match.index!) + 1
      // A mention in a comment is not an import.
      if (/^\s*(\*|\/\/)/.test(text.slice(lineStart, match.index!))) continue
      add(match[1], match.index!)
    }
    graph.set(rel(file), edges)
  }
  return graph
}

/** Strongly connected components of more than one file (Tarjan), each sorted. */
function cycles(graph: Map<string, Edge[]>): string[][] {
  let counter = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (v: string) => {
    index.set(v, counter)
    low.set(v, counter++)
    stack.push(v)
    onStack.add(v)
    for (const {to: w} of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || (graph.get(v) ?? []).some((e) => e.to === v)) found.push(component.sort())
    }
  }
  for (const v of graph.keys()) if (!index.has(v)) visit(v)
  return found
}

/** The shortest chain of imports from `from` to any file `isTarget` accepts, as "a.ts:3 → b.ts:10 → c.ts". */
function chain(graph: Map<string, Edge[]>, from: string, isTarget: (file: string) => boolean, within?: Set<string>): string | undefined {
  const parent = new Map<string, {file: string; line: number}>()
  const queue = [from]
  const seen = new Set([from])
  while (queue.length) {
    const file = queue.shift()!
    for (const edge of graph.get(file) ?? []) {
      if (within && !within.has(edge.to)) continue
      if (isTarget(edge.to)) {
        const steps = [edge.to]
        let at: {file: string; line: number} | undefined = {file, line: edge.line}
        while (at) {
          steps.unshift(`${at.file}:${at.line}`)
          at = parent.get(at.file)
        }
        return steps.join(' → ')
      }
      if (seen.has(edge.to)) continue
      seen.add(edge.to)
      parent.set(edge.to, {file, line: edge.line})
      queue.push(edge.to)
    }
  }
  return undefined
}

describe('import graph of src/', () => {
  const graph = importGraph()

  test('the parser sees the imports it must (a cross-check on the regular expressions)', () => {
    const main = graph.get(DAEMON_ENTRY)!.map((e) => e.to)
    assert.ok(main.includes('src/supervisor/supervisor.ts'), 'a static import')
    assert.ok(main.includes('src/dashboard/server.ts'), 'an import() of the dashboard')
    assert.ok(graph.get('src/index.cts')!.length > 0, 'the CommonJS entry')
    const edges = [...graph.values()].flat()
    assert.ok(edges.length > 500, `only ${edges.length} imports found`)
    for (const edge of edges) assert.ok(graph.has(edge.to), `an import of ${edge.to}, which is not a file of src/`)
  })

  test('no import cycle', () => {
    const found = cycles(graph)
    const problems: string[] = []
    for (const component of found) {
      const members = new Set(component)
      problems.push(`a cycle through ${component.length} files: ${chain(graph, component[0], (f) => f === component[0], members)}`)
    }
    assert.deepEqual(problems, [])
  })

  test('nothing the daemon loads, and nothing under daemon/, supervisor/ or dashboard/, imports the CLI side', () => {
    const cli = (file: string) => CLI_SIDE.some((prefix) => file.startsWith(prefix))
    const problems: string[] = []
    const fromEntry = chain(graph, DAEMON_ENTRY, cli)
    if (fromEntry) problems.push(fromEntry)
    for (const file of graph.keys()) {
      if (!DAEMON_SIDE.some((prefix) => file.startsWith(prefix))) continue
      for (const edge of graph.get(file)!) if (cli(edge.to)) problems.push(`${file}:${edge.line} → ${edge.to}`)
    }
    assert.deepEqual(problems, [])
  })
})
