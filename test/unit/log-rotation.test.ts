import assert from 'node:assert/strict'
import {appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {test} from 'node:test'

import {rotateIfLarge} from '../../src/supervisor/log-rotation.js'

test('a log past maxBytes is rotated and at most `backups` old files are kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rot-'))
  try {
    const log = join(dir, 'volume-1.log')
    for (let round = 1; round <= 5; round++) {
      writeFileSync(log, `round ${round}\n`.repeat(200), {flag: 'a'})
      assert.equal(rotateIfLarge(log, 1000, 3), true)
      assert.equal(statSync(log).size, 0)
      appendFileSync(log, 'after\n')
    }
    assert.ok(existsSync(`${log}.1`) && existsSync(`${log}.2`) && existsSync(`${log}.3`))
    assert.equal(existsSync(`${log}.4`), false)
    assert.match(readFileSync(`${log}.1`, 'utf8'), /round 5/)
    assert.match(readFileSync(`${log}.3`, 'utf8'), /round 3/)
    assert.equal(rotateIfLarge(log, 1000, 3), false, 'a small log is left alone')
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})
