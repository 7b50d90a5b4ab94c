/**
 * The Compose export run for real: Docker Engine (Debian's docker.io) and Compose v2, started by
 * scripts/docker-engine.sh (installed when missing, never skipped), `docker compose up -d --wait` of the exported
 * project, files through the filer and objects through S3 with the AWS CLI and the keys the export made, SSE-S3
 * objects (one put, one multipart) under the KEK the export made, stored as ciphertext, data kept across
 * `down`/`up`, nothing left after `down -v`.
 * dockerd runs in a network namespace of its own, so the ports the project publishes on 127.0.0.1 are that
 * namespace's: every client here runs inside it (scripts/docker-engine.sh exec).
 * Only in the weed 4.48 pass: a fresh machine installs here (apt, the Go module proxy), which the offline 4.30
 * pass cannot, and two engines of six containers each would share the two cores with everything else.
 */
import assert from 'node:assert/strict'
import {createHash, randomBytes} from 'node:crypto'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {parse} from 'yaml'

import {cli, REPO, TEST_WEED_VERSION, WEED_VERSION_ARGS} from '../helpers/cli.js'
import {type DockerEngine, startDockerEngine} from '../helpers/docker.js'
import {ensureBuilt} from '../helpers/e2e.js'

// Ports of this file: portOffsets 3500 and 3600, published only inside the engine's own network namespace.
const CASES = [
  {title: '1 master, 3 volume servers, a filer and S3', flags: ['--volumes', '3', '--s3', '--port-offset', '3500'], copies: 1},
  {title: '3 masters, 3 volume servers with replication 001, a filer and S3', flags: ['--masters', '3', '--volumes', '3', '--replication', '001', '--s3', '--port-offset', '3600'], copies: 2},
]
const VENV = join(REPO, '.cache', 's3-clients', 'bin')
const AWS = existsSync(join(VENV, 'aws')) ? join(VENV, 'aws') : 'aws'
const MINUTE = 60_000

type Limit = number | {soft: number; hard: number}
interface ComposeFile {
  name: string
  services: Record<string, {image: string; ports: string[]; ulimits?: {nofile?: Limit}}>
  secrets?: Record<string, {file?: string}>
}
interface Identities {identities: Array<{name: string; actions?: string[]; credentials?: Array<{accessKey: string; secretKey: string}>}>}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')

/** The host port a kind's first service publishes its HTTP on ("127.0.0.1:HOST:CONTAINER"). */
function portOf(compose: ComposeFile, kind: string): number {
  const service = Object.entries(compose.services).find(([name]) => name.startsWith(`${kind}-`))
  assert.ok(service, `compose.yaml has no ${kind} service`)
  return Number(service[1].ports[0].split(':').at(-2))
}

/** The hard limit on open files this process (and so the dockerd it starts) has: a container cannot go above it without CAP_SYS_RESOURCE. */
function hardOpenFilesLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))!
  const hard = line.trim().split(/\s+/)[4]
  return hard === 'unlimited' ? Number.POSITIVE_INFINITY : Number(hard)
}

/**
 * The export's `ulimits: nofile` (65536, as the systemd units) cannot start a container where the engine may not
 * raise its hard limit that far (no CAP_SYS_RESOURCE: rootless Docker, a sandboxed CI machine; runc fails with
 * "error setting rlimit type 7"). Only there, what docs/exports.md tells such an operator to do: a
 * compose.override.yaml beside the file lowering nofile to what the machine allows (Compose merges it).
 */
function openFilesOverride(project: ComposeFile, exportDir: string, say: (message: string) => void): void {
  const machine = hardOpenFilesLimit()
  const hardOf = (limit: Limit | undefined) => (typeof limit === 'number' ? limit : limit?.hard ?? 0)
  const above = Object.entries(project.services).filter(([, s]) => hardOf(s.ulimits?.nofile) > machine)
  if (above.length === 0) return
  say(`this machine's hard open-files limit is ${machine}, below the export's ${hardOf(above[0][1].ulimits?.nofile)}: compose.override.yaml lowers nofile to ${machine}`)
  writeFileSync(join(exportDir, 'compose.override.yaml'), ['services:', ...above.map(([name]) => `  ${name}: {ulimits: {nofile: ${machine}}}`), ''].join('\n'))
}

/** The admin keys of the identities file the export ships as a Compose secret (new keys, made by the export). */
function exportedKeys(exportDir: string, compose: ComposeFile): {accessKeyId: string; secretAccessKey: string} {
  const files = Object.values(compose.secrets ?? {}).flatMap((s) => (s.file ? [resolve(exportDir, s.file)] : []))
  assert.ok(files.length > 0, 'compose.yaml ships no secret file (the S3 identities must travel with the project)')
  for (const file of files) {
    let doc: Identities
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'))
    } catch {
      continue
    }
    const admin = doc.identities?.find((i) => i.actions?.includes('Admin') && i.credentials?.length)
    if (admin) return {accessKeyId: admin.credentials![0].accessKey, secretAccessKey: admin.credentials![0].secretKey}
  }
  throw new Error(`no identity with Admin keys in ${files.join(', ')}`)
}

describe('the Compose export on a real Docker engine', () => {
  let engine: DockerEngine | undefined
  before(() => {
    ensureBuilt()
    engine = startDockerEngine('compose')
  })
  after(() => engine?.stop())

  for (const c of CASES) {
    test(c.title, {timeout: 30 * MINUTE}, async (t) => {
      const docker = engine!
      const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-compose-'))
      const exportDir = join(dir, 'export')
      const composeFile = join(exportDir, 'compose.yaml')
      // As docs/exports.md: `docker compose` in the export's directory (compose.yaml, and compose.override.yaml if any).
      const compose = (args: string[], timeoutMs = 10 * MINUTE) => docker.docker(['compose', ...args], {cwd: exportDir, timeoutMs})
      const timed = async (what: string, args: string[]) => {
        const started = Date.now()
        const r = await compose(args)
        assert.equal(r.code, 0, `docker compose ${args.join(' ')}: ${r.stderr}${r.stdout}\n${(await compose(['logs', '--tail', '30'])).stdout}`)
        t.diagnostic(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`)
      }
      const inNs = (command: string, args: string[], env?: NodeJS.ProcessEnv) => docker.inNamespace(command, args, {cwd: dir, env})
      try {
        const init = await cli(['cluster', 'init', ...c.flags, ...WEED_VERSION_ARGS], {cwd: dir})
        assert.equal(init.code, 0, init.stderr)
        const exported = await cli(['export', 'compose', '-o', exportDir], {cwd: dir})
        assert.equal(exported.code, 0, exported.stderr + exported.stdout)
        const project = parse(readFileSync(composeFile, 'utf8')) as ComposeFile
        const images = [...new Set(Object.values(project.services).map((s) => s.image))]
        assert.equal(images.length, 1, `one image for every service: ${images.join(', ')}`)
        docker.buildImage(TEST_WEED_VERSION, images[0])
        openFilesOverride(project, exportDir, (m) => t.diagnostic(m))

        await timed('up -d --wait', ['up', '-d', '--wait', '--wait-timeout', '300'])
        const filer = `http://127.0.0.1:${portOf(project, 'filer')}`
        const s3 = `http://127.0.0.1:${portOf(project, 's3')}`
        const master = `http://127.0.0.1:${portOf(project, 'master')}`

        // A file through the filer, and where it went: as many copies as the replication asks for.
        const fileData = randomBytes(1024 * 1024)
        writeFileSync(join(dir, 'file.bin'), fileData)
        const put = await inNs('curl', ['-sS', '-f', '-F', `file=@${join(dir, 'file.bin')}`, `${filer}/docs/file.bin`])
        assert.equal(put.code, 0, put.stderr)
        const meta = await inNs('curl', ['-sS', '-f', `${filer}/docs/file.bin?metadata=true`])
        assert.equal(meta.code, 0, meta.stderr)
        const fid = (JSON.parse(meta.stdout).chunks as Array<{file_id?: string; fileId?: string}>)[0]
        const volumeId = (fid.file_id ?? fid.fileId)!.split(',')[0]
        const lookup = await inNs('curl', ['-sS', '-f', `${master}/dir/lookup?volumeId=${volumeId}`])
        assert.equal(JSON.parse(lookup.stdout).locations.length, c.copies, lookup.stdout)

        /** Every chunk the filer lists for `path`, as each volume server that holds it (the master's lookup) serves it. */
        const storedChunks = async (path: string) => {
          const entry = await inNs('curl', ['-sS', '-f', `${filer}${path}?metadata=true`])
          assert.equal(entry.code, 0, `${path}?metadata=true: ${entry.stderr}`)
          const found: Array<{fid: string; offset: number; size: number; server: string; bytes: Buffer}> = []
          for (const chunk of JSON.parse(entry.stdout).chunks as Array<{file_id?: string; fileId?: string; offset?: number | string; size?: number | string}>) {
            const fid = (chunk.file_id ?? chunk.fileId)!
            const where = await inNs('curl', ['-sS', '-f', `${master}/dir/lookup?volumeId=${fid.split(',')[0]}`])
            assert.equal(where.code, 0, where.stderr)
            for (const location of JSON.parse(where.stdout).locations as Array<{publicUrl: string}>) {
              const out = join(dir, 'chunk.out')
              const got = await inNs('curl', ['-sS', '-f', '-o', out, `http://${location.publicUrl}/${fid}`])
              assert.equal(got.code, 0, `chunk ${fid} from ${location.publicUrl}: ${got.stderr}`)
              found.push({fid, offset: Number(chunk.offset ?? 0), size: Number(chunk.size ?? 0), server: location.publicUrl, bytes: readFileSync(out)})
            }
          }
          return found
        }
        const s3Service = Object.keys(project.services).find((name) => name.startsWith('s3-'))!
        const s3Log = async () => (await compose(['logs', '--no-color', s3Service])).stdout

        // Objects through S3 with the export's keys: a small one and a 20 MiB one (multipart).
        const keys = exportedKeys(exportDir, project)
        const awsEnv = {
          AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1',
          AWS_CONFIG_FILE: join(dir, 'no-aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'), AWS_EC2_METADATA_DISABLED: 'true',
        }
        const aws = (...args: string[]) => inNs(AWS, ['--endpoint-url', s3, ...args], awsEnv)
        const small = randomBytes(64 * 1024)
        const large = randomBytes(20 * 1024 * 1024)
        writeFileSync(join(dir, 'small.bin'), small)
        writeFileSync(join(dir, 'large.bin'), large)
        for (const args of [['s3', 'mb', 's3://exported'], ['s3', 'cp', join(dir, 'small.bin'), 's3://exported/small.bin'], ['s3', 'cp', join(dir, 'large.bin'), 's3://exported/large.bin']]) {
          const r = await aws(...args)
          assert.equal(r.code, 0, `aws ${args.join(' ')}: ${r.stderr}`)
        }

        // SSE-S3 with the export's own KEK (security.toml, a Compose secret in the gateway's -config_dir): one object
        // put with put-object, a 12 MiB one with `s3 cp --sse` (multipart above 8 MiB). The gateway says it read the
        // key; each reports AES256; what the volume servers hold is ciphertext.
        const sseSmall = randomBytes(300 * 1024)
        const sseLarge = randomBytes(12 * 1024 * 1024)
        writeFileSync(join(dir, 'sse-small.bin'), sseSmall)
        writeFileSync(join(dir, 'sse-large.bin'), sseLarge)
        const sseObjects = [['sse-small.bin', sseSmall], ['sse-large.bin', sseLarge]] as const
        const sse = await aws('s3api', 'put-object', '--bucket', 'exported', '--key', 'sse-small.bin', '--body', join(dir, 'sse-small.bin'), '--server-side-encryption', 'AES256')
        if (sse.code !== 0) assert.fail(`SSE-S3 put-object through the exported gateway: ${sse.stderr}\n${await s3Log()}`)
        assert.equal(JSON.parse(sse.stdout).ServerSideEncryption, 'AES256', sse.stdout)
        const sseMultipart = await aws('s3', 'cp', '--sse', 'AES256', join(dir, 'sse-large.bin'), 's3://exported/sse-large.bin')
        if (sseMultipart.code !== 0) assert.fail(`SSE-S3 multipart (aws s3 cp --sse AES256, 12 MiB): ${sseMultipart.stderr}\n${await s3Log()}`)
        const gatewayLog = await s3Log()
        assert.match(gatewayLog, /SSE-S3 KeyManager: Loaded KEK from s3\.sse\.kek config/, 'the gateway read the KEK of the exported security.toml')
        assert.doesNotMatch(gatewayLog, /No KEK configured|no signing key found for STS service/)
        for (const [name, data] of sseObjects) {
          const head = await aws('s3api', 'head-object', '--bucket', 'exported', '--key', name)
          assert.equal(head.code, 0, `head-object ${name}: ${head.stderr}`)
          const headers = JSON.parse(head.stdout) as {ServerSideEncryption?: string; ETag?: string}
          assert.equal(headers.ServerSideEncryption, 'AES256', `head-object ${name}: ${head.stdout}`)
          // A multipart object's ETag ends in -PARTS: the 12 MiB copy went up in two parts of 8 MiB and 4 MiB.
          if (data === sseLarge) assert.match(headers.ETag ?? '', /-2"$/, `${name} was uploaded in two parts: ${head.stdout}`)
          const chunks = await storedChunks(`/buckets/exported/${name}`)
          assert.ok(chunks.length > 0, `${name} has chunks`)
          t.diagnostic(`${name}: ${new Set(chunks.map((c) => c.fid)).size} chunk(s), ${chunks.length} stored copies read from the volume servers, none plaintext`)
          for (const chunk of chunks) {
            const plain = data.subarray(chunk.offset, chunk.offset + chunk.bytes.length)
            assert.equal(chunk.bytes.length, Number(chunk.size), `${name}: chunk ${chunk.fid} has its size`)
            assert.equal(chunk.bytes.equals(plain), false, `${name}: chunk ${chunk.fid} on ${chunk.server} is ciphertext, not the object's bytes`)
            assert.equal(data.indexOf(chunk.bytes.subarray(0, 64)), -1, `${name}: no 64 bytes of chunk ${chunk.fid} are in the plaintext`)
          }
        }

        // Refused: unsigned, a wrong secret, an unknown key.
        const statusOf = async (...args: string[]) => (await inNs('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...args])).stdout
        assert.equal(await statusOf(`${s3}/exported/small.bin`), '403', 'unsigned GET')
        assert.equal(await statusOf('-X', 'PUT', '--data-binary', 'x', `${s3}/exported/unsigned.bin`), '403', 'unsigned PUT')
        const sigv4 = ['--aws-sigv4', 'aws:amz:us-east-1:s3']
        assert.equal(await statusOf(...sigv4, '--user', `${keys.accessKeyId}:wrong-secret`, `${s3}/exported/small.bin`), '403', 'wrong secret')
        assert.equal(await statusOf(...sigv4, '--user', `NOSUCHKEY:${keys.secretAccessKey}`, `${s3}/exported/small.bin`), '403', 'unknown key')
        assert.equal(await statusOf(...sigv4, '--user', `${keys.accessKeyId}:${keys.secretAccessKey}`, `${s3}/exported/small.bin`), '200', 'the same request signed with the export\'s keys')

        const readBack = async (when: string) => {
          const file = await inNs('curl', ['-sS', '-f', '-o', join(dir, 'file.out'), `${filer}/docs/file.bin`])
          assert.equal(file.code, 0, `${when}: filer GET: ${file.stderr}`)
          assert.equal(sha256(readFileSync(join(dir, 'file.out'))), sha256(fileData), `${when}: the filer's file is intact`)
          for (const [name, data] of [['small.bin', small], ['large.bin', large], ...sseObjects] as const) {
            const r = await aws('s3', 'cp', `s3://exported/${name}`, join(dir, `${name}.out`))
            assert.equal(r.code, 0, `${when}: aws s3 cp s3://exported/${name}: ${r.stderr}`)
            assert.equal(sha256(readFileSync(join(dir, `${name}.out`))), sha256(data), `${when}: ${name} is intact`)
          }
        }
        await readBack('after up')

        // down keeps the named volumes, so the next up serves the same data.
        await timed('down', ['down'])
        assert.equal((await docker.docker(['ps', '-aq'])).stdout.trim(), '', 'no container after down')
        await timed('up -d --wait again', ['up', '-d', '--wait', '--wait-timeout', '300'])
        await readBack('after down and up')

        // down -v leaves nothing in the engine: no container, no volume, no network of the project.
        await timed('down -v', ['down', '-v'])
        assert.equal((await docker.docker(['ps', '-aq'])).stdout.trim(), '', 'no container after down -v')
        assert.equal((await docker.docker(['volume', 'ls', '-q'])).stdout.trim(), '', 'no volume after down -v')
        const networks = (await docker.docker(['network', 'ls', '--format', '{{.Name}}'])).stdout.split('\n').filter((n) => n && !['bridge', 'host', 'none'].includes(n))
        assert.deepEqual(networks, [], 'no network after down -v')
      } finally {
        if (existsSync(composeFile)) await compose(['down', '-v', '-t', '1'], 5 * MINUTE)
        rmSync(dir, {recursive: true, force: true})
      }
    })
  }
})

