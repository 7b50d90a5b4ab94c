import assert from 'node:assert/strict'
import {test} from 'node:test'

// @ts-expect-error: a plain ES module of the benchmarks, without types
import {upFigures} from '../../bench/figures.mjs'
// @ts-expect-error: a plain ES module of the benchmarks, without types
import {renderReport} from '../../bench/report.mjs'

const machine = {date: 'd', cpu: 'c', memory: 'm', kernel: 'k', node: 'v20.20.2', weed: 'w', commit: 'abc'}
const up = (ratio: number, node?: string) => ({name: 'up', command: 'bash bench/up.sh 3 4 --json', seconds: 17, ...(node && {node}),
  figures: upFigures({volumes: 4, upS: [ratio, ratio, ratio], scriptS: [1, 1, 1]})})

test('the report judges each Node\'s run of a benchmark in its own column, and keeps the main table to this Node', () => {
  const report: string = renderReport([up(1.1), up(1.3, 'v22.1.0'), {name: 'up', command: '-', seconds: 0, node: 'v24.0.0', error: 'Node 24: no such package'}],
    {machine, totalSeconds: 60, invocation: 'npm run bench'})
  const targets = report.slice(report.indexOf('## Targets'), report.indexOf('## On every supported Node'))
  assert.equal(targets.match(/^\| up \|/gm)?.length, 1, targets)
  assert.match(targets, /1\.10× \| met/)
  const everyNode = report.slice(report.indexOf('## On every supported Node'), report.indexOf('## Figures'))
  assert.match(everyNode, /\| Node v20\.20\.2 \| Node v22\.1\.0 \| Node v24\.0\.0 \|/)
  assert.match(everyNode, /\| up \| `up --volumes 4`[^|]*\| ≤ 1\.15× \(#24\) \| 1\.10× met \| 1\.30× \*\*NOT met\*\* \| \*\*FAILED\*\* \|/)
  assert.match(report, /### up · Node v22\.1\.0/)
})

test('without runs on other Nodes the report has no such section', () => {
  const report: string = renderReport([up(1.1)], {machine, totalSeconds: 60, invocation: 'npm run bench'})
  assert.doesNotMatch(report, /On every supported Node/)
})
