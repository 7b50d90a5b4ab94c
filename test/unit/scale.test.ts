import assert from 'node:assert/strict'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {endMaintenance, parseEvacuationDryRun} from '../../src/services/drain.js'
import type {Plan, ProcessPlan} from '../../src/plan/types.js'
import {parseScaleArgs} from '../../src/services/scale.js'
import {setNumberInSpecText} from '../../src/clusterfile/edit.js'

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

describe('parseEvacuationDryRun (weed 4.30 and 4.48 print the same)', () => {
  test('planned moves, with and without disk type and collection', () => {
    const out = [
      'Running in simulation mode. Use "-apply" option to apply the changes.',
      '  moving  volume 5 127.0.0.5:8183 => 127.0.0.2:8180',
      '  moving hdd volume photos_12 127.0.0.5:8183 => 127.0.0.3:8181',
      '  moving hdd volume b2_17 127.0.0.5:8183 => 127.0.0.3:8181',
    ].join('\n')
    assert.deepEqual(parseEvacuationDryRun(out), {
      moves: [
        {volume: 5, from: '127.0.0.5:8183', to: '127.0.0.2:8180'},
        {volume: 12, from: '127.0.0.5:8183', to: '127.0.0.3:8181'},
        {volume: 17, from: '127.0.0.5:8183', to: '127.0.0.3:8181'},
      ],
      unmoveable: [], errors: [],
    })
  })

  test('volumes weed will not move, with their replication, and errors', () => {
    const out = [
      'Running in simulation mode. Use "-apply" option to apply the changes.',
      'skipping non moveable volume 5 replication:001',
      '  moving  volume 1 127.0.0.5:8183 => 127.0.0.4:8182',
      'move away volume 7 from 127.0.0.5:8183: rpc error',
      'skipping non moveable volume 7 replication:010',
      'failed to move away ec volume 9 from 127.0.0.5:8183',
      'error: 127.0.0.9:8183 is not found in this cluster',
    ].join('\n')
    const plan = parseEvacuationDryRun(out)
    assert.deepEqual(plan.unmoveable, [{volume: 5, replication: '001'}, {volume: 7, replication: '010'}, {volume: 9, replication: 'ec'}])
    assert.deepEqual(plan.moves, [{volume: 1, from: '127.0.0.5:8183', to: '127.0.0.4:8182'}])
    assert.deepEqual(plan.errors, ['error: 127.0.0.9:8183 is not found in this cluster'])
  })
})

describe('endMaintenance (servers that scale up)', () => {
  test('weed is asked only about servers whose data directory holds a state.pb, where it keeps maintenance mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-maintenance-'))
    try {
      // A stand-in for weed: what its shell is told is appended to weed.stdin.
      const weed = join(dir, 'weed')
      writeFileSync(weed, '#!/bin/sh\ncat >> "$0.stdin"\n', {mode: 0o755})
      const server = (i: number) => {
        const node = `127.0.0.${i + 1}:${8079 + i}`
        mkdirSync(join(dir, `volume-${i}`))
        return {name: `volume-${i}`, dataDir: join(dir, `volume-${i}`), readiness: {kind: 'volumeListed', statusUrl: `http://${node}/status`, masterUrls: [], node}} as unknown as ProcessPlan
      }
      const plan = {endpoints: {master: 'http://127.0.0.1:9333'}} as Plan
      const servers = [server(5), server(6)]
      await endMaintenance(servers, plan, weed, '4.48')
      assert.equal(existsSync(`${weed}.stdin`), false, 'new servers: no weed shell')
      // volume-6 was drained by an earlier scale-down: weed wrote its state.pb (maintenance on: field 1 = 1).
      writeFileSync(join(servers[1].dataDir, 'state.pb'), Buffer.from([0x08, 0x01, 0x10, 0x01]))
      await endMaintenance(servers, plan, weed, '4.48')
      assert.equal(readFileSync(`${weed}.stdin`, 'utf8').trim(), 'volumeServer.state -nodes 127.0.0.7:8085 -maintenanceOff')
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
