// Loaded into every test file's process (`node --import ./test/helpers/exit-guard.mjs --test …`): once the file's
// tests are all over, something it started that still holds the process open (a timer, a socket, a child's pipe)
// gets EXIT_GRACE_MS, then the process exits with the code the runner set (1 when a test failed). The leak then
// costs seconds instead of the whole run.
// Not --test-force-exit: that exits the moment the last test ends, before the file's process has written every
// result to the runner, which then counts fewer tests than ran (Node 22 and 24; nodejs/node#64833).
import {after} from 'node:test'

const EXIT_GRACE_MS = 5000

// Only in a test file's own process: the runner that starts them loads this too, and must end on its own terms.
if (process.env.NODE_TEST_CONTEXT?.startsWith('child')) {
  after(() => {
    // Unref'd: a file that holds nothing open ends as it would without this.
    setTimeout(() => process.exit(), EXIT_GRACE_MS).unref()
  })
}
