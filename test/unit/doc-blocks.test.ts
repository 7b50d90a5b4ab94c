import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {allDocBlocks, fencedBlocks, matches, RUN, runBlock} from '../helpers/doc-blocks.js'

describe('every example in README.md and docs/ is run by a test or marked as not run', () => {
  const blocks = allDocBlocks()

  test('each fenced block is run, marked "Not run by the tests: REASON", or ```text', () => {
    const problems: string[] = []
    for (const b of blocks) {
      const runBy = Object.values(RUN).filter((s) => matches(b, s))
      if (b.info === 'text') continue
      if (b.info === '') {
        problems.push(`${b.file}:${b.line}: a fenced block without a language: name it (\`\`\`sh, \`\`\`ts, \`\`\`yaml…), or \`\`\`text for output and layouts`)
      } else if (b.notRun !== undefined) {
        if (b.notRun.length < 5) problems.push(`${b.file}:${b.line}: "Not run by the tests:" needs a reason the reader can see`)
        if (runBy.length > 0) problems.push(`${b.file}:${b.line}: marked "Not run by the tests", yet ${runBy[0].by} runs it`)
      } else if (runBy.length === 0) {
        problems.push(`${b.file}:${b.line}: this \`\`\`${b.info} block is neither run by a test nor marked: run it from test/e2e/docs.test.ts (RUN in test/helpers/doc-blocks.ts), or put a line "Not run by the tests: REASON" right before it`)
      }
    }
    assert.deepEqual(problems, [])
  })

  test('each block the tests run is found exactly once, on the page its entry names', () => {
    for (const [name, selector] of Object.entries(RUN)) assert.doesNotThrow(() => runBlock(selector, blocks), name)
  })

  test('the scan sees fences, their info strings, markers and unmarked blocks', () => {
    const text = ['# x', '', 'Not run by the tests: needs a GitHub runner', '', '```sh', 'echo a', '```', '', '~~~ts', 'let x', '```', '~~~', '', '```', 'out', '```'].join('\n')
    const found = fencedBlocks(text, 'X.md')
    assert.deepEqual(found.map((b) => [b.line, b.info, b.notRun]), [[5, 'sh', 'needs a GitHub runner'], [9, 'ts', undefined], [14, '', undefined]])
    assert.equal(found[1].body, 'let x\n```', 'a ``` line does not close a ~~~ fence')
    assert.throws(() => runBlock({file: 'X.md', lang: 'sh', contains: 'no such text anywhere', by: 'test/e2e/docs.test.ts'}, found), /0 ```sh blocks in X\.md contain "no such text anywhere"/)
  })

  test('a block is bound to its page: moved to another page, the test no longer finds it and says where it went', () => {
    const block = (file: string) => fencedBlocks(['```sh', 'seaweedctl up --volumes 2', '```'].join('\n'), file)
    const selector = {file: 'README.md', lang: 'sh', contains: 'seaweedctl up --volumes 2', by: 'test/e2e/docs.test.ts'} as const
    assert.equal(runBlock(selector, block('README.md')).file, 'README.md')
    assert.throws(() => runBlock(selector, block('docs/guide.md')), /0 ```sh blocks in README\.md .*; found in docs\/guide\.md:1;/)
    assert.equal(matches(block('docs/guide.md')[0], selector), false, 'a copy on another page is not run by this entry')
  })
})
