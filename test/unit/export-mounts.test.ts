/**
 * Every file a process reads travels with the export: for every engine, each absolute path in each weed
 * process's arguments lies under something that engine mounts or creates, and a file a process is given (an S3
 * identities file, ...) is one the export itself writes, mounts or installs. A schema cannot see this; a
 * project whose S3 gateway names a file of the exporting machine validates and then crash-loops.
 */
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {parse, parseAllDocuments} from 'yaml'

import {exportCluster} from '../../src/export/service.js'
import type {ExportResult} from '../../src/export/types.js'
import {shellWords} from '../../src/import/weed-args.js'
import {rawFromSizing} from '../../src/services/spec.js'
import {renderSpecYaml} from '../../src/clusterfile/render.js'

const WEED = '/opt/weed/bin/weed'
/** Flags whose value is a file weed reads at start: it must be one the export provides, not merely a place. */
const INPUT_FILE_FLAGS = new Set(['-config', '-s3.config', '-iam.config', '-cert.file', '-key.file', '-cacert'])

const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-export-mounts-'))
const spec = join(dir, 'seaweed.yaml')
after(() => rmSync(dir, {recursive: true, force: true}))
before(() => {
  writeFileSync(spec, renderSpecYaml({...rawFromSizing({masters: 3, volumes: 3, replication: '001', s3: true}), name: 'dev'}))
})

interface ProcessArgs {
  process: string
  args: string[]
  /** What the engine provides to this process (compose and k8s: per container). */
  provided: Provided
}

/** What an engine provides: directories (anything below them is there) and files (exactly these). */
interface Provided {
  dirs: string[]
  files: string[]
}

/** Absolute paths in a process's arguments: flag values (comma lists too) and bare words. */
function absolutePaths(args: string[]): Array<{flag: string; path: string}> {
  const out: Array<{flag: string; path: string}> = []
  for (const arg of args) {
    const eq = arg.indexOf('=')
    const flag = arg.startsWith('-') && eq > 0 ? arg.slice(0, eq) : ''
    const value = flag ? arg.slice(eq + 1) : arg
    for (const item of value.split(',')) if (item.startsWith('/')) out.push({flag, path: item})
  }
  return out
}

const under = (path: string, root: string) => path === root || path.startsWith(`${root.replace(/\/$/, '')}/`)

function assertProvided(target: string, processes: ProcessArgs[]): void {
  assert.ok(processes.length > 0, `${target}: no process found`)
  let inputs = 0
  let keks = 0
  for (const {process, args, provided} of processes) {
    for (const {flag, path} of absolutePaths(args)) {
      // weed finds security.toml (the SSE-S3 KEK) in -config_dir: the export must provide it there.
      if (flag === '-config_dir' && process.includes('s3')) {
        keks++
        assert.ok(provided.files.includes(join(path, 'security.toml')), `${target} ${process}: -config_dir=${path} holds no security.toml the export provides (it provides ${provided.files.join(', ') || 'none'})`)
      } else if (INPUT_FILE_FLAGS.has(flag)) {
        inputs++
        assert.ok(provided.files.includes(path), `${target} ${process}: ${flag}=${path} is no file the export writes, mounts or installs (it provides ${provided.files.join(', ') || 'none'})`)
      } else {
        assert.ok([...provided.dirs, ...provided.files].some((root) => under(path, root)), `${target} ${process}: ${flag || 'argument'} ${path} lies under nothing the export mounts or creates (${provided.dirs.join(', ')})`)
      }
    }
  }
  // The cluster has S3 gateways: each is given its identities file, so the file rule above was exercised.
  assert.ok(inputs >= 1, `${target}: no process is given a file (the S3 gateway's -config), so nothing was checked`)
  assert.ok(keks >= 1, `${target}: no S3 gateway is given a -config_dir with security.toml (its SSE-S3 KEK)`)
}

async function exported(target: 'supervisor' | 'systemd' | 'compose' | 'k8s' | 'helm' | 'operator', suffix = ''): Promise<{out: string; result: ExportResult}> {
  const out = join(dir, `${target}${suffix}`)
  const result = await exportCluster({target, file: spec, out, force: false, ...(target === 'supervisor' || target === 'systemd' ? {weed: WEED} : {})})
  return {out, result}
}

describe('every path a process is given is provided by its export', () => {
  it('supervisor: under the directories the commands and the export create, files written beside supervisord.conf', async () => {
    const {out, result} = await exported('supervisor')
    const conf = readFileSync(join(out, 'supervisord.conf'), 'utf8')
    const processes: ProcessArgs[] = []
    const provided: Provided = {dirs: [...result.directories], files: result.files.map((f) => f.path)}
    for (const [, name, command] of conf.matchAll(/^\[program:([^\]]+)\][^[]*?^command=([^\n]*)$/gm)) {
      // %(here)s is supervisord's own expansion: the directory of the config file.
      const words = shellWords(command.replaceAll('%(here)s', out).replaceAll('%%', '%'))
      assert.deepEqual(words.slice(0, 2), ['/bin/sh', '-c'], name)
      const steps = words[2].split(' && ')
      provided.dirs.push(...shellWords(steps.find((s) => s.startsWith('mkdir -p '))!).slice(2))
      const exec = shellWords(steps.find((s) => s.startsWith('exec '))!)
      processes.push({process: name, args: exec.slice(exec.indexOf(WEED) + 1), provided})
    }
    assertProvided('supervisor', processes)
  })

  it('systemd: under the directories each unit creates before start, files the install step installs', async () => {
    const {out, result} = await exported('systemd')
    const processes: ProcessArgs[] = []
    const provided: Provided = {dirs: [], files: []}
    for (const f of result.files.filter((g) => g.kind === 'systemd-service')) {
      const unit = readFileSync(f.path, 'utf8')
      const pre = /^ExecStartPre=\+\/usr\/bin\/install -d (.*)$/m.exec(unit)
      assert.ok(pre, f.path)
      provided.dirs.push(...pre[1].split(' ').filter((w) => w.startsWith('/')))
      const start = /^ExecStart=(.*)$/m.exec(unit)![1].split(' ')
      assert.equal(start[0], WEED)
      processes.push({process: f.path, args: start.slice(1), provided})
    }
    // The install step: every "$DESTDIR/..." it names is a path it creates.
    const script = join(out, 'install.sh')
    if (existsSync(script)) {
      for (const line of readFileSync(script, 'utf8').split('\n').filter((l) => /^\s*install /.test(l))) {
        const targets = [...line.matchAll(/"\$DESTDIR(\/[^"]*)"/g)].map((m) => m[1])
        if (/ -d /.test(line)) provided.dirs.push(...targets)
        else provided.files.push(...targets)
      }
    }
    assertProvided('systemd', processes)
  })

  it('compose: under the service\'s volumes, files mounted as secrets or configs that the export writes', async () => {
    const {out} = await exported('compose')
    const doc = parse(readFileSync(join(out, 'compose.yaml'), 'utf8'))
    const processes: ProcessArgs[] = []
    for (const [name, s] of Object.entries(doc.services) as Array<[string, any]>) {
      const provided: Provided = {dirs: [], files: []}
      for (const v of s.volumes ?? []) provided.dirs.push(typeof v === 'string' ? v.split(':')[1] : v.target)
      for (const t of s.tmpfs ?? []) provided.dirs.push(String(t).split(':')[0])
      for (const [kind, top, base] of [['secrets', doc.secrets, '/run/secrets/'], ['configs', doc.configs, '/']] as const) {
        for (const ref of s[kind] ?? []) {
          const source = typeof ref === 'string' ? ref : ref.source
          const target = typeof ref === 'string' ? undefined : ref.target as string | undefined
          const file = top?.[source]?.file
          assert.ok(file, `${name}: ${kind} ${source} has no file`)
          assert.ok(existsSync(resolve(out, file)), `${name}: ${kind} ${source} names ${file}, which the export did not write`)
          provided.files.push(target?.startsWith('/') ? target : `${base}${target ?? source}`)
        }
      }
      processes.push({process: name, args: s.command, provided})
    }
    assertProvided('compose', processes)
  })

  it('k8s: under the container\'s volumeMounts, files from a Secret the export writes', async () => {
    const {result} = await exported('k8s')
    const docs = result.files.flatMap((f) => parseAllDocuments(readFileSync(f.path, 'utf8')).map((d) => d.toJS()).filter(Boolean))
    const secrets = new Map<string, Record<string, string>>(docs.filter((d) => d.kind === 'Secret').map((d) => [d.metadata.name, {...d.stringData, ...d.data}]))
    const processes: ProcessArgs[] = []
    for (const set of docs.filter((d) => d.kind === 'StatefulSet' || d.kind === 'Deployment')) {
      const pod = set.spec.template.spec
      const volumes = new Map<string, any>((pod.volumes ?? []).map((v: any) => [v.name, v]))
      for (const c of pod.containers) {
        const provided: Provided = {dirs: [], files: []}
        for (const m of c.volumeMounts ?? []) {
          const volume = volumes.get(m.name)
          const secretSources = volume?.secret ? [volume.secret] : (volume?.projected?.sources ?? []).map((s: any) => s.secret).filter(Boolean)
          if (secretSources.length === 0) {
            provided.dirs.push(m.mountPath)
            continue
          }
          for (const source of secretSources) {
            const data = secrets.get(source.secretName ?? source.name)
            assert.ok(data, `${set.metadata.name}: mounts Secret ${source.secretName ?? source.name}, which the export does not write`)
            for (const item of source.items ?? Object.keys(data).map((key) => ({key, path: key}))) {
              assert.ok(item.key in data, `${set.metadata.name}: Secret ${source.secretName ?? source.name} has no key ${item.key}`)
              provided.files.push(m.subPath ? m.mountPath : join(m.mountPath, item.path))
            }
          }
        }
        processes.push({process: `${set.metadata.name}/${c.name}`, args: c.args, provided})
      }
    }
    assertProvided('k8s', processes)
  })

  it('helm and operator: no host path at all, and the Secret they name is one the export writes, with its keys', async () => {
    for (const target of ['helm', 'operator'] as const) {
      const {result} = await exported(target)
      const docs = result.files.flatMap((f) => parseAllDocuments(readFileSync(f.path, 'utf8')).map((d) => d.toJS()).filter(Boolean))
      const main = docs.find((d) => d.kind !== 'Secret')
      const strings: string[] = []
      const walk = (node: unknown): void => {
        if (typeof node === 'string') strings.push(node)
        else if (node && typeof node === 'object') for (const v of Object.values(node)) walk(v)
      }
      walk(main)
      assert.deepEqual(strings.filter((s) => s.startsWith('/') || s.includes(dir)), [], `${target} names a path of this machine`)
      const secret = docs.find((d) => d.kind === 'Secret')
      assert.ok(secret, `${target}: no Secret written`)
      assert.equal(statSync(result.files.find((f) => f.kind === 'k8s-secret')!.path).mode & 0o777, 0o600)
      const refs: Array<{name: string; key: string}> = target === 'helm'
        ? Object.values(main.s3.credentials as Record<string, any>).flatMap((c) => [{name: c.existingSecret, key: c.accessKeyKey}, {name: c.existingSecret, key: c.secretKeyKey}])
        : [main.spec.s3.configSecret]
      for (const ref of refs) {
        assert.equal(ref.name, secret.metadata.name, `${target} names Secret ${ref.name}`)
        assert.ok(ref.key in secret.stringData, `${target}: the Secret has no key ${ref.key}`)
      }
    }
  })
})

describe('the S3 gateways\' SSE-S3 key travels with the export', () => {
  it('a new KEK per export, in a 0600 security.toml (k8s: the Secret), on no command line, unit or config', async () => {
    const keks: string[] = []
    for (const target of ['supervisor', 'systemd', 'compose', 'k8s'] as const) {
      const {result} = await exported(target, '-kek')
      const holder = result.files.find((f) => f.path.endsWith(target === 'k8s' ? 's3-credentials.secret.yaml' : '/security.toml'))
      assert.ok(holder, `${target}: no security.toml written`)
      assert.equal(statSync(holder.path).mode & 0o777, 0o600, holder.path)
      const text = readFileSync(holder.path, 'utf8')
      const toml = target === 'k8s' ? parseAllDocuments(text).map((d) => d.toJS()).find((d) => d?.kind === 'Secret').stringData['security.toml'] : text
      const kek = /^\[s3\.sse\]\nkek = "([0-9a-f]{64})"$/m.exec(toml)?.[1]
      assert.ok(kek, `${target}: ${holder.path} holds no [s3.sse] kek`)
      keks.push(kek)
      for (const other of result.files.filter((f) => f !== holder)) {
        assert.ok(!readFileSync(other.path, 'utf8').includes(kek), `${target}: the KEK appears in ${other.path}`)
      }
    }
    assert.equal(new Set(keks).size, keks.length, 'each export makes its own KEK')
  })

  it('the spec\'s kekFile is the key the export carries', async () => {
    const kekFile = join(dir, 'kek.hex')
    const kek = 'ab'.repeat(32)
    writeFileSync(kekFile, `${kek}\n`, {mode: 0o600})
    const withKek = join(dir, 'with-kek.yaml')
    writeFileSync(withKek, readFileSync(spec, 'utf8').replace(/^(\s+kekFile: )""/m, `$1${kekFile}`))
    const out = join(dir, 'compose-kek-file')
    await exportCluster({target: 'compose', file: withKek, out, force: false})
    assert.match(readFileSync(join(out, 'security.toml'), 'utf8'), new RegExp(`^kek = "${kek}"$`, 'm'))
  })
})
