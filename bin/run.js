#!/usr/bin/env node
// `status` and `status --json` take a fast path that skips oclif; anything else, or any doubt, goes to oclif.
const args = process.argv.slice(2)
if (args[0] === 'status' && args.slice(1).every((a) => a === '--json')) {
  const {fastStatus} = await import('../dist/fast-status.js')
  if (await fastStatus(args.includes('--json'))) process.exit()
}

const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
