import assert from 'node:assert/strict'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {SeaweedctlError} from '../../src/lib/errors.js'
import {isEphemeral} from '../../src/plan/preflight.js'
import {planCluster} from '../../src/plan/planner.js'
import {claimAutoOffset, claimedPorts, releaseClaim} from '../../src/services/ports.js'
import {defaultRaw, specFromRaw} from '../../src/clusterfile/load.js'

const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-auto-ports-test-'))
const planAt = (offset: number) => planCluster(specFromRaw({...defaultRaw(), portOffset: offset} as Record<string, unknown>, dir))
let saved: string | undefined

describe('automatic port offsets keep out of the ephemeral port range', () => {
  before(() => {
    saved = process.env.SEAWEEDCTL_PORTS_DIR
    process.env.SEAWEEDCTL_PORTS_DIR = join(dir, 'ports')
  })
  after(() => {
    if (saved === undefined) delete process.env.SEAWEEDCTL_PORTS_DIR
    else process.env.SEAWEEDCTL_PORTS_DIR = saved
    rmSync(dir, {recursive: true, force: true})
  })

  test('offsets whose ports (with room to scale) reach into the range are passed over, not the end of the search', async () => {
    const range = {low: 21_000, high: 40_000, reserved: [] as Array<[number, number]>}
    const {offset} = await claimAutoOffset(join(dir, 'a'), planAt, range)
    releaseClaim(join(dir, 'a'))
    // Every offset below 31921 puts a port between 21000 and 40000: the first above that, in steps of 100.
    assert.ok(offset >= 32_000, `offset ${offset}`)
    assert.deepEqual(claimedPorts(planAt(offset)).filter((p) => isEphemeral(p, range)), [])
  })

  test('no offset outside the range: PORT_IN_USE says the range is why; nothing is claimed', async () => {
    await assert.rejects(claimAutoOffset(join(dir, 'b'), planAt, {low: 9000, high: 65_535, reserved: []}), (error: unknown) => {
      assert.ok(error instanceof SeaweedctlError)
      assert.equal(error.code, 'PORT_IN_USE')
      assert.match(error.message, /reaches the ephemeral port range/)
      return true
    })
    assert.deepEqual(readdirSync(join(dir, 'ports')).filter((n) => n.endsWith('.json')), [])
  })

  test('ports to avoid (found taken after an earlier pick) move the choice on to an offset without them', async () => {
    const range = {low: 60_000, high: 60_999, reserved: [] as Array<[number, number]>}
    const first = await claimAutoOffset(join(dir, 'c'), planAt, range)
    releaseClaim(join(dir, 'c'))
    const master = planAt(first.offset).processes.find((p) => p.kind === 'master')!.ports.http
    const next = await claimAutoOffset(join(dir, 'c'), planAt, range, new Set([master]))
    releaseClaim(join(dir, 'c'))
    assert.ok(next.offset > first.offset, `${first.offset} then ${next.offset}`)
    assert.ok(!claimedPorts(planAt(next.offset)).includes(master))
  })
})
