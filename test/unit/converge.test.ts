import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {liveEndpoints} from '../../src/plan/endpoints.js'
import {awaitedNot} from '../../src/services/rolling.js'
import {surplusOn} from '../../src/services/converge.js'

describe('endpoints from what runs', () => {
  const endpoints = {master: 'http://127.0.0.1:9333', filer: 'http://127.0.0.1:8888', s3: 'http://127.0.0.1:8333'}
  test('a filer that moved is named at its new port; the others as planned', () => {
    const running = [{kind: 'master' as const, ports: {http: 9333, grpc: 19333}}, {kind: 'filer' as const, ports: {http: 8890, grpc: 18890}}, {kind: 's3' as const, ports: {http: 8333, grpc: 0}}]
    assert.deepEqual(liveEndpoints(endpoints, running), {...endpoints, filer: 'http://127.0.0.1:8890'})
  })
  test('no process of a kind (scaled to 0): the planned endpoint stays; no endpoint is invented', () => {
    assert.deepEqual(liveEndpoints({master: endpoints.master}, [{kind: 'filer', ports: {http: 8890, grpc: 18890}}]), {master: endpoints.master})
    assert.deepEqual(liveEndpoints(endpoints, []), endpoints)
  })
})

describe('a roll never waits on what it is about to restart', () => {
  test('the steps not yet taken, the current one included', () => {
    const ordered = [{name: 'filer-1'}, {name: 's3-1'}, {name: 's3-2'}]
    assert.deepEqual(awaitedNot([], ordered), ['filer-1', 's3-1', 's3-2'])
    assert.deepEqual(awaitedNot(['filer-1'], ordered), ['s3-1', 's3-2'])
    assert.deepEqual(awaitedNot(['filer-1', 's3-1', 's3-2'], ordered), [])
  })
})

describe('surplus copies an interrupted move leaves on a drained server', () => {
  const vol = (id: number, placement?: Record<string, number>) => ({Id: id, ...(placement ? {ReplicaPlacement: placement} : {})})
  const status = (nodes: Record<string, Array<ReturnType<typeof vol>>>) => ({Volumes: {DataCenters: {dc1: {rack1: nodes}}}})

  test('a 001 volume on three servers is surplus on the drained one only; a well-placed one never', () => {
    const body = status({
      'a:1': [vol(10, {node: 1}), vol(11, {node: 1})],
      'b:2': [vol(10, {node: 1}), vol(11, {node: 1})],
      'c:3': [vol(10, {node: 1})],
    })
    assert.deepEqual(surplusOn('c:3', body), [10])
    assert.deepEqual(surplusOn('a:1', body), [10], 'the drained node is the one named; the caller names it')
    assert.deepEqual(surplusOn('d:4', body), [])
  })

  test('000 on two servers is surplus; 010-style placements add up; no placement reported: never surplus', () => {
    assert.deepEqual(surplusOn('b:2', status({'a:1': [vol(1, {})], 'b:2': [vol(1, {})]})), [1])
    assert.deepEqual(surplusOn('b:2', status({'a:1': [vol(1, {rack: 1, node: 1})], 'b:2': [vol(1, {rack: 1, node: 1})], 'c:3': [vol(1, {rack: 1, node: 1})]})), [])
    assert.deepEqual(surplusOn('b:2', status({'a:1': [vol(1)], 'b:2': [vol(1)], 'c:3': [vol(1)]})), [])
  })
})
