import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {SeaweedctlError} from '../../src/lib/errors.js'
import {preflight} from '../../src/plan/preflight.js'
import {planCluster} from '../../src/plan/planner.js'
import type {Plan} from '../../src/plan/types.js'
import {ensureSseKey, kekFileProblem, readClusterKek} from '../../src/s3/sse-key.js'
import {defaultRaw, specFromRaw} from '../../src/clusterfile/load.js'

const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-sse-key-test-'))
after(() => rmSync(dir, {recursive: true, force: true}))

let n = 0
function s3Plan(kekFile = ''): Plan {
  const raw = defaultRaw() as Record<string, any>
  raw.dataDir = `./c${++n}`
  raw.s3.count = 1
  raw.s3.sse = {kekFile}
  // Every port is taken by "our own processes" so preflight looks at files only.
  return planCluster(specFromRaw(raw, dir))
}
const ownPorts = (plan: Plan) => new Set(plan.processes.flatMap((p) => [p.ports.http, p.ports.grpc]))

function keyFile(name: string, content: string | Buffer, mode = 0o600): string {
  const file = join(dir, name)
  writeFileSync(file, content, {mode})
  chmodSync(file, mode)
  return file
}

describe('the cluster\'s own KEK', () => {
  test('made once (0600, in a 0700 directory), kept on the next up', () => {
    const plan = s3Plan()
    ensureSseKey(plan.s3!)
    const first = readClusterKek(plan.s3!.securityFile)
    assert.match(first ?? '', /^[0-9a-f]{64}$/)
    assert.equal(statSync(plan.s3!.securityFile).mode & 0o777, 0o600)
    assert.equal(statSync(plan.s3!.configDir).mode & 0o777, 0o700)
    assert.equal(statSync(plan.s3!.dir).mode & 0o777, 0o700)
    assert.match(readFileSync(plan.s3!.securityFile, 'utf8'), /^\[s3\.sse\]\nkek = "[0-9a-f]{64}"$/m)
    ensureSseKey(plan.s3!)
    assert.equal(readClusterKek(plan.s3!.securityFile), first)
  })

  test('a spec key file: 64 hex characters or 32 raw bytes', () => {
    const hex = randomBytes(32).toString('hex')
    const plan = s3Plan(keyFile('hex.key', `${hex.toUpperCase()}\n`))
    preflight(plan, {ownPorts: ownPorts(plan)})
    ensureSseKey(plan.s3!)
    assert.equal(readClusterKek(plan.s3!.securityFile), hex)
    const raw = randomBytes(32)
    const rawPlan = s3Plan(keyFile('raw.key', raw))
    ensureSseKey(rawPlan.s3!)
    assert.equal(readClusterKek(rawPlan.s3!.securityFile), raw.toString('hex'))
  })

  test('a spec key that differs from the one the cluster encrypts with is refused, and nothing is rewritten', () => {
    const plan = s3Plan()
    ensureSseKey(plan.s3!)
    const before = readFileSync(plan.s3!.securityFile, 'utf8')
    const other = {...plan.s3!, kekFile: keyFile('other.key', randomBytes(32).toString('hex'))}
    assert.throws(() => ensureSseKey(other), (error: SeaweedctlError) => {
      assert.equal(error.code, 'SPEC_RANGE')
      assert.match(error.message, /holds another key than the one this cluster encrypts with/)
      assert.ok(error.message.includes(other.kekFile!))
      return true
    })
    assert.equal(readFileSync(plan.s3!.securityFile, 'utf8'), before)
  })

  const cases: Array<[string, () => string, RegExp]> = [
    ['missing', () => join(dir, 'absent.key'), /does not exist; create it with: \(umask 077; openssl rand -hex 32 >/],
    ['world-readable', () => keyFile('open.key', randomBytes(32).toString('hex'), 0o644), /is readable by others \(mode 0644\); run: chmod 600/],
    ['group-readable', () => keyFile('group.key', randomBytes(32).toString('hex'), 0o640), /is readable by others \(mode 0640\)/],
    ['too short', () => keyFile('short.key', 'abc123'), /holds 6 bytes; a KEK is 64 hex characters or exactly 32 raw bytes/],
    ['31 raw bytes', () => keyFile('raw31.key', randomBytes(31)), /holds 31 bytes/],
    ['not a file', () => {
      mkdirSync(join(dir, 'adir.key'), {mode: 0o700, recursive: true})
      return join(dir, 'adir.key')
    }, /cannot be read \(EISDIR\)/],
  ]
  for (const [what, make, message] of cases) {
    test(`a ${what} key file is refused at plan time with its path and what to do`, () => {
      const file = make()
      assert.match(kekFileProblem(file) ?? '', message)
      const plan = s3Plan(file)
      assert.throws(() => preflight(plan, {ownPorts: ownPorts(plan)}), (error: SeaweedctlError) => {
        assert.equal(error.code, 'SPEC_RANGE')
        assert.ok(error.message.startsWith(`s3.sse.kekFile: ${file}`), error.message)
        assert.match(error.message, message)
        return true
      })
    })
  }
})
