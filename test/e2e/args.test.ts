import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {cli, testDir, TEST_WEED_VERSION, waitFor, weedSection} from '../helpers/cli.js'

// Ports of this file: portOffset 2600 (master 11933, volumes 10680-10681, filer 11488; metrics at HTTP + 5000).
const OFFSET = 2600

const SPEC = `# extra weed flags, per kind and per process
portOffset: ${OFFSET}
${weedSection()}master:
  args: ["-electionTimeout=2s"]
volume:
  count: 2
  args:
    - -index=leveldb
filer:
  count: 1
`

interface Proc {name: string; kind: string; pid: number; state: string; command: string[]; ports: {http: number; grpc: number; metrics?: number}}
interface Report {processes: Proc[]; endpoints: {master: string; filer?: string}}

/** The command line the kernel shows for a pid: what weed really runs with. */
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)

describe(`args: extra weed flags from seaweed.yaml, checked against weed ${TEST_WEED_VERSION}'s own flags`, () => {
  const {dir, cleanup} = testDir('args')
  const file = join(dir, 'seaweed.yaml')
  const run = (args: string[], timeoutMs = 240_000) => cli([...args, '--file', file], {cwd: dir, timeoutMs})
  const status = async (): Promise<Report> => JSON.parse((await run(['status', '--json'])).stdout) as Report
  const proc = (report: Report, name: string) => report.processes.find((p) => p.name === name)!

  before(async () => {
    writeFileSync(file, SPEC)
    const up = await run(['up'])
    assert.equal(up.code, 0, up.stderr + up.stdout)
  })
  after(cleanup)

  test('every process runs with its kind\'s flags and a planned metrics port (status --json and /proc agree)', async () => {
    const report = await status()
    for (const p of report.processes) {
      assert.equal(p.state, 'RUNNING', p.name)
      assert.deepEqual(cmdline(p.pid).slice(1), p.command.slice(1), `${p.name}: status shows the command line it runs`)
      assert.ok(p.command.includes(`-metricsPort=${p.ports.http + 5000}`), `${p.name} has its metrics port: ${p.command.join(' ')}`)
      assert.equal(p.ports.metrics, p.ports.http + 5000)
    }
    assert.ok(proc(report, 'master-1').command.includes('-electionTimeout=2s'))
    for (const name of ['volume-1', 'volume-2']) assert.ok(proc(report, name).command.includes('-index=leveldb'), name)
    assert.ok(!proc(report, 'filer-1').command.some((a) => a.startsWith('-index')))

    // -index=leveldb really took effect: a volume's needle index is a LevelDB directory (<id>.ldb), not a .idx file alone.
    const filer = report.endpoints.filer!
    const form = new FormData()
    form.append('file', new Blob(['leveldb index']), 'a.txt')
    const put = await fetch(`${filer}/args/a.txt`, {method: 'POST', body: form})
    assert.ok(put.ok, `write through the filer: ${put.status}`)
    const ldb = await waitFor('a LevelDB needle index in a volume server\'s directory', () => {
      const found = ['volume-1', 'volume-2'].flatMap((name) => {
        const d = join(dir, '.seaweed', name)
        return existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.ldb')) : []
      })
      return found.length > 0 ? found : undefined
    }, 30_000)
    assert.ok(ldb.length > 0)
  })

  test('a changed flag: diff names it (exit 1), up rolls only the processes it changes, then diff is empty', async () => {
    const before = await status()
    const text = readFileSync(file, 'utf8')
    writeFileSync(file, `${text.replace('-electionTimeout=2s', '-electionTimeout=3s')}processes:\n  - name: volume-2\n    args: ["-fileSizeLimitMB=64"]\n`)

    const diff = await run(['diff', '--json'])
    assert.equal(diff.code, 1, diff.stderr + diff.stdout)
    const changed = JSON.parse(diff.stdout).diff.processes.filter((p: {change: string}) => p.change !== 'unchanged')
    assert.deepEqual(changed.map((p: {name: string}) => p.name).sort(), ['master-1', 'volume-2'])
    const master = changed.find((p: {name: string}) => p.name === 'master-1')
    assert.deepEqual(master.fields, [{field: '-electionTimeout', old: '2s', new: '3s'}])
    const volume = changed.find((p: {name: string}) => p.name === 'volume-2')
    assert.deepEqual(volume.fields, [{field: '-fileSizeLimitMB', new: '64'}])
    const human = await run(['diff'])
    assert.match(human.stdout, /-electionTimeout/)

    const up = await run(['up'])
    assert.equal(up.code, 0, up.stderr + up.stdout)
    const after = await status()
    for (const p of after.processes) assert.equal(p.state, 'RUNNING', p.name)
    assert.notEqual(proc(after, 'master-1').pid, proc(before, 'master-1').pid, 'master-1 restarted')
    assert.notEqual(proc(after, 'volume-2').pid, proc(before, 'volume-2').pid, 'volume-2 restarted')
    assert.equal(proc(after, 'volume-1').pid, proc(before, 'volume-1').pid, 'volume-1 kept its pid')
    assert.equal(proc(after, 'filer-1').pid, proc(before, 'filer-1').pid, 'filer-1 kept its pid')
    assert.ok(cmdline(proc(after, 'master-1').pid).includes('-electionTimeout=3s'))
    const v2 = cmdline(proc(after, 'volume-2').pid)
    assert.ok(v2.includes('-fileSizeLimitMB=64') && v2.includes('-index=leveldb'), v2.join(' '))
    assert.equal((await run(['diff'])).code, 0)
  })

  test('bad args are refused at file:line:col before anything changes (exit 2)', async () => {
    const before = await status()
    const good = readFileSync(file, 'utf8')
    const cases: Array<[string, string, RegExp]> = [
      ['-indx=leveldb', '-index=leveldb', /seaweed\.yaml:\d+:\d+ +volume\.args\[0\] weed \d\.\d+ volume has no flag -indx\n\s+did you mean -index\?/],
      ['-port=9999', '-index=leveldb', /volume\.args\[0\] -port is set by seaweedctl for every volume process\n\s+use volume\.port instead/],
      ['-compactionMBps=fast', '-index=leveldb', /volume\.args\[0\] -compactionMBps=fast: not a whole number/],
      ['-metricsPort=9100', '-index=leveldb', /-metricsPort is set by seaweedctl[^\n]*\n\s+use metrics\.enabled/],
    ]
    for (const [bad, replaced, expected] of cases) {
      writeFileSync(file, good.replace(`- ${replaced}`, `- ${bad}`))
      const up = await run(['up'])
      assert.equal(up.code, 2, `${bad}: ${up.stderr}`)
      assert.match(up.stderr, expected)
      assert.match(up.stderr, /Nothing was changed/)
    }
    writeFileSync(file, good.replace('args: ["-electionTimeout=3s"]', 'args: "-electionTimeout=3s"'))
    const notList = await run(['diff'])
    assert.equal(notList.code, 2)
    assert.match(notList.stderr, /seaweed\.yaml:\d+:\d+ +"master\.args" must be a list/)
    writeFileSync(file, good.replace('args: ["-electionTimeout=3s"]', 'args: ["electionTimeout=3s", "-electionTimeout=3s", "-electionTimeout=4s"]'))
    const shape = await run(['up'])
    assert.equal(shape.code, 2)
    assert.match(shape.stderr, /"master\.args\[0\]" has an invalid value "electionTimeout=3s"\n\s+one weed flag per entry with its leading dash/)
    writeFileSync(file, good.replace('args: ["-electionTimeout=3s"]', 'args: ["-electionTimeout=3s", "-electionTimeout=4s"]'))
    const twice = await run(['up'])
    assert.equal(twice.code, 2)
    assert.match(twice.stderr, /master\.args\[1\] repeats -electionTimeout \(already master\.args\[0\]\)/)

    writeFileSync(file, good)
    const after = await status()
    assert.deepEqual(after.processes.map((p) => [p.name, p.pid]), before.processes.map((p) => [p.name, p.pid]), 'nothing restarted')
    assert.equal((await run(['diff'])).code, 0)
  })

  test('a flag weed 4.30 lacks is refused on 4.30, naming the version that has it; 4.48 plans it', async () => {
    const {dir: other, cleanup: done} = testDir('args-versions')
    try {
      const spec = (version: string) => `portOffset: ${OFFSET + 50}\nweed: {version: "${version}"}\nmaster:\n  args: ["-fileSizeLimitMB=64"]\n`
      writeFileSync(join(other, 'seaweed.yaml'), spec('4.30'))
      const old = await cli(['cluster', 'plan'], {cwd: other})
      assert.equal(old.code, 2, old.stderr + old.stdout)
      assert.match(old.stderr, /seaweed\.yaml:4:\d+ +master\.args\[0\] weed 4\.30 master has no -fileSizeLimitMB \(weed 4\.48 has it\)/)
      writeFileSync(join(other, 'seaweed.yaml'), spec('4.48'))
      const current = await cli(['cluster', 'plan', '--json'], {cwd: other})
      assert.equal(current.code, 0, current.stderr + current.stdout)
      const master = JSON.parse(current.stdout).processes.find((p: {name: string}) => p.name === 'master-1')
      assert.ok(master.args.includes('-fileSizeLimitMB=64'))
    } finally {
      await done()
    }
  })
})
