import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {formatDuration, parseDuration, parseSize} from '../../src/lib/units.js'

describe('parseDuration', () => {
  test('units', () => {
    assert.equal(parseDuration('2s'), 2000)
    assert.equal(parseDuration('500ms'), 500)
    assert.equal(parseDuration('2m'), 120_000)
    assert.equal(parseDuration('1h'), 3_600_000)
    assert.equal(parseDuration('1.5s'), 1500)
    assert.equal(parseDuration('0.25m'), 15_000)
  })

  test('whitespace around and between number and unit', () => {
    assert.equal(parseDuration(' 60s '), 60_000)
    assert.equal(parseDuration('10 ms'), 10)
  })

  test('a YAML number means seconds', () => {
    assert.equal(parseDuration(2), 2000)
    assert.equal(parseDuration(0.5), 500)
    assert.equal(parseDuration(0), 0)
  })

  test('not a duration', () => {
    for (const bad of ['', 's', '2', '2x', '2 seconds', '-1s', '1e3s', 'two s', '2S']) {
      assert.equal(parseDuration(bad), undefined, JSON.stringify(bad))
    }
    assert.equal(parseDuration(-1), undefined)
    assert.equal(parseDuration(Number.NaN), undefined)
    assert.equal(parseDuration(Number.POSITIVE_INFINITY), undefined)
  })
})

describe('parseSize', () => {
  test('decimal and binary units', () => {
    assert.equal(parseSize('50MB'), 50_000_000)
    assert.equal(parseSize('1KB'), 1000)
    assert.equal(parseSize('2GB'), 2_000_000_000)
    assert.equal(parseSize('1KiB'), 1024)
    assert.equal(parseSize('1MiB'), 1_048_576)
    assert.equal(parseSize('1GiB'), 1_073_741_824)
    assert.equal(parseSize('1.5KB'), 1500)
    assert.equal(parseSize('100B'), 100)
  })

  test('units are case-insensitive and a bare number is bytes', () => {
    assert.equal(parseSize('50mb'), 50_000_000)
    assert.equal(parseSize('1 mib'), 1_048_576)
    assert.equal(parseSize('4096'), 4096)
    assert.equal(parseSize(4096), 4096)
  })

  test('not a size', () => {
    for (const bad of ['', 'MB', '50XB', '-1MB', '50 M B', '1TB']) {
      assert.equal(parseSize(bad), undefined, JSON.stringify(bad))
    }
    assert.equal(parseSize(1.5), undefined)
    assert.equal(parseSize(-1), undefined)
  })
})

describe('formatDuration', () => {
  test('picks a readable unit', () => {
    assert.equal(formatDuration(250), '250ms')
    assert.equal(formatDuration(1500), '1.5s')
    assert.equal(formatDuration(12_000), '12s')
    assert.equal(formatDuration(125_000), '2m5s')
    assert.equal(formatDuration(2 * 3_600_000 + 5 * 60_000), '2h5m')
    assert.equal(formatDuration(26 * 3_600_000), '1d2h')
  })

  test('round trips with parseDuration where the unit is exact', () => {
    for (const text of ['250ms', '1.5s', '12s']) assert.equal(formatDuration(parseDuration(text)!), text)
  })
})
