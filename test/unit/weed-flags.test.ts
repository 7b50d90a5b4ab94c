import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {checkArgs, mergeArgs, parseWeedHelp, type WeedFlags} from '../../src/plan/weed-flags.js'

const HELP = `Example: weed master -port=9333
Default Usage:
  -disableHttp
    	disable http requests, only gRPC operations are allowed.
  -electionTimeout duration
    	election timeout of master servers (default 10s)
  -garbageThreshold float
    	threshold to vacuum and reclaim spaces (default 0.3)
  -maxParallelVacuumPerServer int
    	maximum number of volumes to vacuum in parallel per volume server (default 1)
  -metrics.address string
    	Prometheus gateway address <host>:<port>
  -port int
    	http listen port (default 9333)
`

const flags = (version: string, master: Record<string, any>): WeedFlags['table'] => ({version, kinds: {master, volume: {}, filer: {}, s3: {}}})

describe('weed flag tables', () => {
  test('parseWeedHelp reads names and types; a flag without a type is a boolean', () => {
    assert.deepEqual(parseWeedHelp(HELP), {
      disableHttp: 'bool', electionTimeout: 'duration', garbageThreshold: 'float', maxParallelVacuumPerServer: 'int', 'metrics.address': 'string', port: 'int',
    })
  })

  const table: WeedFlags = {table: flags('4.30', parseWeedHelp(HELP)), others: [flags('4.48', {...parseWeedHelp(HELP), fileSizeLimitMB: 'int'})]}
  const problems = (args: string[]) => checkArgs(args, 'master', 'master.args', table, true).map((p) => `${p.key}: ${p.message}${p.hint ? ` / ${p.hint}` : ''}`)

  test('values of each type: good ones pass', () => {
    assert.deepEqual(problems(['-electionTimeout=1m30s', '-garbageThreshold=0.5', '-maxParallelVacuumPerServer=2', '-disableHttp', '-metrics.address=x:9091']), [])
    assert.deepEqual(problems(['-disableHttp=false']), [])
  })

  test('wrong values, unknown, owned, repeated and shapeless flags are each named with their key', () => {
    assert.deepEqual(problems(['-electionTimeout=2']), ['master.args[0]: master.args[0] -electionTimeout=2: not a duration / weed 4.30 master -electionTimeout takes a duration such as 2s, 500ms or 1m30s'])
    assert.deepEqual(problems(['-garbageThreshold=high']), ['master.args[0]: master.args[0] -garbageThreshold=high: not a number / weed 4.30 master -garbageThreshold takes a number'])
    assert.deepEqual(problems(['-maxParallelVacuumPerServer']), ['master.args[0]: master.args[0] -maxParallelVacuumPerServer: needs a value, e.g. -name=VALUE in the same entry / weed 4.30 master -maxParallelVacuumPerServer takes a whole number'])
    assert.deepEqual(problems(['-disableHttp=yes']), ['master.args[0]: master.args[0] -disableHttp=yes: not true or false / weed 4.30 master -disableHttp takes true or false (or nothing: -name alone is true)'])
    assert.deepEqual(problems(['-electionTimout=2s']), ['master.args[0]: master.args[0] weed 4.30 master has no flag -electionTimout / did you mean -electionTimeout?'])
    assert.deepEqual(problems(['-fileSizeLimitMB=64']), ['master.args[0]: master.args[0] weed 4.30 master has no -fileSizeLimitMB (weed 4.48 has it) / drop it, or run a weed that has it (weed.version)'])
    assert.deepEqual(problems(['-port=1']), ['master.args[0]: master.args[0] -port is set by seaweedctl for every master process / use master.port instead'])
    assert.deepEqual(problems(['-disableHttp', '-disableHttp=true']), ['master.args[1]: master.args[1] repeats -disableHttp (already master.args[0]) / give each flag once'])
    assert.deepEqual(problems(['-index leveldb']), ['master.args[0]: master.args[0] "-index leveldb" is not a weed flag / write one flag per entry with its leading dash, e.g. "-index=leveldb"'])
  })

  test('-metricsPort is owned only while seaweedctl plans metrics', () => {
    const withMetrics = checkArgs(['-metricsPort=9100'], 'master', 'master.args', undefined, true)
    assert.match(withMetrics[0].hint!, /metrics\.enabled/)
    assert.deepEqual(checkArgs(['-metricsPort=9100'], 'master', 'master.args', undefined, false), [])
  })

  test('a process\'s own flags replace its kind\'s flag of the same name', () => {
    assert.deepEqual(mergeArgs(['-index=leveldb', '-compactionMBps=10'], ['-index=memory']), ['-compactionMBps=10', '-index=memory'])
  })
})
