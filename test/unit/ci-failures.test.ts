import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

// @ts-expect-error: a plain .mjs script, without types
import {failuresOf, specFailuresOf} from '../../scripts/ci-failures.mjs'

const TAP = `# Subtest: the GitHub Action
    # Subtest: defaults
    ok 1 - defaults
      ---
      duration_ms: 5.1
      ...
    # Subtest: two buckets
    not ok 2 - two buckets
      ---
      duration_ms: 9.2
      failureType: 'testCodeFailure'
      error: |-
        'failure' == 'success'
        ##[group]Run bash up.sh
      code: 'ERR_ASSERTION'
      ...
    1..2
not ok 1 - the GitHub Action
  ---
  duration_ms: 20.0
  type: 'suite'
  failureType: 'subtestsFailed'
  error: '1 subtest failed'
  ...
`

describe('scripts/ci-failures.mjs: the failed tests of a TAP log', () => {
  test('a failed test with its error, indentation removed; the suite that failed because of it is not repeated', () => {
    const failures = failuresOf(TAP)
    assert.equal(failures.length, 1)
    assert.equal(failures[0].title, 'two buckets')
    assert.deepEqual(failures[0].block.slice(2, 5), ['error: |-', '  \'failure\' == \'success\'', '  ##[group]Run bash up.sh'])
  })

  test('a log without failures has none', () => {
    assert.deepEqual(failuresOf(TAP.replace('not ok 2', 'ok 2').replace(/not ok 1[\s\S]*/, 'ok 1 - the GitHub Action\n')), [])
  })
})

describe('scripts/ci-failures.mjs: the spec reporter\'s summary (a newer Node\'s default)', () => {
  test('the "✖ failing tests:" section, up to the next pass\'s banner', () => {
    const log = '▶ apply\n  ✖ restart --rolling (152504ms)\nℹ pass 156\nℹ fail 1\n\n✖ failing tests:\n\ntest at test/e2e/apply.test.ts:15:2106\n✖ restart --rolling (152504ms)\n  AssertionError: the roll ended\n=== weed 4.30 on Node 24: exit 1 ===\nmore\n'
    assert.deepEqual(specFailuresOf(log), ['test at test/e2e/apply.test.ts:15:2106\n✖ restart --rolling (152504ms)\n  AssertionError: the roll ended'])
    assert.deepEqual(specFailuresOf('ℹ pass 3\nℹ fail 0\n'), [])
  })
})
