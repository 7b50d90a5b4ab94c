import assert from 'node:assert/strict'
import {existsSync, readFileSync, statSync} from 'node:fs'
import {dirname, join, relative} from 'node:path'
import {describe, test} from 'node:test'

import {REPO} from '../helpers/cli.js'
import {docFiles, headingAnchors, relativeLinks} from '../helpers/doc-blocks.js'

describe('the links between README.md and docs/ lead somewhere', () => {
  test('every relative link names an existing file, and every #anchor a heading of that page', () => {
    const problems: string[] = []
    for (const file of docFiles()) {
      const text = readFileSync(file, 'utf8')
      for (const {line, target} of relativeLinks(text)) {
        const [path, anchor] = target.split('#', 2)
        const to = path === '' ? file : join(dirname(file), decodeURIComponent(path))
        const where = `${relative(REPO, file)}:${line}: ${target}`
        if (!existsSync(to)) {
          problems.push(`${where}: no such file`)
        } else if (anchor !== undefined) {
          const page = statSync(to).isDirectory() ? join(to, 'README.md') : to
          if (!headingAnchors(readFileSync(page, 'utf8')).includes(anchor)) problems.push(`${where}: no heading with this anchor in ${relative(REPO, page)}`)
        }
      }
    }
    assert.deepEqual(problems, [])
  })

  test('anchors and links are read as GitHub makes them', () => {
    const text = ['# Two commands: `up` and `down`', '## S3 for CI', '```sh', '# not a heading', '```', '## S3 for CI', "## The cluster's directory"].join('\n')
    assert.deepEqual(headingAnchors(text), ['two-commands-up-and-down', 's3-for-ci', 's3-for-ci-1', 'the-clusters-directory'])
    const links = ['See [a](docs/a.md#x) and ![b](b.png), not `[c](c.md)` or [d](https://example.com).', '```md', '[e](e.md)', '```'].join('\n')
    assert.deepEqual(relativeLinks(links), [{line: 1, target: 'docs/a.md#x'}, {line: 1, target: 'b.png'}])
  })
})
