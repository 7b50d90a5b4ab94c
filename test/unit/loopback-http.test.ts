import assert from 'node:assert/strict'
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import {createServer as createTcpServer, type Socket} from 'node:net'
import type {AddressInfo} from 'node:net'
import {after, describe, test} from 'node:test'

import {ResponseParser} from '../../src/lib/http-response.js'
import {closeLoopbackConnections, loopbackRequest} from '../../src/lib/loopback-http.js'

/** A node:http server on an ephemeral loopback port that counts the TCP connections it accepts. */
async function server(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const s = createServer(handler)
  let connections = 0
  s.on('connection', () => connections++)
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`
  return {url, connections: () => connections, close: () => new Promise<void>((resolve) => {
    s.closeAllConnections()
    s.close(() => resolve())
  })}
}

after(() => closeLoopbackConnections())

describe('loopback HTTP client', () => {
  test('a Content-Length answer, then a chunked one, on one kept-open connection', async () => {
    const big = 'x'.repeat(200_000)
    const s = await server((req, res) => {
      if (req.url === '/length') res.end('{"ok":true}')
      else {
        // No Content-Length and several writes: node:http sends it chunked, as weed does for a large /dir/status.
        res.write(big.slice(0, 70_000))
        setImmediate(() => res.end(big.slice(70_000)))
      }
    })
    try {
      const first = await loopbackRequest(`${s.url}/length`, {timeoutMs: 2000})
      assert.deepEqual([first.status, first.body.toString()], [200, '{"ok":true}'])
      const second = await loopbackRequest(`${s.url}/chunked`, {timeoutMs: 2000})
      assert.equal(second.status, 200)
      assert.equal(second.body.toString(), big)
      for (let i = 0; i < 5; i++) assert.equal((await loopbackRequest(`${s.url}/length`, {timeoutMs: 2000})).status, 200)
      assert.equal(s.connections(), 1)
    } finally {
      await s.close()
    }
  })

  test('a body, its headers and the status of an error answer reach the server and come back', async () => {
    const s = await server((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        res.statusCode = 403
        res.end(`${req.method} ${req.headers['x-amz-date']} ${req.headers['content-length']} ${Buffer.concat(chunks).toString()}`)
      })
    })
    try {
      const answer = await loopbackRequest(`${s.url}/b/k?x=1`, {method: 'PUT', headers: {'x-amz-date': '20261201T000000Z'}, body: Buffer.from('hello'), timeoutMs: 2000})
      assert.deepEqual([answer.status, answer.body.toString()], [403, 'PUT 20261201T000000Z 5 hello'])
    } finally {
      await s.close()
    }
  })

  test('a refused connection and a hung server are answers with status 0, never exceptions', async () => {
    const s = await server(() => {})
    const {url} = s
    try {
      const hung = await loopbackRequest(`${url}/status`, {timeoutMs: 200})
      assert.deepEqual([hung.status, hung.error], [0, 'timed out (200ms)'])
    } finally {
      await s.close()
    }
    const refused = await loopbackRequest(`${url}/status`, {timeoutMs: 1000})
    assert.deepEqual([refused.status, refused.error], [0, 'ECONNREFUSED'])
  })

  test('a kept-open connection the server closes is replaced without a failed answer', async () => {
    const s = createServer((_req, res) => res.end('ok'))
    // weed closes idle connections after its idle timeout; this server after 20 ms.
    s.keepAliveTimeout = 20
    const closed: Array<Promise<void>> = []
    s.on('connection', (socket: Socket) => closed.push(new Promise((resolve) => socket.on('close', () => resolve()))))
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/status`
    try {
      assert.equal((await loopbackRequest(url, {timeoutMs: 2000})).status, 200)
      await closed[0]
      const answer = await loopbackRequest(url, {timeoutMs: 2000})
      assert.equal(answer.status, 200, answer.error)
      assert.equal(closed.length, 2)
    } finally {
      s.closeAllConnections()
      await new Promise<void>((resolve) => s.close(() => resolve()))
    }
  })

  test('after closing the connections to a server that stops, none to it is kept open for a while', async () => {
    const seen: Array<string | undefined> = []
    const s = await server((req, res) => {
      seen.push(req.headers.connection)
      res.end('ok')
    })
    try {
      const origin = s.url.replace('http://', '')
      assert.equal((await loopbackRequest(`${s.url}/a`, {timeoutMs: 2000})).status, 200)
      closeLoopbackConnections([origin], 60_000)
      assert.equal((await loopbackRequest(`${s.url}/b`, {timeoutMs: 2000})).status, 200)
      assert.equal((await loopbackRequest(`${s.url}/c`, {timeoutMs: 2000})).status, 200)
      assert.equal(s.connections(), 3)
      assert.deepEqual(seen, [undefined, 'close', 'close'])
      closeLoopbackConnections([origin], 1) // the quiet time over, connections are kept again
      await new Promise<void>((resolve) => setTimeout(resolve, 5))
      await loopbackRequest(`${s.url}/d`, {timeoutMs: 2000})
      await loopbackRequest(`${s.url}/e`, {timeoutMs: 2000})
      assert.equal(s.connections(), 4)
    } finally {
      await s.close()
    }
  })

  test('a reused connection reset as the request goes out is retried once, on a new connection', async () => {
    // A raw server: answers the first request and then resets the connection the moment the second arrives.
    let accepted = 0
    const tcp = createTcpServer((socket) => {
      accepted++
      let requests = 0
      socket.on('data', () => {
        requests++
        if (requests === 1) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')
        else socket.resetAndDestroy()
      })
    })
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(tcp.address() as AddressInfo).port}/status`
    try {
      assert.equal((await loopbackRequest(url, {timeoutMs: 2000})).status, 200)
      const second = await loopbackRequest(url, {timeoutMs: 2000})
      assert.equal(second.status, 200, second.error)
      assert.equal(accepted, 2)
    } finally {
      closeLoopbackConnections()
      await new Promise<void>((resolve) => tcp.close(() => resolve()))
    }
  })
})

describe('response parser', () => {
  const feed = (parser: ResponseParser, text: string, step: number) => {
    let result: string = 'more'
    for (let i = 0; i < text.length && result === 'more'; i += step) result = parser.push(Buffer.from(text.slice(i, i + step), 'latin1'))
    return result
  }

  test('chunked with extensions and trailers, fed one byte at a time', () => {
    const parser = new ResponseParser()
    const text = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-T: 1\r\n\r\n'
    assert.equal(feed(parser, text, 1), 'done')
    assert.deepEqual([parser.status, parser.body().toString(), parser.keepAlive], [200, 'hello world', true])
  })

  test('Connection: close and a body that ends at the close', () => {
    const parser = new ResponseParser()
    assert.equal(parser.push(Buffer.from('HTTP/1.1 500 Internal\r\nConnection: close\r\n\r\npartial')), 'more')
    assert.ok(parser.endsAtClose())
    assert.deepEqual([parser.status, parser.body().toString(), parser.keepAlive], [500, 'partial', false])
  })

  test('204 and HEAD have no body; garbage is malformed', () => {
    assert.equal(new ResponseParser().push(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n')), 'done')
    assert.equal(new ResponseParser(true).push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n')), 'done')
    assert.equal(new ResponseParser().push(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')), 'malformed')
    assert.equal(new ResponseParser().push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: nine\r\n\r\n')), 'malformed')
  })
})
