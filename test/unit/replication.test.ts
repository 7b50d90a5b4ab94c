import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {placementOf} from '../../src/plan/planner.js'
import {minimalSizing, parseReplication, requirement, topologyOf, unplaceableReason, type Topology} from '../../src/plan/replication.js'

/** The topology the planner gives `volumes` servers spread over `racks` racks and `dataCenters` data centers. */
function planned(volumes: number, racks = 1, dataCenters = 1): Topology {
  return topologyOf(Array.from({length: volumes}, (_, i) => placementOf(i, racks, dataCenters)))
}

/** Every replication string weed accepts: three digits, 100x+10y+z ≤ 255. */
const ALL = Array.from({length: 256}, (_, n) => String(n).padStart(3, '0'))

describe('parseReplication', () => {
  test('xyz = other data centers, other racks, other servers; copies = x+y+z+1', () => {
    assert.deepEqual(parseReplication('000'), {otherDataCenters: 0, otherRacks: 0, otherServers: 0, copies: 1})
    assert.deepEqual(parseReplication('001'), {otherDataCenters: 0, otherRacks: 0, otherServers: 1, copies: 2})
    assert.deepEqual(parseReplication('012'), {otherDataCenters: 0, otherRacks: 1, otherServers: 2, copies: 4})
    assert.deepEqual(parseReplication('200'), {otherDataCenters: 2, otherRacks: 0, otherServers: 0, copies: 3})
  })
})

describe('placementOf', () => {
  test('racks round robin over servers, data centers round robin over racks', () => {
    assert.deepEqual(
      Array.from({length: 6}, (_, i) => placementOf(i, 3, 2)),
      [
        {dataCenter: 'dc1', rack: 'rack1'}, {dataCenter: 'dc2', rack: 'rack2'}, {dataCenter: 'dc1', rack: 'rack3'},
        {dataCenter: 'dc1', rack: 'rack1'}, {dataCenter: 'dc2', rack: 'rack2'}, {dataCenter: 'dc1', rack: 'rack3'},
      ],
    )
    assert.deepEqual(placementOf(3, 1, 1), {dataCenter: 'dc1', rack: 'rack1'})
  })

  test('topologyOf counts servers per rack per data center', () => {
    const t = planned(4, 2)
    assert.deepEqual([...t.keys()], ['dc1'])
    assert.deepEqual([...t.get('dc1')!.entries()], [['rack1', 2], ['rack2', 2]])
  })
})

describe('unplaceableReason: the minimum topologies of the reference table', () => {
  const cases: Array<[string, number, number, number]> = [
    // replication, volumes, racks, data centers: the smallest that works
    ['000', 1, 1, 1],
    ['001', 2, 1, 1],
    ['002', 3, 1, 1],
    ['010', 2, 2, 1],
    ['011', 4, 2, 1],
    ['020', 3, 3, 1],
    ['100', 2, 2, 2],
    ['110', 3, 3, 2],
    ['200', 3, 3, 3],
  ]
  for (const [replication, volumes, racks, dataCenters] of cases) {
    test(`${replication} fits ${volumes} volume(s) in ${racks} rack(s), ${dataCenters} data center(s)`, () => {
      assert.equal(unplaceableReason(replication, planned(volumes, racks, dataCenters)), undefined)
    })
  }

  test('one server less, or one rack or data center less, does not fit', () => {
    assert.match(unplaceableReason('001', planned(1))!, /"001" \(2 copies\) needs at least 2 volume servers in one rack; the plan has 1 volume server in 1 rack/)
    assert.ok(unplaceableReason('002', planned(2)))
    assert.match(unplaceableReason('010', planned(4, 1))!, /needs 2 racks in one data center/)
    assert.ok(unplaceableReason('020', planned(3, 2)))
    assert.match(unplaceableReason('100', planned(4, 2, 1))!, /2 data centers; the plan has .* and 1 data center\.$/)
    assert.ok(unplaceableReason('200', planned(3, 3, 2)))
  })

  test('011 needs two racks with two servers each: 3 servers in 2 racks is not enough', () => {
    assert.match(unplaceableReason('011', planned(3, 2))!, /needs 2 racks in one data center with at least 2 volume servers each; the plan has 3 volume servers in 2 racks \(at most 2 in one\)/)
    assert.equal(unplaceableReason('011', planned(4, 2)), undefined)
  })

  test('010 with 2 racks spread over 2 data centers does not fit: the racks must share one', () => {
    assert.ok(unplaceableReason('010', planned(2, 2, 2)))
    assert.equal(unplaceableReason('010', planned(3, 3, 2)), undefined)
  })

  test('110 needs the main data center to have 2 racks', () => {
    assert.ok(unplaceableReason('110', planned(2, 2, 2)))
    assert.equal(unplaceableReason('110', planned(3, 3, 2)), undefined)
  })

  test('the sentence for one copy', () => {
    assert.equal(requirement(parseReplication('000')), 'at least 1 volume server in one rack')
    assert.equal(requirement(parseReplication('110')), '2 racks in one data center with at least 1 volume server each and 2 data centers')
  })
})

describe('minimalSizing', () => {
  test('matches the reference table', () => {
    assert.deepEqual(minimalSizing('000'), {volumes: 1, racks: 1, dataCenters: 1})
    assert.deepEqual(minimalSizing('001'), {volumes: 2, racks: 1, dataCenters: 1})
    assert.deepEqual(minimalSizing('010'), {volumes: 2, racks: 2, dataCenters: 1})
    assert.deepEqual(minimalSizing('011'), {volumes: 4, racks: 2, dataCenters: 1})
    assert.deepEqual(minimalSizing('100'), {volumes: 2, racks: 2, dataCenters: 2})
    assert.deepEqual(minimalSizing('110'), {volumes: 3, racks: 3, dataCenters: 2})
    assert.deepEqual(minimalSizing('200'), {volumes: 3, racks: 3, dataCenters: 3})
  })

  test('for every replication string, the suggested sizing is one the planner can place', () => {
    for (const replication of ALL) {
      const need = minimalSizing(replication)
      assert.ok(need.dataCenters <= need.racks && need.racks <= need.volumes, `${replication}: ${JSON.stringify(need)} is not a valid spec`)
      assert.ok(need.volumes <= 200, `${replication}: more than 200 volume servers`)
      assert.equal(unplaceableReason(replication, planned(need.volumes, need.racks, need.dataCenters)), undefined, `${replication} with ${JSON.stringify(need)}`)
    }
  })

  test('and it is the fewest volume servers for those racks and data centers', () => {
    for (const replication of ALL) {
      const need = minimalSizing(replication)
      if (need.volumes === need.racks) continue // cannot have fewer servers than racks
      assert.ok(unplaceableReason(replication, planned(need.volumes - 1, need.racks, need.dataCenters)), replication)
    }
  })
})
