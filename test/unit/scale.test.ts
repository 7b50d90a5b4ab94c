import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {parseScaleArgs} from '../../src/services/scale.js'
import {setNumberInSpecText} from '../../src/spec/edit.js'

describe('setNumberInSpecText', () => {
  test('changes only the number: comments, blank lines, order and quoting survive', () => {
    const text = '# top\n\nvolume:   # servers\n  preStopSeconds: 1\n  count:    4   # four\nname: "x"\n'
    assert.equal(setNumberInSpecText(text, ['volume', 'count'], 12), text.replace('count:    4', 'count:    12'))
  })

  test('a flow mapping keeps its style', () => {
    assert.equal(setNumberInSpecText('filer: {count: 1, port: 8888}\n', ['filer', 'count'], 2), 'filer: {count: 2, port: 8888}\n')
  })

  test('a missing key is added', () => {
    const out = setNumberInSpecText('# c\nname: dev\n', ['volume', 'count'], 5)
    assert.match(out, /# c\nname: dev\nvolume:\n  count: 5\n/)
  })
})

describe('parseScaleArgs', () => {
  test('accepts volume, filer, s3 with a count', () => {
    assert.deepEqual(parseScaleArgs('volume', '8'), {kind: 'volume', count: 8})
    assert.deepEqual(parseScaleArgs('filer', '0'), {kind: 'filer', count: 0})
  })

  test('rejects masters, unknown kinds, and counts that are not counts', () => {
    assert.throws(() => parseScaleArgs('master', '3'), /raft/)
    assert.throws(() => parseScaleArgs('volumes', '3'), (e: Error & {hints?: string[]}) => e.hints?.[0] === 'did you mean "volume"?')
    assert.throws(() => parseScaleArgs('volume', 'abc'), /not a count/)
    assert.throws(() => parseScaleArgs('volume', '-1'), /below the minimum of 1/)
    assert.throws(() => parseScaleArgs('volume', '0'), /below the minimum of 1/)
    assert.throws(() => parseScaleArgs('volume', '2.5'), /not a count/)
  })
})
