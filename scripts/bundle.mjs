#!/usr/bin/env node
// Build steps after tsc:
// - `seaweedctl up` and `seaweedctl scale` (dist/commands/up.js and scale.js, which oclif loads) each become one
//   file in place, with our modules and yaml inside. Loading ~150 small ES modules (70 of them yaml's) cost every
//   `up` about 0.1 s of CPU on a 2-core machine before it could hand the daemon its plan (Node 20 has no compile
//   cache), and `scale` as much before it could start its new servers; one file is read and compiled at once.
//   Each bundle sits where its entry did, so the paths it builds from import.meta.url resolve.
// - The supervisor daemon gets a CommonJS copy of its entry with everything it loads inside,
//   dist/daemon/main.cjs, which is what runs (src/daemon/prestart.ts): a CommonJS main spares the daemon Node's
//   ES module loader for its whole life, about 0.9 MB of its idle RSS (bench/daemon-idle.mjs, 34 processes). The
//   same bundle as an ES module saved nothing measurable. It sits beside main.js, in a folder as deep as
//   dashboard/'s, so the paths its modules build from import.meta.url resolve as before.
// The other dist files stay as tsc wrote them (the library, main.js for `up --foreground`, other commands).
//   usage: node scripts/bundle.mjs          (npm run build runs it)
//          node scripts/bundle.mjs daemon   (main.cjs again, from the dist beside this script: bench/daemon-idle.mjs
//                                            makes it in a copy of the package whose dist/lib it changed)
import {build} from 'esbuild'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
// Inlined: yaml (pure, and 70 files). Left to node: the rest of the dependencies (oclif must stay one copy).
const external = Object.keys(pkg.dependencies).filter((name) => name !== 'yaml').flatMap((name) => [name, `${name}/*`])

const daemonOnly = process.argv[2] === 'daemon'

for (const entry of daemonOnly ? [] : ['commands/up.js', 'commands/scale.js']) {
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

await build({
  entryPoints: [`${dist}daemon/main.js`],
  outfile: `${dist}daemon/main.cjs`,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
  // CommonJS has no import.meta: the file's own URL, as an ES module would see it (main.ts compares it with argv).
  define: {'import.meta.url': '__daemon_module_url'},
  // Strict as the ES modules it came from: the directive must come before the banner's statement.
  banner: {js: "'use strict';\nconst __daemon_module_url = require('node:url').pathToFileURL(__filename).href;"},
})
