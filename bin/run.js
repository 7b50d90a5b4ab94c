#!/usr/bin/env node
// Node >= 22.1 keeps the bytecode of the modules it compiles on disk (os.tmpdir()/node-compile-cache, or
// $NODE_COMPILE_CACHE), so a later start skips most parsing and compiling; Node 20 has no such cache.
import module from 'node:module'
module.enableCompileCache?.()

// `status` and `status --json` take a fast path that skips oclif; anything else, or any doubt, goes to oclif.
const args = process.argv.slice(2)
if (args[0] === 'status' && args.slice(1).every((a) => a === '--json')) {
  const {fastStatus} = await import('../dist/fast-status.js')
  if (await fastStatus(args.includes('--json'))) process.exit()
}

// `up` starts its daemon process now, so Node's start-up overlaps the CLI's; it runs nothing until handed a plan.
if (args[0] === 'up' && !args.some((a) => a === '--foreground' || a === '--help' || a === '-h' || a === '--no-wait')) {
  const {prestartDaemon} = await import('../dist/daemon/prestart.js')
  prestartDaemon()
}

// The subpath loads the runner without the rest of the library (help, ux…), which commands load when needed.
const {execute} = await import('@oclif/core/execute')
await execute({dir: import.meta.url})
