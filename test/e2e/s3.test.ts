import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {existsSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException} from '@aws-sdk/client-s3'
import {getSignedUrl} from '@aws-sdk/s3-request-presigner'

import {cli, cliStartMs, REPO, TEST_WEED_VERSION, testDir, WEED_VERSION_ARGS, weedPidsUnder} from '../helpers/cli.js'

// Ports of this file: portOffset 3300 (master 12633, volumes 11380-11381, filer 12188, s3 11633).
const OFFSET = 3300
const S3 = `http://127.0.0.1:${8333 + OFFSET}`
const VENV = join(REPO, '.cache', 's3-clients', 'bin')
const AWS = existsSync(join(VENV, 'aws')) ? join(VENV, 'aws') : 'aws'
const PYTHON = existsSync(join(VENV, 'python')) ? join(VENV, 'python') : 'python3'

function run(file: string, args: string[], options: {cwd: string; env?: NodeJS.ProcessEnv}): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    execFile(file, args, {cwd: options.cwd, env: {...process.env, ...options.env}, maxBuffer: 64 * 1024 * 1024, timeout: 120_000}, (error, stdout, stderr) => {
      resolve({code: error ? (typeof (error as {code?: unknown}).code === 'number' ? (error as {code: number}).code : 1) : 0, stdout, stderr})
    })
  })
}

interface Credentials {identities: Array<{name: string; accessKeyId: string; secretAccessKey: string}>}

describe('S3 that CI can trust', () => {
  const {dir, cleanup} = testDir('s3')
  after(cleanup)
  let env: Record<string, string> = {}
  const credentialsFile = () => join(dir, '.seaweed', 'run', 's3', 'credentials.json')

  test('a bad bucket name is refused before anything starts: from --bucket, and from the spec with file:line:col', async () => {
    const flag = await cli(['up', '--volumes', '2', '--s3', '--bucket', 'ok-one,Bad_Name', '--port-offset', String(OFFSET), ...WEED_VERSION_ARGS], {cwd: dir})
    assert.equal(flag.code, 2, flag.stderr)
    assert.match(flag.stderr, /--bucket "Bad_Name" is not a valid S3 bucket name/)
    assert.equal(existsSync(join(dir, 'seaweed.yaml')), false, 'no spec written')
    const init = await cli(['cluster', 'init', '--volumes', '2', '--s3', '--port-offset', String(OFFSET), ...WEED_VERSION_ARGS], {cwd: dir})
    assert.equal(init.code, 0, init.stderr)
    const spec = readFileSync(join(dir, 'seaweed.yaml'), 'utf8')
    const line = spec.split('\n').findIndex((l) => /^ {2}buckets: \[\]/.test(l)) + 1
    assert.ok(line > 0, spec)
    writeFileSync(join(dir, 'seaweed.yaml'), spec.replace(/^( {2}buckets: )\[\]/m, '$1[ci-data, "x..y"]'))
    const bad = await cli(['up', '--file', 'seaweed.yaml'], {cwd: dir})
    assert.equal(bad.code, 2, bad.stderr)
    assert.match(bad.stderr, new RegExp(`seaweed\\.yaml:${line}:\\d+ +"s3\\.buckets\\[1\\]" has an invalid value "x\\.\\.y"`))
    assert.deepEqual(weedPidsUnder(dir), [])
    // An identity action weed does not know, and a KEK file others may read: refused before anything starts.
    writeFileSync(join(dir, 'seaweed.yaml'), spec.replace(/^( {2}identities: )\[\]/m, '$1[{name: ci, actions: [Read, "Wrte:ci-data"]}]'))
    const action = await cli(['up', '--file', 'seaweed.yaml'], {cwd: dir})
    assert.equal(action.code, 2, action.stderr)
    const actionLine = spec.split('\n').findIndex((l) => /^ {2}identities: \[\]/.test(l)) + 1
    assert.match(action.stderr, new RegExp(`seaweed\\.yaml:${actionLine}:\\d+ +s3\\.identities\\[0\\]\\.actions\\[1\\]: weed ${TEST_WEED_VERSION.replace('.', '\\.')} knows no S3 action "Wrte"`))
    assert.match(action.stderr, /Did you mean "Write:ci-data"\?/)
    const kek = join(dir, 'open.kek')
    writeFileSync(kek, `${randomBytes(32).toString('hex')}\n`, {mode: 0o644})
    writeFileSync(join(dir, 'seaweed.yaml'), spec.replace(/^( {4}kekFile: )""/m, '$1open.kek'))
    const open = await cli(['up', '--file', 'seaweed.yaml'], {cwd: dir})
    assert.equal(open.code, 2, open.stderr)
    assert.ok(open.stderr.includes(`s3.sse.kekFile: ${kek} is readable by others (mode 0644); run: chmod 600 ${kek}`), open.stderr)
    assert.deepEqual(weedPidsUnder(dir), [])
    assert.equal(existsSync(join(dir, '.seaweed', 'run', 's3')), false, 'no key was made')
    // The spec used from here on: a read-only identity and one bucket anyone may read.
    writeFileSync(join(dir, 'seaweed.yaml'), spec
      .replace(/^( {2}buckets: )\[\]/m, '$1[ci-data, public-data]')
      .replace(/^( {2}identities: )\[\]/m, '$1[{name: reader, actions: [Read, List]}]')
      .replace(/^( {2}anonymousRead: )\[\]/m, '$1[public-data]'))
  })

  test('up --bucket creates the buckets; S3 is RUNNING only after a signed request', async () => {
    const result = await cli(['up', '--file', 'seaweed.yaml', '--bucket', 'flag-made'], {cwd: dir})
    assert.equal(result.code, 0, result.stderr + result.stdout)
    assert.match(result.stdout, /s3-1: RUNNING +signed ListBuckets 200/)
    assert.match(result.stdout, /canary: wrote and read back 1 KiB through the filer and S3/)
    for (const [path, mode] of [['.seaweed/run/s3', 0o700], ['.seaweed/run/s3/credentials.json', 0o600], ['.seaweed/run/s3/s3.json', 0o600]] as const) {
      assert.equal(statSync(join(dir, path)).mode & 0o777, mode, path)
    }
    const status = JSON.parse((await cli(['status', '--json', '--file', 'seaweed.yaml'], {cwd: dir})).stdout)
    assert.equal(status.s3.endpoint, S3)
    assert.deepEqual(status.s3.buckets, ['ci-data', 'public-data', 'flag-made'])
    assert.equal(status.s3.region, 'us-east-1')
    assert.match(status.s3.accessKeyId, /^[A-Z0-9]{16,}$/)
    assert.equal(JSON.stringify(status).includes('secret'), false)
  })

  test('env prints what tools read; eval "$(seaweedctl env --format sh)" then aws s3 cp there and back is identical', async () => {
    const json = await cli(['env', '--format', 'json', '--file', 'seaweed.yaml'], {cwd: dir})
    assert.equal(json.code, 0, json.stderr)
    const {identities, ...vars} = JSON.parse(json.stdout) as Record<string, string> & {identities: Record<string, {accessKeyId: string; secretAccessKey: string; actions: string[]}>}
    env = vars
    // Every identity's keys, as weed has them.
    const recorded = (JSON.parse(readFileSync(credentialsFile(), 'utf8')) as Credentials).identities
    assert.deepEqual(Object.keys(identities), ['admin', 'reader'])
    for (const i of recorded) assert.deepEqual([identities[i.name].accessKeyId, identities[i.name].secretAccessKey], [i.accessKeyId, i.secretAccessKey])
    assert.deepEqual(identities.reader.actions, ['Read', 'List'])
    const asReader = await cli(['env', '--identity', 'reader', '--format', 'dotenv', '--file', 'seaweed.yaml'], {cwd: dir})
    assert.equal(asReader.code, 0, asReader.stderr)
    assert.ok(asReader.stdout.includes(`AWS_ACCESS_KEY_ID=${identities.reader.accessKeyId}\n`), asReader.stdout)
    assert.ok(asReader.stdout.includes(`AWS_SECRET_ACCESS_KEY=${identities.reader.secretAccessKey}\n`), asReader.stdout)
    const typo = await cli(['env', '--identity', 'raeder', '--file', 'seaweed.yaml'], {cwd: dir})
    assert.equal(typo.code, 2, typo.stderr)
    assert.match(typo.stderr, /--identity raeder: this cluster has no such S3 identity \(it has admin, reader\)/)
    assert.match(typo.stderr, /Did you mean --identity reader\?/)
    assert.equal(typo.stdout, '')
    assert.equal(env.AWS_ENDPOINT_URL, S3)
    assert.equal(env.S3_BUCKET, 'ci-data')
    assert.equal(env.AWS_REGION, 'us-east-1')
    assert.equal(env.SEAWEED_MASTER_URL, `http://127.0.0.1:${9333 + OFFSET}`)
    assert.equal(env.SEAWEED_FILER_URL, `http://127.0.0.1:${8888 + OFFSET}`)
    const admin = (JSON.parse(readFileSync(credentialsFile(), 'utf8')) as Credentials).identities.find((i) => i.name === 'admin')!
    assert.equal(env.AWS_SECRET_ACCESS_KEY, admin.secretAccessKey)
    writeFileSync(join(dir, 'upload.bin'), randomBytes(3 * 1024 * 1024 + 17))
    const script = `set -e; eval "$(node ${JSON.stringify(join(REPO, 'bin', 'run.js'))} env --format sh --file seaweed.yaml)"
      ${AWS} s3 cp upload.bin "s3://$S3_BUCKET/cli/upload.bin" --only-show-errors
      ${AWS} s3 cp "s3://$S3_BUCKET/cli/upload.bin" download.bin --only-show-errors
      ${AWS} s3 ls "s3://$S3_BUCKET/cli/"`
    // No AWS_* of the test's own environment may leak into the check.
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')))
    const r = await new Promise<{code: number; stdout: string; stderr: string}>((resolve) => {
      execFile('bash', ['-c', script], {cwd: dir, env: clean, timeout: 120_000}, (error, stdout, stderr) => resolve({code: error ? 1 : 0, stdout, stderr}))
    })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /upload\.bin/)
    assert.ok(readFileSync(join(dir, 'download.bin')).equals(readFileSync(join(dir, 'upload.bin'))), 'aws s3 cp round trip is identical')
  })

  test('refusals: unsigned PUT 403, wrong secret 403; anonymous reads only where the spec allows them', async () => {
    const unsigned = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'PUT', `${S3}/unsigned-bucket`], {cwd: dir})
    assert.equal(unsigned.stdout, '403')
    const unsignedGet = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `${S3}/ci-data/cli/upload.bin`], {cwd: dir})
    assert.equal(unsignedGet.stdout, '403')
    const wrong = await run(AWS, ['s3api', 'list-objects-v2', '--bucket', 'ci-data'], {cwd: dir, env: {...env, AWS_SECRET_ACCESS_KEY: 'not-the-secret-at-all'}})
    assert.notEqual(wrong.code, 0)
    assert.match(wrong.stderr, /SignatureDoesNotMatch|AccessDenied|403/)
    const wrongCurl = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', `${env.AWS_ACCESS_KEY_ID}:wrong-secret`, `${S3}/ci-data/`], {cwd: dir})
    assert.equal(wrongCurl.stdout, '403')
    const put = await run(AWS, ['s3', 'cp', join(dir, 'upload.bin'), 's3://public-data/open.bin', '--only-show-errors'], {cwd: dir, env})
    assert.equal(put.code, 0, put.stderr)
    const anonymous = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `${S3}/public-data/open.bin`], {cwd: dir})
    assert.equal(anonymous.stdout, '200')
    const anonymousPut = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'PUT', '--data', 'x', `${S3}/public-data/anon.txt`], {cwd: dir})
    assert.equal(anonymousPut.stdout, '403')
  })

  test('boto3: buckets, objects, a 24 MiB multipart upload, a presigned GET; the read-only identity cannot write', async () => {
    const reader = (JSON.parse(readFileSync(credentialsFile(), 'utf8')) as Credentials).identities.find((i) => i.name === 'reader')!
    const r = await run(PYTHON, [join(REPO, 'test', 'fixtures', 'boto3-s3.py')], {cwd: dir, env: {...env, READER_ACCESS_KEY_ID: reader.accessKeyId, READER_SECRET_ACCESS_KEY: reader.secretAccessKey}})
    assert.equal(r.code, 0, r.stderr)
    const facts = JSON.parse(r.stdout.trim().split('\n').at(-1)!)
    assert.ok(facts.listed.includes('boto3-made') && facts.listed.includes('ci-data'), JSON.stringify(facts.listed))
    assert.equal(facts.small, 'hello from boto3')
    assert.deepEqual(facts.keys, ['boto3/small.txt'])
    assert.equal(facts.multipart_identical, true)
    assert.equal(facts.presigned, 'hello from boto3')
    assert.deepEqual(facts.after_delete, [])
    assert.equal(facts.bucket_deleted, true)
    assert.equal(facts.reader_list, 200)
    assert.equal(facts.reader_put, 403)
  })

  test('@aws-sdk/client-s3: buckets, objects, a 20 MiB object, a presigned GET fetched with plain HTTP', async () => {
    const client = new S3Client({endpoint: env.AWS_ENDPOINT_URL, region: env.AWS_REGION, forcePathStyle: true, credentials: {accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY}})
    try {
      await client.send(new CreateBucketCommand({Bucket: 'sdk-made'}))
      const listed = (await client.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name) ?? []
      assert.ok(listed.includes('sdk-made'), listed.join(','))
      const big = randomBytes(20 * 1024 * 1024 + 5)
      await client.send(new PutObjectCommand({Bucket: 'sdk-made', Key: 'big.bin', Body: big}))
      const got = Buffer.from(await (await client.send(new GetObjectCommand({Bucket: 'sdk-made', Key: 'big.bin'}))).Body!.transformToByteArray())
      assert.ok(got.equals(big), '20 MiB read back identical')
      const keys = (await client.send(new ListObjectsV2Command({Bucket: 'sdk-made'}))).Contents?.map((o) => o.Key)
      assert.deepEqual(keys, ['big.bin'])
      const url = await getSignedUrl(client, new GetObjectCommand({Bucket: 'sdk-made', Key: 'big.bin'}), {expiresIn: 300})
      const plain = await fetch(url)
      assert.equal(plain.status, 200)
      assert.ok(Buffer.from(await plain.arrayBuffer()).equals(big), 'presigned GET is identical')
      assert.equal((await fetch(url.replace(/X-Amz-Signature=[0-9a-f]+/, 'X-Amz-Signature=' + '0'.repeat(64)))).status, 403)
      await client.send(new DeleteObjectCommand({Bucket: 'sdk-made', Key: 'big.bin'}))
      await client.send(new DeleteBucketCommand({Bucket: 'sdk-made'}))
      const wrong = new S3Client({endpoint: env.AWS_ENDPOINT_URL, region: env.AWS_REGION, forcePathStyle: true, credentials: {accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: 'wrong-secret-wrong-secret'}})
      await assert.rejects(wrong.send(new ListObjectsV2Command({Bucket: 'ci-data'})), (e: S3ServiceException) => e.$metadata.httpStatusCode === 403)
      wrong.destroy()
    } finally {
      client.destroy()
    }
  })

  test('env --github appends valid KEY=value lines to $GITHUB_ENV and masks the secret', async () => {
    const githubEnv = join(dir, 'github_env')
    writeFileSync(githubEnv, 'EXISTING=1\n')
    const r = await cli(['env', '--github', '--file', 'seaweed.yaml'], {cwd: dir, env: {GITHUB_ENV: githubEnv}})
    assert.equal(r.code, 0, r.stderr)
    assert.ok(r.stdout.includes(`::add-mask::${env.AWS_SECRET_ACCESS_KEY}\n`), r.stdout)
    const lines = readFileSync(githubEnv, 'utf8').trimEnd().split('\n')
    assert.equal(lines[0], 'EXISTING=1')
    for (const line of lines) assert.match(line, /^[A-Z][A-Z0-9_]*=[^\n]*$/)
    assert.ok(lines.includes(`AWS_SECRET_ACCESS_KEY=${env.AWS_SECRET_ACCESS_KEY}`))
    assert.ok(lines.includes('S3_BUCKET=ci-data'))
    // Another identity's keys: its secret is the one masked.
    const reader = (JSON.parse(readFileSync(credentialsFile(), 'utf8')) as Credentials).identities.find((i) => i.name === 'reader')!
    const asReader = await cli(['env', '--github', '--identity', 'reader', '--file', 'seaweed.yaml'], {cwd: dir, env: {GITHUB_ENV: githubEnv}})
    assert.equal(asReader.code, 0, asReader.stderr)
    assert.equal(asReader.stdout, `::add-mask::${reader.secretAccessKey}\n`)
    assert.ok(readFileSync(githubEnv, 'utf8').includes(`AWS_SECRET_ACCESS_KEY=${reader.secretAccessKey}\n`))
    const missing = await cli(['env', '--github', '--file', 'seaweed.yaml'], {cwd: dir, env: {GITHUB_ENV: ''}})
    assert.equal(missing.code, 2)
  })

  test('the secrets are in no file but their 0600 ones, in no log, on no command line, in no weed environment', () => {
    const securityFile = join(dir, '.seaweed', 'run', 's3', 'conf', 'security.toml')
    assert.equal(statSync(securityFile).mode & 0o777, 0o600)
    const kek = /^kek = "([0-9a-f]{64})"$/m.exec(readFileSync(securityFile, 'utf8'))?.[1]
    assert.ok(kek, 'security.toml holds [s3.sse] kek')
    const secrets = [...(JSON.parse(readFileSync(credentialsFile(), 'utf8')) as Credentials).identities.map((i) => i.secretAccessKey), kek]
    const allowed = new Set([credentialsFile(), join(dir, '.seaweed', 'run', 's3', 's3.json'), join(dir, 'github_env'), securityFile])
    const offenders: string[] = []
    const walk = (d: string) => {
      for (const entry of readdirSync(d, {withFileTypes: true})) {
        const path = join(d, entry.name)
        if (entry.isDirectory()) walk(path)
        else if (entry.isFile() && !allowed.has(path) && statSync(path).size < 64 * 1024 * 1024) {
          const text = readFileSync(path).toString('latin1')
          if (secrets.some((s) => text.includes(s))) offenders.push(path)
        }
      }
    }
    walk(dir)
    for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)) {
      for (const what of ['cmdline', ...(weedPidsUnder(dir).includes(Number(pid)) ? ['environ'] : [])]) {
        try {
          const text = readFileSync(`/proc/${pid}/${what}`, 'latin1')
          if (secrets.some((s) => text.includes(s))) offenders.push(`/proc/${pid}/${what}`)
        } catch {
          // gone
        }
      }
    }
    assert.deepEqual(offenders, [])
  })

  test('SSE-S3: the gateway has its key (no "No KEK", no STS error), stores ciphertext, and the key cannot be swapped', async () => {
    const plain = randomBytes(300_000)
    writeFileSync(join(dir, 'sse.bin'), plain)
    const put = await run(AWS, ['s3api', 'put-object', '--bucket', 'ci-data', '--key', 'sse/object.bin', '--body', join(dir, 'sse.bin'), '--server-side-encryption', 'AES256'], {cwd: dir, env})
    assert.equal(put.code, 0, put.stderr)
    assert.equal(JSON.parse(put.stdout).ServerSideEncryption, 'AES256')
    // Through the filer the stored bytes are the ciphertext: the object really is encrypted.
    const stored = Buffer.from(await (await fetch(`${env.SEAWEED_FILER_URL}/buckets/ci-data/sse/object.bin`)).arrayBuffer())
    assert.equal(stored.length, plain.length)
    assert.equal(stored.equals(plain), false, 'the filer holds ciphertext')
    const log = readFileSync(join(dir, '.seaweed', 'logs', 's3-1.log'), 'utf8')
    assert.match(log, /SSE-S3 KeyManager: Loaded KEK from s3\.sse\.kek config/)
    assert.doesNotMatch(log, /No KEK configured|no signing key found for STS service/)
    // Rotation is refused with why, and changes nothing; so is a spec key that is not the cluster's.
    const securityFile = join(dir, '.seaweed', 'run', 's3', 'conf', 'security.toml')
    const before = readFileSync(securityFile, 'utf8')
    const rotate = await cli(['s3', 'rotate-kek', '--file', 'seaweed.yaml'], {cwd: dir})
    assert.equal(rotate.code, 2, rotate.stderr)
    assert.match(rotate.stderr, /cannot be rotated in place: weed .* cannot re-wrap them under a new key/)
    const other = join(dir, 'other.kek')
    writeFileSync(other, randomBytes(32), {mode: 0o600})
    const spec = readFileSync(join(dir, 'seaweed.yaml'), 'utf8')
    assert.match(spec, /^ {4}kekFile: ""/m)
    writeFileSync(join(dir, 'seaweed.yaml'), spec.replace(/^( {4}kekFile: )""/m, '$1other.kek'))
    const swapped = await cli(['up', '--file', 'seaweed.yaml'], {cwd: dir})
    writeFileSync(join(dir, 'seaweed.yaml'), spec)
    assert.equal(swapped.code, 2, swapped.stderr)
    assert.ok(swapped.stderr.includes(`s3.sse.kekFile: ${other} holds another key than the one this cluster encrypts with`), swapped.stderr)
    assert.equal(readFileSync(securityFile, 'utf8'), before)
  })

  test('down keeps what was written just before it (objects, SSE-S3 objects, files and the metadata log), and takes seconds, not 15', async () => {
    const client = new S3Client({endpoint: env.AWS_ENDPOINT_URL, region: env.AWS_REGION, forcePathStyle: true, credentials: {accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY}})
    const last = randomBytes(100_000)
    await client.send(new PutObjectCommand({Bucket: 'ci-data', Key: 'last-before-down.bin', Body: last}))
    client.destroy()
    const form = new FormData()
    form.append('file', new Blob([last]), 'x.bin')
    assert.equal((await fetch(`${env.SEAWEED_FILER_URL}/direct/last-before-down.bin`, {method: 'POST', body: form})).status, 201)
    const startup = await cliStartMs(dir)
    const started = Date.now()
    const down = await cli(['down', '--file', 'seaweed.yaml'], {cwd: dir})
    const elapsed = Date.now() - started - startup
    assert.equal(down.code, 0, down.stderr)
    assert.deepEqual(weedPidsUnder(dir), [])
    assert.match(readFileSync(join(dir, '.seaweed', 'logs', 'filer-1.log'), 'utf8'), /gRPC server stopped gracefully/)
    assert.ok(elapsed < 12_000, `down took ${elapsed} ms (the filer's gRPC stop timeout alone is 15 s)`)

    const up = await cli(['up', '--file', 'seaweed.yaml'], {cwd: dir})
    assert.equal(up.code, 0, up.stderr + up.stdout)
    const again = new S3Client({endpoint: env.AWS_ENDPOINT_URL, region: env.AWS_REGION, forcePathStyle: true, credentials: {accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY}})
    try {
      const got = Buffer.from(await (await again.send(new GetObjectCommand({Bucket: 'ci-data', Key: 'last-before-down.bin'}))).Body!.transformToByteArray())
      assert.ok(got.equals(last), 'the S3 object written just before down is there, same keys')
      assert.ok((await again.send(new ListBucketsCommand({}))).Buckets?.some((b) => b.Name === 'flag-made'), 'buckets are kept')
    } finally {
      again.destroy()
    }
    // The SSE-S3 object written before down decrypts after up: the gateway came back with the same key.
    const sse = await run(AWS, ['s3api', 'get-object', '--bucket', 'ci-data', '--key', 'sse/object.bin', join(dir, 'sse-back.bin')], {cwd: dir, env})
    assert.equal(sse.code, 0, sse.stderr)
    assert.equal(JSON.parse(sse.stdout).ServerSideEncryption, 'AES256')
    assert.ok(readFileSync(join(dir, 'sse-back.bin')).equals(readFileSync(join(dir, 'sse.bin'))), 'SSE-S3 object identical after down/up')
    const direct = await fetch(`${env.SEAWEED_FILER_URL}/direct/last-before-down.bin`)
    assert.ok(Buffer.from(await direct.arrayBuffer()).equals(last))
    // The filer's metadata change log (flushed on its way down) names the last writes. weed 4.30 does not flush
    // it on a graceful stop at all (the same with weed's own 10 s stop, without the reset): it keeps only
    // what its once-a-minute flush wrote, so the check applies from 4.48 on.
    if (TEST_WEED_VERSION === '4.30') return
    const listing = async (path: string) => ((await (await fetch(`${env.SEAWEED_FILER_URL}${path}/`, {headers: {accept: 'application/json'}})).json()) as {Entries: Array<{FullPath: string}> | null}).Entries ?? []
    const days = await listing('/topics/.system/log')
    let log = ''
    for (const day of days) for (const file of await listing(day.FullPath)) log += Buffer.from(await (await fetch(`${env.SEAWEED_FILER_URL}${file.FullPath}`)).arrayBuffer()).toString('latin1')
    assert.ok(log.includes('last-before-down.bin'), 'the metadata log has the last writes')
  })

  test('down --purge --yes kills and deletes at once', async () => {
    const startup = await cliStartMs(dir)
    const started = Date.now()
    const r = await cli(['down', '--purge', '--yes', '--file', 'seaweed.yaml'], {cwd: dir})
    assert.equal(r.code, 0, r.stderr)
    const took = Date.now() - started
    assert.ok(took - startup < 8000, `down --purge took ${took} ms (a CLI start took ${startup} ms)`)
    assert.deepEqual(weedPidsUnder(dir), [])
    assert.equal(existsSync(join(dir, '.seaweed')), false)
  })
})

// Ports: portOffset 3800 (master 13133, volume 11880, filer 12688, s3 12133).
describe('S3 without buckets of its own: no stray canary bucket; doctor knows the gateway', () => {
  const {dir, cleanup} = testDir('s3-nobucket')
  after(cleanup)

  test('up, then up again: ListBuckets never shows seaweedctl-canary; doctor passes with s3-1 running', async () => {
    const first = await cli(['up', '--volumes', '1', '--s3', '--port-offset', '3800', ...WEED_VERSION_ARGS], {cwd: dir})
    assert.equal(first.code, 0, first.stderr + first.stdout)
    assert.match(first.stdout, /canary: wrote and read back 1 KiB through the filer and S3/)
    const env = JSON.parse((await cli(['env', '--format', 'json'], {cwd: dir})).stdout) as Record<string, string>
    const client = new S3Client({endpoint: env.AWS_ENDPOINT_URL, region: env.AWS_REGION, forcePathStyle: true, credentials: {accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY}})
    try {
      const buckets = async () => (await client.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name) ?? []
      assert.deepEqual(await buckets(), [])
      const again = await cli(['up'], {cwd: dir})
      assert.equal(again.code, 0, again.stderr + again.stdout)
      assert.deepEqual(await buckets(), [])
    } finally {
      client.destroy()
    }
    const doctor = await cli(['doctor', '--json'], {cwd: dir})
    const ports = (JSON.parse(doctor.stdout) as {checks: Array<{name: string; ok: boolean; detail: string}>}).checks.find((c) => c.name === 'ports')!
    assert.equal(ports.ok, true, ports.detail)
    // master, volume, filer and s3-1: HTTP, gRPC and metrics ports each, all held by the cluster's own processes.
    assert.match(ports.detail, /\(12 held by this cluster's own processes\)/)
    assert.equal((await cli(['down'], {cwd: dir})).code, 0)
  })
})
