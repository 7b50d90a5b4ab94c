import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {Clock} from '../../src/supervisor/clock.js'
import {DEPENDENCY_GRACE_MS, DependencyRule, type ProcessView} from '../../src/supervisor/dependencies.js'

function clockAt(start = 0): Clock & {t: number} {
  return {t: start, now() {
    return this.t
  }, after: () => () => {}}
}

const up = (name: string, kind: ProcessView['kind']): ProcessView => ({name, kind, state: 'RUNNING', healthy: true})
const cluster = (...overrides: ProcessView[]): ProcessView[] => {
  const base = [up('master-1', 'master'), up('master-2', 'master'), up('master-3', 'master'), up('volume-1', 'volume'), up('volume-2', 'volume'), up('filer-1', 'filer'), up('s3-1', 's3')]
  return base.map((p) => overrides.find((o) => o.name === p.name) ?? p)
}
const find = (all: ProcessView[], name: string) => all.find((p) => p.name === name)!

describe('DependencyRule: whom a failing process waits for', () => {
  test('everything healthy: judged alone', () => {
    const rule = new DependencyRule(clockAt())
    const all = cluster()
    for (const p of all) assert.equal(rule.waitingOn(p, all), undefined, p.name)
  })

  test('a master gone: volume servers and filers wait on the masters; the S3 gateway does not', () => {
    const rule = new DependencyRule(clockAt())
    const all = cluster({name: 'master-1', kind: 'master', state: 'BACKOFF', healthy: false})
    assert.equal(rule.waitingOn(find(all, 'volume-1'), all), 'masters not all healthy (master-1 BACKOFF)')
    assert.equal(rule.waitingOn(find(all, 'filer-1'), all), 'masters not all healthy (master-1 BACKOFF)')
    assert.equal(rule.waitingOn(find(all, 's3-1'), all), undefined)
    // A surviving master that sees no leader waits for its peer too.
    assert.equal(rule.waitingOn(find(all, 'master-2'), all), 'masters not all healthy (master-1 BACKOFF)')
  })

  test('every master down: "masters have no leader"', () => {
    const rule = new DependencyRule(clockAt())
    const all = [{name: 'master-1', kind: 'master', state: 'STARTING', healthy: false}, up('volume-1', 'volume')] satisfies ProcessView[]
    assert.equal(rule.waitingOn(all[1], all), 'masters have no leader (master-1 STARTING)')
    // The only master has no peer to wait for: judged alone.
    assert.equal(rule.waitingOn(all[0], all), undefined)
  })

  test('the filer gone: the S3 gateway waits; volume servers do not', () => {
    const rule = new DependencyRule(clockAt())
    const all = cluster({name: 'filer-1', kind: 'filer', state: 'STARTING', healthy: false})
    assert.equal(rule.waitingOn(find(all, 's3-1'), all), 'filers down (filer-1 STARTING)')
    assert.equal(rule.waitingOn(find(all, 'volume-1'), all), undefined)
  })

  test('once the dependency is healthy again, dependents get a grace period to reconnect, timed by the clock', () => {
    const clock = clockAt(1000)
    const rule = new DependencyRule(clock)
    rule.observe(cluster({name: 'master-1', kind: 'master', state: 'STARTING', healthy: false}))
    clock.t += 3000
    const all = cluster()
    rule.observe(all)
    clock.t += 4000
    assert.equal(rule.waitingOn(find(all, 'volume-1'), all), 'masters recovered 4s ago')
    clock.t += DEPENDENCY_GRACE_MS - 4000
    assert.equal(rule.waitingOn(find(all, 'volume-1'), all), undefined)
  })

  test('a killed leader is held back until its peers name another leader; a follower, or a lone master, is not', () => {
    const rule = new DependencyRule(clockAt())
    const m = (name: string, address: string, leader: string | undefined, state: ProcessView['state'] = 'RUNNING'): ProcessView =>
      ({name, kind: 'master', state, healthy: state === 'RUNNING' && leader !== undefined, address, leader})
    const dead = m('master-1', '127.0.0.1:9333', undefined, 'BACKOFF')
    // The peers still name the dead leader, or none: it waits.
    assert.equal(rule.holdRestart(dead, [dead, m('master-2', '127.0.0.1:9334', '127.0.0.1:9333'), m('master-3', '127.0.0.1:9335', undefined)]), 'the other masters are electing a new leader')
    // They agree on master-2: it starts, and rejoins as a follower.
    assert.equal(rule.holdRestart(dead, [dead, m('master-2', '127.0.0.1:9334', '127.0.0.1:9334'), m('master-3', '127.0.0.1:9335', '127.0.0.1:9334')]), undefined)
    // Only one peer left alive: no majority without it, so it is needed at once.
    assert.equal(rule.holdRestart(dead, [dead, m('master-2', '127.0.0.1:9334', undefined), m('master-3', '127.0.0.1:9335', undefined, 'STARTING')]), undefined)
    // A lone master, and any other kind, is never held.
    assert.equal(rule.holdRestart(dead, [dead]), undefined)
    assert.equal(rule.holdRestart(up('volume-1', 'volume'), cluster()), undefined)
  })
})
