import assert from 'node:assert/strict'
import {createServer, type AddressInfo} from 'node:net'
import {describe, test} from 'node:test'

import type {ProcessPlan} from '../../src/plan/types.js'
import {hastenFilerStop} from '../../src/supervisor/filer-stop.js'

/** A listener standing in for the filer's gRPC port, closed after `closeAfterMs` (as GracefulStop closes it). */
async function grpcPort(closeAfterMs: number): Promise<number> {
  const server = createServer((s) => s.destroy())
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  server.unref()
  setTimeout(() => server.close(), closeAfterMs).unref()
  return (server.address() as AddressInfo).port
}

const filer = (grpc: number) => ({name: 'filer-1', kind: 'filer', args: ['filer', '-ip=127.0.0.1', `-port.grpc=${grpc}`], ports: {http: grpc - 1, grpc}}) as unknown as ProcessPlan

describe('hastening a filer stop', () => {
  test('waits until the gRPC port stops listening, then resets the loopback connections to it', async () => {
    const port = await grpcPort(150)
    const calls: string[][] = []
    const started = Date.now()
    const outcome = await hastenFilerStop(filer(port), {alive: () => true, ss: (args) => {
      calls.push(args)
      return {status: 0, stdout: ''}
    }})
    assert.equal(outcome, 'reset')
    assert.ok(Date.now() - started >= 140, 'not before the listener closed')
    assert.deepEqual(calls[0], ['-K', 'dst', '127.0.0.1', 'dport', '=', `:${port}`])
  })

  test('without CAP_NET_ADMIN the connections stay: reported, and the filer is left to its own timeout', async () => {
    const port = await grpcPort(0)
    const outcome = await hastenFilerStop(filer(port), {alive: () => true, ss: (args) => ({status: 0, stdout: args[0] === '-K' ? '' : `ESTAB 0 0 127.0.0.1:40000 127.0.0.1:${port}\n`})})
    assert.equal(outcome, 'unprivileged')
  })

  test('a filer that exits on its own is left alone (no ss at all)', async () => {
    const port = await grpcPort(10_000)
    let alive = true
    setTimeout(() => (alive = false), 50)
    const outcome = await hastenFilerStop(filer(port), {alive: () => alive, ss: () => assert.fail('ss must not run')})
    assert.equal(outcome, 'exited')
  })
})
