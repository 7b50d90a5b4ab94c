import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {SeaweedctlError} from '../../src/lib/errors.js'
import {renderError} from '../../src/lib/errors.js'
import {SPEC_SCHEMA} from '../../src/clusterfile/schema.js'
import {closest, clusterNameFor, defaultRaw, loadSpecFile, parseSpecText, specFromRaw} from '../../src/clusterfile/load.js'
import {renderSpecYaml, specJsonSchema} from '../../src/clusterfile/render.js'
import {checkSizingAgrees, newSpec} from '../../src/services/spec.js'

const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-spec-test-'))
after(() => rmSync(dir, {recursive: true, force: true}))
const FILE = join(dir, 'seaweed.yaml')

type Raw = Record<string, any>

/** Parse `text` as if read from FILE and return the error it throws. */
function specError(text: string): SeaweedctlError {
  try {
    parseSpecText(text, FILE)
  } catch (error) {
    assert.ok(error instanceof SeaweedctlError, `expected a SeaweedctlError, got ${String(error)}`)
    return error
  }
  assert.fail(`expected ${JSON.stringify(text)} to be rejected`)
}

interface ProblemData {
  code: string
  line: number
  column: number
  message: string
  hint?: string
}

function problems(error: SeaweedctlError): ProblemData[] {
  return error.data.problems as ProblemData[]
}

/** The error names the spec file with line and column, in the message and in data. */
function assertAt(error: SeaweedctlError, line: number, column: number): void {
  assert.match(error.message, new RegExp(`seaweed\\.yaml:${line}:${column}\\b`))
  assert.equal(error.data.line, line)
  assert.equal(error.data.column, column)
  assert.match(String(error.data.file), /seaweed\.yaml$/)
}

describe('defaults', () => {
  test('renderSpecYaml(defaultRaw()) parses back to the same ClusterSpec', () => {
    const fromFile = parseSpecText(renderSpecYaml(defaultRaw()), FILE).spec
    const fromRaw = specFromRaw(defaultRaw(), dir)
    assert.deepEqual(fromFile, fromRaw)
    assert.deepEqual(fromFile, {
      name: clusterNameFor(dir),
      weed: {version: '4.48', binary: 'auto'},
      dataDir: join(dir, '.seaweed'),
      bind: '127.0.0.1',
      portOffset: 0,
      master: {count: 1, port: 9333, volumeSizeLimitMB: 1024, defaultReplication: '000', args: []},
      volume: {count: 4, port: 8080, max: 0, racks: 1, dataCenters: 1, preStopSeconds: 1, args: []},
      filer: {count: 1, port: 8888, args: []},
      s3: {count: 0, port: 8333, region: 'us-east-1', buckets: [], accessKey: '', secretKeyFile: '', identities: [], config: '', anonymousRead: [], args: [], sse: {kekFile: ''}},
      processes: [],
      metrics: {enabled: true},
      supervise: {restart: 'on-failure', startTimeoutMs: 60_000, healthIntervalMs: 2000, unhealthyThreshold: 3},
      logs: {maxBytes: 50_000_000, backups: 10},
    })
  })

  test('an empty file (or comments only) is refused at 1:1: it describes no cluster', () => {
    for (const text of ['', '\n\n', '# only a comment\n']) {
      const error = specError(text)
      assert.equal(error.code, 'SPEC_SYNTAX')
      assertAt(error, 1, 1)
      assert.match(error.message, /the file is empty/)
      assert.match(problems(error)[0].hint ?? '', /cluster init --force/)
    }
  })

  test('a file cut off after a section key is refused at that key, not taken as the defaults', () => {
    const error = specError('portOffset: 100\nvolume:\n  count: 2\nmaster:\n')
    assert.equal(error.code, 'SPEC_TYPE')
    assertAt(error, 4, 8)
    assert.match(error.message, /"master" has no value/)
  })

  test('the rendered file has a comment on every key', () => {
    const text = renderSpecYaml(defaultRaw())
    const keyLines = text.split('\n').filter((l) => /^\s*[A-Za-z]+:/.test(l))
    assert.ok(keyLines.length > 30)
    for (const line of keyLines) assert.match(line, / # \S/, `no comment on: ${line}`)
  })

  test('non-default values survive a render and parse, including strings YAML would read as something else', () => {
    const raw = defaultRaw() as Raw
    raw.name = 'yes'
    raw.weed.version = '3.80'
    raw.weed.binary = '/opt/weed bin/weed'
    raw.bind = '::1'
    raw.master.defaultReplication = '001'
    raw.volume.count = 2
    raw.supervise.restart = 'never'
    raw.supervise.startTimeout = '90s'
    raw.logs.maxBytes = '1GiB'
    for (const dataDir of ['./data', 'data #1', '~', 'null', '.5', '.inf', '0x10', '2024-01-01']) {
      raw.dataDir = dataDir
      const text = renderSpecYaml(raw)
      assert.deepEqual(parseSpecText(text, FILE).spec, specFromRaw(raw, dir), `dataDir ${JSON.stringify(dataDir)} in:\n${text}`)
    }
  })

  test('the JSON Schema lists every key of the table and forbids others', () => {
    const schema = specJsonSchema() as Raw
    assert.equal(schema.additionalProperties, false)
    assert.deepEqual(Object.keys(schema.properties), Object.keys(SPEC_SCHEMA.fields))
    assert.deepEqual(Object.keys(schema.properties.volume.properties), Object.keys(SPEC_SCHEMA.fields.volume.fields))
    assert.equal(schema.properties.master.properties.port.maximum, 55_535)
    assert.deepEqual(schema.properties.master.properties.count.enum, [1, 3, 5])
  })
})

describe('malformed YAML', () => {
  test('is SPEC_SYNTAX at the line and column YAML reports', () => {
    const error = specError('name: dev\nmaster:\n  count: 1\n  port: 9333: 1\n')
    assert.equal(error.code, 'SPEC_SYNTAX')
    assert.equal(error.exitCode, 2)
    assertAt(error, 4, 9)
    assert.match(error.message, /malformed YAML/)
    assert.match(error.message, /Nothing was changed/)
  })

  test('flow mapping with a stray comma', () => {
    const error = specError('name: dev\nmaster: {count: 1,, port: 2}\n')
    assert.equal(error.code, 'SPEC_SYNTAX')
    assertAt(error, 2, 19)
  })

  test('tab indentation', () => {
    const error = specError('name: dev\nmaster:\n\tcount: 1\n')
    assert.equal(error.code, 'SPEC_SYNTAX')
    assertAt(error, 3, 1)
    assert.match(error.message, /[Tt]ab/)
  })

  test('a duplicate key', () => {
    const error = specError('name: dev\nportOffset: 1\nname: other\n')
    assert.equal(error.code, 'SPEC_SYNTAX')
    assertAt(error, 3, 1)
  })
})

describe('unknown keys', () => {
  test('a top-level typo suggests the nearest key, at the key', () => {
    const error = specError('name: dev\nvolumn:\n  count: 3\n')
    assert.equal(error.code, 'SPEC_UNKNOWN_KEY')
    assertAt(error, 2, 1)
    assert.match(error.message, /unknown key "volumn"/)
    assert.match(error.message, /did you mean "volume"\?/)
    // Printed once: under its problem, not again as a hint.
    assert.equal(renderError(error).split('did you mean').length - 1, 1)
  })

  test('a nested typo in a flow mapping', () => {
    const error = specError('volume: {cout: 3}\n')
    assert.equal(error.code, 'SPEC_UNKNOWN_KEY')
    assertAt(error, 1, 10)
    assert.match(error.message, /unknown key "cout" in "volume"/)
    assert.match(error.message, /did you mean "count"\?/)
  })

  test('a nested typo in a block mapping', () => {
    const error = specError('supervise:\n  restart: always\n  helthInterval: 5s\n')
    assert.equal(error.code, 'SPEC_UNKNOWN_KEY')
    assertAt(error, 3, 3)
    assert.match(error.message, /did you mean "healthInterval"\?/)
  })

  test('a key nothing resembles lists the known keys instead', () => {
    const error = specError('volume:\n  zzzzzzzz: 1\n')
    assert.equal(error.code, 'SPEC_UNKNOWN_KEY')
    assert.doesNotMatch(error.message, /did you mean/)
    assert.match(error.message, /known keys here: count, port, max, racks, dataCenters, preStopSeconds/)
  })

  test('closest() is case-insensitive and gives up on distant words', () => {
    assert.equal(closest('volumn', ['master', 'volume', 'filer']), 'volume')
    assert.equal(closest('DATADIR', ['dataDir', 'bind']), 'dataDir')
    assert.equal(closest('kubernetes', ['master', 'volume', 'filer']), undefined)
  })
})

describe('types', () => {
  test('a string for an integer is SPEC_TYPE at the value', () => {
    const error = specError('master:\n  count: three\n')
    assert.equal(error.code, 'SPEC_TYPE')
    assertAt(error, 2, 10)
    assert.match(error.message, /"master\.count" must be a whole number, got "three"/)
  })

  test('a quoted number is still a string', () => {
    const error = specError('volume:\n  count: "4"\n')
    assert.equal(error.code, 'SPEC_TYPE')
    assertAt(error, 2, 10)
  })

  test('a list for a scalar is SPEC_TYPE', () => {
    const error = specError('volume:\n  port: [8080, 8081]\n')
    assert.equal(error.code, 'SPEC_TYPE')
    assertAt(error, 2, 9)
    assert.match(error.message, /"volume\.port" must be a single value, not a list or mapping/)
  })

  test('a scalar for a section is SPEC_TYPE', () => {
    const error = specError('master: 3\n')
    assert.equal(error.code, 'SPEC_TYPE')
    assertAt(error, 1, 9)
    assert.match(error.message, /"master" must be a mapping/)
  })

  test('a list instead of the whole mapping is SPEC_TYPE that says so', () => {
    const error = specError('- name: dev\n- volume: {count: 2}\n')
    assert.equal(error.code, 'SPEC_TYPE')
    assertAt(error, 1, 1)
    assert.match(error.message, /the spec must be a mapping of keys \(name, weed, dataDir,/)
    assert.doesNotMatch(error.message, /""/)
  })

  test('an unquoted version (a YAML number) is SPEC_TYPE with a hint to quote it', () => {
    const error = specError('weed:\n  version: 4.48\n')
    assert.equal(error.code, 'SPEC_TYPE')
    assertAt(error, 2, 12)
    assert.equal(renderError(error).split('quote it').length - 1, 1)
  })

  test('a duration that is not one', () => {
    const error = specError('supervise:\n  startTimeout: soon\n')
    assert.equal(error.code, 'SPEC_TYPE')
    assertAt(error, 2, 17)
  })
})

describe('ranges', () => {
  test('master.count 2 is SPEC_RANGE: a raft quorum needs 1, 3 or 5', () => {
    const error = specError('master:\n  count: 2\n')
    assert.equal(error.code, 'SPEC_RANGE')
    assertAt(error, 2, 10)
    assert.match(error.message, /"master\.count" must be one of 1, 3, 5, got 2/)
  })

  test('port 70000 is SPEC_RANGE', () => {
    const error = specError('name: dev\nfiler:\n  port: 70000\n')
    assert.equal(error.code, 'SPEC_RANGE')
    assertAt(error, 3, 9)
    assert.match(error.message, /"filer\.port" must be between 1024 and 55535, got 70000/)
  })

  test('portOffset -1 is SPEC_RANGE', () => {
    const error = specError('portOffset: -1\n')
    assert.equal(error.code, 'SPEC_RANGE')
    assertAt(error, 1, 13)
  })

  test('bind 0.0.0.0 is rejected with the reason', () => {
    const error = specError('bind: 0.0.0.0\n')
    assert.equal(error.code, 'SPEC_RANGE')
    assertAt(error, 1, 7)
    assert.match(error.message, /0\.0\.0\.0 breaks leader discovery/)
    assert.equal(parseSpecText('bind: 127.0.0.2\n', FILE).spec.bind, '127.0.0.2')
  })

  test('restart policy typo suggests the right one', () => {
    const error = specError('supervise:\n  restart: on-failur\n')
    assert.equal(error.code, 'SPEC_RANGE')
    assert.match(error.message, /did you mean "on-failure"\?/)
  })

  test('a duration out of range', () => {
    const error = specError('supervise:\n  healthInterval: 10ms\n')
    assert.equal(error.code, 'SPEC_RANGE')
    assertAt(error, 2, 19)
  })

  test('a size below the minimum', () => {
    const error = specError('logs:\n  maxBytes: 10B\n')
    assert.equal(error.code, 'SPEC_RANGE')
    assertAt(error, 2, 13)
  })

  test('a name with capitals', () => {
    const error = specError('name: Dev\n')
    assert.equal(error.code, 'SPEC_RANGE')
    assert.match(error.message, /lower-case letters/)
  })
})

describe('values', () => {
  test('unquoted replication 001 (a YAML number) is accepted as "001"', () => {
    assert.equal(parseSpecText('master:\n  defaultReplication: 001\n', FILE).spec.master.defaultReplication, '001')
    assert.equal(parseSpecText('master:\n  defaultReplication: 010\n', FILE).spec.master.defaultReplication, '010')
    assert.equal(parseSpecText('master:\n  defaultReplication: 200\n', FILE).spec.master.defaultReplication, '200')
    assert.equal(parseSpecText('master:\n  defaultReplication: "011"\n', FILE).spec.master.defaultReplication, '011')
  })

  test('replication that is not three digits ≤ 255 is SPEC_RANGE', () => {
    for (const bad of ['300', '"0001"', '"abc"', '1.5', '"01"']) {
      const error = specError(`master:\n  defaultReplication: ${bad}\n`)
      assert.equal(error.code, 'SPEC_RANGE', bad)
      assertAt(error, 2, 23)
    }
  })

  test('durations and sizes are parsed', () => {
    const spec = parseSpecText('supervise:\n  healthInterval: 2s\n  startTimeout: 1.5m\nlogs:\n  maxBytes: 50MB\n', FILE).spec
    assert.equal(spec.supervise.healthIntervalMs, 2000)
    assert.equal(spec.supervise.startTimeoutMs, 90_000)
    assert.equal(spec.logs.maxBytes, 50_000_000)
    assert.equal(parseSpecText('logs:\n  maxBytes: 1MiB\n', FILE).spec.logs.maxBytes, 1_048_576)
    assert.equal(parseSpecText('supervise:\n  healthInterval: 500ms\n', FILE).spec.supervise.healthIntervalMs, 500)
  })

  test('dataDir and an explicit weed binary are resolved relative to the spec file', () => {
    const sub = join(dir, 'project')
    const spec = parseSpecText('dataDir: data/cluster\nweed:\n  binary: ../bin/weed\n', join(sub, 'seaweed.yaml')).spec
    assert.equal(spec.dataDir, join(sub, 'data', 'cluster'))
    assert.equal(spec.weed.binary, join(dir, 'bin', 'weed'))
    assert.equal(parseSpecText('dataDir: /srv/seaweed\n', join(sub, 'seaweed.yaml')).spec.dataDir, '/srv/seaweed')
  })

  test('positions of values are recorded for later errors', () => {
    const {source} = parseSpecText('name: dev\nvolume:\n  count: 2\n  racks: 2\n', FILE)
    assert.equal(source.file, FILE)
    assert.deepEqual(source.positions.get('volume.count'), {line: 3, column: 10})
    assert.deepEqual(source.positions.get('volume.racks'), {line: 4, column: 10})
  })
})

describe('several problems', () => {
  test('are reported together, each with its position', () => {
    const error = specError('volumn: 1\nmaster:\n  count: 2\n  port: abc\nportOffset: -5\n')
    assert.match(error.message, /^4 problems:/)
    assert.deepEqual(
      problems(error).map((p) => [p.code, p.line, p.column]),
      [['SPEC_UNKNOWN_KEY', 1, 1], ['SPEC_RANGE', 3, 10], ['SPEC_TYPE', 4, 9], ['SPEC_RANGE', 5, 13]],
    )
    // the error as a whole takes the first problem's code and position
    assert.equal(error.code, 'SPEC_UNKNOWN_KEY')
    assertAt(error, 1, 1)
    for (const at of ['1:1', '3:10', '4:9', '5:13']) assert.match(error.message, new RegExp(`seaweed\\.yaml:${at}\\b`))
  })
})

describe('files', () => {
  test('loadSpecFile reads, validates and resolves against the file', () => {
    const file = join(dir, 'loaded.yaml')
    writeFileSync(file, 'name: loaded\ndataDir: ./d\nvolume:\n  count: 2\n')
    const {spec, source} = loadSpecFile(file)
    assert.equal(spec.name, 'loaded')
    assert.equal(spec.dataDir, join(dir, 'd'))
    assert.equal(spec.volume.count, 2)
    assert.equal(source.file, file)
  })

  test('a missing file is SPEC_NOT_FOUND with a hint', () => {
    assert.throws(() => loadSpecFile(join(dir, 'absent.yaml')), (error: SeaweedctlError) => {
      assert.equal(error.code, 'SPEC_NOT_FOUND')
      assert.match(error.hints.join('\n'), /cluster init/)
      return true
    })
  })
})

describe('specFromRaw and newSpec', () => {
  test('flag values are validated like a file', () => {
    const raw = defaultRaw() as Raw
    raw.master.count = 4
    raw.bind = '0.0.0.0'
    assert.throws(() => specFromRaw(raw, dir), (error: SeaweedctlError) => {
      assert.equal(error.code, 'SPEC_RANGE')
      assert.equal(problems(error).length, 2)
      return true
    })
  })

  test('newSpec renders a file that loads back to the same spec', () => {
    const made = newSpec(join(dir, 'new.yaml'), {volumes: 2, replication: '001', s3: true, portOffset: 100, dataDir: 'state'})
    assert.equal(made.spec.volume.count, 2)
    assert.equal(made.spec.s3.count, 1)
    assert.equal(made.spec.master.defaultReplication, '001')
    assert.equal(made.spec.dataDir, join(dir, 'state'))
    assert.deepEqual(parseSpecText(made.text, made.file).spec, made.spec)
  })
})

describe('checkSizingAgrees', () => {
  const loaded = parseSpecText('volume:\n  count: 4\nmaster:\n  defaultReplication: "001"\ndataDir: ./d\n', FILE)

  test('--volumes 5 on a spec with 4 is SPEC_FLAG_CONFLICT pointing at scale', () => {
    assert.throws(() => checkSizingAgrees(loaded, {volumes: 5}), (error: SeaweedctlError) => {
      assert.equal(error.code, 'SPEC_FLAG_CONFLICT')
      assert.match(error.message, /--volumes 5 disagrees with volume\.count: 4/)
      assert.match(error.message, /seaweed\.yaml:2:10/)
      assert.ok(error.hints.some((h) => h.includes('seaweedctl scale volume 5')), error.hints.join('\n'))
      assert.deepEqual(error.data, {flag: '--volumes', given: 5, actual: 4, key: 'volume.count'})
      return true
    })
  })

  test('--s3 on a spec without S3 is a conflict', () => {
    assert.throws(() => checkSizingAgrees(loaded, {s3: true}), (error: SeaweedctlError) => {
      assert.equal(error.code, 'SPEC_FLAG_CONFLICT')
      assert.equal(error.data.key, 's3.count')
      return true
    })
  })

  test('matching flags pass', () => {
    checkSizingAgrees(loaded, {})
    checkSizingAgrees(loaded, {volumes: 4, filers: 1, masters: 1, replication: '001', racks: 1, dataCenters: 1, portOffset: 0, dataDir: './d'})
    checkSizingAgrees(loaded, {replication: '1'})
    checkSizingAgrees(loaded, {dataDir: join(dir, 'd')})
  })

  test('a different replication or data dir is a conflict', () => {
    assert.throws(() => checkSizingAgrees(loaded, {replication: '010'}), {code: 'SPEC_FLAG_CONFLICT'})
    assert.throws(() => checkSizingAgrees(loaded, {dataDir: 'elsewhere'}), {code: 'SPEC_FLAG_CONFLICT'})
  })
})
