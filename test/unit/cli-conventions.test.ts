import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {SeaweedctlError} from '../../src/lib/errors.js'
import {closest} from '../../src/lib/suggest.js'
import {clusterNameFor, loadSpecFile} from '../../src/clusterfile/load.js'
import {newSpec} from '../../src/services/spec.js'
import {tailLines} from '../../src/supervisor/diagnose.js'

const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-conventions-'))
after(() => rmSync(dir, {recursive: true, force: true}))

describe('did you mean', () => {
  test('a swapped pair of letters is one step: stauts → status, not start', () => {
    assert.equal(closest('stauts', ['start', 'status', 'stop', 'scale']), 'status')
  })
  test('flags: --volume → --volumes', () => {
    assert.equal(closest('--volume', ['--volumes', '--filers', '--file', '--json']), '--volumes')
  })
  test('nothing close: no suggestion', () => {
    assert.equal(closest('frobnicate', ['up', 'down', 'status']), undefined)
  })
})

describe('default cluster name', () => {
  test('the directory name, made valid', () => {
    assert.equal(clusterNameFor('/home/me/My App_2'), 'my-app-2')
    assert.equal(clusterNameFor('/srv/--x--'), 'x')
    assert.equal(clusterNameFor(`/srv/${'a'.repeat(60)}`), 'a'.repeat(40))
    assert.equal(clusterNameFor('/srv/___'), 'seaweed')
  })
  test('a new spec is written with it; a spec without a name gets it too', () => {
    const project = join(dir, 'Photo-Store')
    const made = newSpec(join(project, 'seaweed.yaml'), {})
    assert.equal(made.spec.name, 'photo-store')
    assert.match(made.text, /^name: "?photo-store"?/m)
    const other = join(dir, 'other')
    writeFileSync(join(dir, 'other.yaml'), 'volume:\n  count: 1\n')
    assert.equal(loadSpecFile(join(dir, 'other.yaml')).spec.name, clusterNameFor(dir))
    assert.notEqual(clusterNameFor(project), clusterNameFor(other))
  })
})

describe('a missing spec', () => {
  test('commands on a running cluster do not suggest cluster init', () => {
    const error = (() => {
      try {
        loadSpecFile(join(dir, 'none.yaml'), 'existing')
      } catch (e) {
        return e as SeaweedctlError
      }
      throw new Error('no error')
    })()
    assert.equal(error.code, 'SPEC_NOT_FOUND')
    assert.doesNotMatch(error.hints.join(' '), /cluster init/)
    assert.match(error.hints.join(' '), /--file/)
  })
})

describe('tailLines', () => {
  test('0 lines is none, not all', () => {
    const file = join(dir, 'a.log')
    writeFileSync(file, 'one\ntwo\nthree\n')
    assert.deepEqual(tailLines(file, 0), [])
    assert.deepEqual(tailLines(file, 2), ['two', 'three'])
  })
})
