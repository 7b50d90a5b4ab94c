import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {type DrainMove, type PlacementNode, planDrain, replicasOf, satisfiesPlacement, startable, type VolStatusBody, type VolumeReplica} from '../../src/services/drain-plan.js'

const P001 = {dc: 0, rack: 0, node: 1}
const node = (n: number, volumes: number, max = 8, rack = 'r1', dc = 'dc1'): PlacementNode => ({node: `127.0.0.${n + 1}:808${n - 1}`, dc, rack, volumes, max})
const at = (n: number) => `127.0.0.${n + 1}:808${n - 1}`
const copies = (volume: number, servers: number[], placement = P001, collection = ''): VolumeReplica[] => servers.map((s) => ({volume, collection, node: at(s), placement}))

/** The layout of the figure: 4 servers, replication 001, 6 volumes, 2 copies each. */
function fourServers(): {nodes: PlacementNode[]; replicas: VolumeReplica[]} {
  const replicas = [...copies(1, [1, 4]), ...copies(2, [3, 4]), ...copies(3, [1, 4]), ...copies(4, [2, 3]), ...copies(5, [1, 3]), ...copies(6, [1, 4])]
  const count = (s: number) => replicas.filter((r) => r.node === at(s)).length
  return {nodes: [1, 2, 3, 4].map((s) => node(s, count(s))), replicas}
}

/** Where every volume's copies are once `moves` are done. */
function after(replicas: VolumeReplica[], moves: DrainMove[]): Map<number, string[]> {
  const where = new Map<number, string[]>()
  for (const r of replicas) where.set(r.volume, [...(where.get(r.volume) ?? []), r.node])
  for (const m of moves) where.set(m.volume, where.get(m.volume)!.map((n) => (n === m.from ? m.to : n)))
  return where
}

describe('satisfiesPlacement (weed\'s satisfyReplicaPlacement)', () => {
  const place = (n: number, rack = 'r1', dc = 'dc1') => ({node: at(n), rack, dc})
  test('001: another server of the same rack, never the same server, never another rack', () => {
    assert.equal(satisfiesPlacement(P001, [place(1)], place(2)), true)
    assert.equal(satisfiesPlacement(P001, [place(1)], place(1)), false)
    assert.equal(satisfiesPlacement(P001, [place(1)], place(2, 'r2')), false)
    assert.equal(satisfiesPlacement(P001, [place(1), place(2)], place(3)), false, 'a third copy is one too many')
  })

  test('010: another rack; 100: another data center', () => {
    const p010 = {dc: 0, rack: 1, node: 0}
    assert.equal(satisfiesPlacement(p010, [place(1, 'r1')], place(2, 'r1')), false)
    assert.equal(satisfiesPlacement(p010, [place(1, 'r1')], place(2, 'r2')), true)
    const p100 = {dc: 1, rack: 0, node: 0}
    assert.equal(satisfiesPlacement(p100, [place(1, 'r1', 'dc1')], place(2, 'r1', 'dc1')), false)
    assert.equal(satisfiesPlacement(p100, [place(1, 'r1', 'dc1')], place(2, 'r1', 'dc2')), true)
  })
})

describe('planDrain: all leaving servers at once', () => {
  test('every copy on a leaving server moves exactly once, onto a server that stays, placement kept', () => {
    const {nodes, replicas} = fourServers()
    const plan = planDrain(nodes, replicas, [at(4), at(3)])
    assert.deepEqual(plan.unmoveable, [])
    const leaving = replicas.filter((r) => r.node === at(3) || r.node === at(4))
    assert.equal(plan.moves.length, leaving.length)
    assert.deepEqual(plan.moves.map((m) => `${m.volume}@${m.from}`).sort(), leaving.map((r) => `${r.volume}@${r.node}`).sort(), 'each copy once')
    for (const m of plan.moves) assert.ok([at(1), at(2)].includes(m.to), `volume ${m.volume} goes to ${m.to}, a server that stays`)
    for (const [volume, where] of after(replicas, plan.moves)) {
      assert.equal(where.length, 2, `volume ${volume} keeps 2 copies`)
      assert.notEqual(where[0], where[1], `volume ${volume}: its 2 copies on 2 servers`)
    }
  })

  test('a volume with both copies leaving gets one on each server that stays', () => {
    const {nodes, replicas} = fourServers()
    const plan = planDrain(nodes, replicas, [at(4), at(3)])
    assert.deepEqual(plan.moves.filter((m) => m.volume === 2).map((m) => m.to).sort(), [at(1), at(2)])
  })

  test('the emptiest server that stays is chosen first, as weed\'s evacuate does', () => {
    const nodes = [node(1, 6), node(2, 1), node(3, 1)]
    const plan = planDrain(nodes, copies(9, [3]), [at(3)])
    assert.deepEqual(plan.moves, [{volume: 9, collection: '', from: at(3), to: at(2)}])
  })

  test('no free slot or no place the replication allows: unmoveable, named with its replication', () => {
    const full = planDrain([node(1, 8), node(2, 8), node(3, 1)], copies(7, [3], {dc: 0, rack: 0, node: 0}), [at(3)])
    assert.deepEqual(full, {moves: [], unmoveable: [{volume: 7, node: at(3), replication: '000'}]})
    // 001 on 3 servers, 2 leaving: the copy of volume 1 on server 3 could only join its twin on server 1.
    const tight = planDrain([node(1, 1), node(2, 1), node(3, 1)], [...copies(1, [1, 3]), ...copies(2, [2])], [at(2), at(3)])
    assert.deepEqual(tight.unmoveable, [{volume: 1, node: at(3), replication: '001'}])
    assert.deepEqual(tight.moves, [{volume: 2, collection: '', from: at(2), to: at(1)}])
  })

  test('010 over two racks: a copy leaving rack r2 may only go to the server that stays in r2', () => {
    const p010 = {dc: 0, rack: 1, node: 0}
    const nodes = [node(1, 1, 8, 'r1'), node(2, 0, 8, 'r2'), node(3, 0, 8, 'r1'), node(4, 1, 8, 'r2')]
    const plan = planDrain(nodes, copies(5, [1, 4], p010), [at(4)])
    assert.deepEqual(plan.moves.map((m) => m.to), [at(2)])
  })

  test('slots fill up as moves are planned', () => {
    const p000 = {dc: 0, rack: 0, node: 0}
    const nodes = [node(1, 7), node(2, 6), node(3, 4)]
    const replicas = [1, 2, 3, 4].flatMap((v) => copies(v, [3], p000))
    const plan = planDrain(nodes, replicas, [at(3)])
    assert.deepEqual(plan.moves.map((m) => m.to), [at(2), at(1), at(2)])
    assert.deepEqual(plan.unmoveable, [{volume: 4, node: at(3), replication: '000'}])
  })
})

describe('startable: which moves run at the same time', () => {
  const move = (volume: number, from: number, to: number): DrainMove => ({volume, collection: '', from: at(from), to: at(to)})

  test('moves of different volumes start together, up to the total', () => {
    const pending = [move(1, 4, 1), move(3, 4, 2), move(4, 3, 1), move(5, 3, 2)]
    assert.deepEqual(startable(pending, [], {total: 8, perServer: 4}), pending)
    assert.deepEqual(startable(pending, [], {total: 2, perServer: 4}), pending.slice(0, 2))
    assert.deepEqual(startable(pending, [move(9, 4, 1)], {total: 2, perServer: 4}), pending.slice(0, 1))
  })

  test('never two moves of one volume at once, nor a later one ahead of an earlier one', () => {
    const pending = [move(2, 4, 1), move(2, 3, 2), move(6, 4, 2)]
    assert.deepEqual(startable(pending, [], {total: 8, perServer: 4}), [move(2, 4, 1), move(6, 4, 2)])
    assert.deepEqual(startable(pending.slice(1), [move(2, 4, 1)], {total: 8, perServer: 4}), [move(6, 4, 2)])
    // Held back by the per-server limit, the first move of volume 2 still holds back its second.
    assert.deepEqual(startable(pending, [move(7, 5, 1)], {total: 8, perServer: 1}), [move(6, 4, 2)])
  })

  test('at most perServer moves touch one server, as source or target', () => {
    const pending = [move(1, 4, 1), move(3, 4, 1), move(5, 3, 1), move(6, 3, 2)]
    assert.deepEqual(startable(pending, [], {total: 8, perServer: 2}), [move(1, 4, 1), move(3, 4, 1), move(6, 3, 2)])
    assert.deepEqual(startable(pending, [], {total: 8, perServer: 1}), [move(1, 4, 1), move(6, 3, 2)])
  })
})

describe('replicasOf: the master\'s /vol/status', () => {
  test('every copy with its collection and placement (zeros left out of weed\'s JSON)', () => {
    const body: VolStatusBody = {Volumes: {DataCenters: {dc1: {r1: {
      [at(1)]: [{Id: 3, Collection: 'b', ReplicaPlacement: {node: 1}}],
      [at(2)]: [{Id: 3, Collection: 'b', ReplicaPlacement: {node: 1}}, {Id: 4, Collection: '', ReplicaPlacement: {dc: 1, rack: 2}}],
      [at(3)]: null,
    }}}}}
    assert.deepEqual(replicasOf(body), [
      {volume: 3, collection: 'b', node: at(1), placement: P001},
      {volume: 3, collection: 'b', node: at(2), placement: P001},
      {volume: 4, collection: '', node: at(2), placement: {dc: 1, rack: 2, node: 0}},
    ])
  })
})
