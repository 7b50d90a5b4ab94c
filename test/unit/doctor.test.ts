import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'

import {MIN_OPEN_FILES, openFilesLimit, runDoctor, type DoctorReport} from '../../src/services/doctor.js'
import {initSpec} from '../../src/services/init.js'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

let dir: string
let weed: string
let spec: string
const OFFSET = 23_000 + (process.pid % 1000)

const check = (report: DoctorReport, name: string) => report.checks.find((c) => c.name === name)!

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'seaweedctl-doctor-test-'))
  const out = execFileSync('bash', [join(repo, 'scripts/install-weed.sh'), '4.48'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']})
  weed = out.trim().split('\n').at(-1)!
  spec = join(dir, 'seaweed.yaml')
  initSpec({file: spec, force: false, portOffset: OFFSET, volumes: 2})
})
after(() => rmSync(dir, {recursive: true, force: true}))

describe('doctor', () => {
  test('passes on a machine that can run the spec', async () => {
    const report = await runDoctor({file: spec, weed})
    assert.equal(report.specFile, spec)
    assert.deepEqual(report.checks.map((c) => [c.name, c.ok]), [
      ['weed binary', true], ['weed version', true], ['ports', true], ['file descriptors', true], ['data directory', true], ['disk space', true],
    ], JSON.stringify(report, null, 2))
    assert.equal(report.ok, true)
    assert.match(check(report, 'weed binary').detail, /from --weed/)
  })

  test('a plan port in use fails the ports check, naming the address, the process and the holder', async () => {
    const server: Server = createServer()
    const port = 8080 + OFFSET
    // volume-1 listens on its own loopback address, 127.0.0.2
    await new Promise<void>((ok) => server.listen(port, '127.0.0.2', ok))
    try {
      const report = await runDoctor({file: spec, weed})
      const ports = check(report, 'ports')
      assert.equal(ports.ok, false)
      assert.match(ports.detail, new RegExp(`127\\.0\\.0\\.2:${port} \\(HTTP of volume-1\\) by pid ${process.pid}`))
      assert.match(ports.fix ?? '', /portOffset/)
      assert.equal(report.ok, false)
    } finally {
      await new Promise<void>((ok) => server.close(() => ok()))
    }
  })

  test('a missing binary and a wrong version each fail with a fix', async () => {
    const missing = await runDoctor({file: spec, weed: join(dir, 'no-weed')})
    assert.equal(check(missing, 'weed binary').ok, false)
    assert.match(check(missing, 'weed binary').fix ?? '', /seaweedctl weed install 4\.48/)

    const other = join(dir, 'other.yaml')
    writeFileSync(other, readFileSync(spec, 'utf8').replace('version: "4.48"', 'version: "4.44"'))
    const report = await runDoctor({file: other, weed})
    assert.equal(check(report, 'weed binary').ok, true)
    assert.equal(check(report, 'weed version').ok, false)
    assert.match(check(report, 'weed version').detail, /weed 4\.48, but weed\.version is "4\.44"/)
  })

  test('the open-files limit is read from /proc/<pid>/limits', () => {
    const limits = join(dir, 'limits')
    writeFileSync(limits, [
      'Limit                     Soft Limit           Hard Limit           Units',
      'Max processes             63448                63448                processes',
      'Max open files            1024                 524288               files',
    ].join('\n'))
    assert.deepEqual(openFilesLimit(limits), {soft: 1024, hard: 524288})
    assert.equal(openFilesLimit(join(dir, 'absent')), undefined)
    const own = openFilesLimit()
    assert.ok(own && own.soft >= 1, 'this process has a limit')
    assert.ok(MIN_OPEN_FILES >= 1024)
  })
})
