#!/usr/bin/env node
// Build step after tsc: `seaweedctl up` (dist/commands/up.js, which oclif loads) becomes one file in place, with
// our modules and yaml inside. Loading ~150 small ES modules (70 of them yaml's) cost every `up` about 0.1 s of CPU
// on a 2-core machine before it could hand the daemon its plan (Node 20 has no compile cache); one file is read
// and compiled at once. The other dist files stay as tsc wrote them (the library, the daemon, other commands).
// The bundle sits where its entry did, so the paths it builds from import.meta.url (../daemon/main.js) resolve.
//   usage: node scripts/bundle.mjs   (npm run build runs it)
import {build} from 'esbuild'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
// Inlined: yaml (pure, and 70 files). Left to node: the rest of the dependencies (oclif must stay one copy).
const external = Object.keys(pkg.dependencies).filter((name) => name !== 'yaml').flatMap((name) => [name, `${name}/*`])

for (const entry of ['commands/up.js']) {
  await build({
    entryPoints: [`${dist}${entry}`],
    outfile: `${dist}${entry}`,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The pre-started daemon is remembered in that module's own variable, which bin/run.js sets: one copy only.
    external: [...external, '../daemon/prestart.js'],
    logLevel: 'warning',
    legalComments: 'none',
    // yaml is CommonJS: its require() calls (of node built-ins) need a require in an ES module.
    banner: {js: "import {createRequire as __createRequire} from 'node:module'; const require = __createRequire(import.meta.url);"},
  })
}
