import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {createHash, createHmac, type Hash, type Hmac} from 'node:crypto'

import {SignatureV4} from '@smithy/signature-v4'

import {signV4, sha256Hex} from '../../src/s3/sigv4.js'
import {BUCKET_NAME} from '../../src/clusterfile/schema.js'
import {bucketsFromFlag} from '../../src/services/buckets.js'

const key = {accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', region: 'us-east-1'}
const now = new Date('2026-03-04T05:06:07Z')

/** The SDK's hash interface over node:crypto (HMAC when given a secret). */
class Sha256 {
  private readonly hash: Hash | Hmac
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret))
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data))
  }

  async digest(): Promise<Uint8Array> {
    return this.hash.digest()
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Buffer {
  if (typeof data === 'string') return data
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data)
}

/** The AWS SDK's own signer, as the reference. */
async function reference(method: string, url: URL, body?: Buffer): Promise<string> {
  const signer = new SignatureV4({service: 's3', region: key.region, credentials: key, sha256: Sha256, uriEscapePath: false, applyChecksum: true})
  const signed = await signer.sign({
    method, protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname,
    query: Object.fromEntries(url.searchParams), body,
    headers: {host: url.host, 'x-amz-content-sha256': sha256Hex(body ?? Buffer.alloc(0)), ...(body ? {'content-length': String(body.length)} : {})},
  }, {signingDate: now})
  return String(signed.headers.authorization)
}

describe('SigV4', () => {
  for (const [method, path, body] of [
    ['GET', '/', undefined],
    ['PUT', '/ci-data', undefined],
    ['PUT', '/ci-data/dir/a%20b%2Bc.bin', Buffer.from('hello')],
    ['GET', '/ci-data?list-type=2&prefix=a%2Fb&max-keys=5', undefined],
  ] as const) {
    test(`${method} ${path} signs exactly as the AWS SDK does`, async () => {
      const url = new URL(`http://127.0.0.1:8333${path}`)
      const ours = signV4({method, url, body, headers: body ? {'content-length': String(body.length)} : {}}, key, now)
      assert.equal(ours.authorization, await reference(method, url, body))
    })
  }
})

describe('bucket names', () => {
  test('S3 rules', () => {
    for (const ok of ['ci-data', 'abc', 'a.b-c', 'x'.repeat(63), '123']) assert.ok(BUCKET_NAME.test(ok), ok)
    for (const bad of ['ab', 'x'.repeat(64), 'Upper', 'a..b', '-ab', 'ab-', '192.168.1.1', 'xn--abc', 'a_b', 'bucket-s3alias', 'sthree-x']) assert.ok(!BUCKET_NAME.test(bad), bad)
  })

  test('--bucket a,b: split, deduplicated, a bad name refused with the value', () => {
    assert.deepEqual(bucketsFromFlag('a1b,c2d, a1b'), ['a1b', 'c2d'])
    assert.throws(() => bucketsFromFlag('good,Bad_Name'), (e: any) => e.code === 'BAD_ARGUMENT' && /"Bad_Name"/.test(e.message))
  })

  test('--bucket a --bucket b,c: repeated flags and comma lists together, in order', () => {
    assert.deepEqual(bucketsFromFlag(['photos', 'logs,backups', 'photos']), ['photos', 'logs', 'backups'])
    assert.throws(() => bucketsFromFlag(['photos', 'okay,x']), (e: any) => e.code === 'BAD_ARGUMENT' && /"x"/.test(e.message) && /3-63/.test(e.hints.join(' ')))
  })
})
