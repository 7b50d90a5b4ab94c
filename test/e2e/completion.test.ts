/**
 * Shell completion (oclif's @oclif/plugin-autocomplete): the built CLI writes its bash and zsh completion, and bash,
 * with the line `autocomplete script bash` prints sourced as a user's ~/.bashrc would, completes commands, topics'
 * commands and flags when the completion function is called as bash calls it on <TAB> (COMP_WORDS, COMP_CWORD).
 * No weed, no ports: the completion cache goes to a temp XDG_CACHE_HOME.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {cli, REPO} from '../helpers/cli.js'
import {ensureBuilt} from '../helpers/e2e.js'

const root = mkdtempSync(join(tmpdir(), 'seaweedctl-completion-'))
const env = {XDG_CACHE_HOME: join(root, 'cache'), HOME: root}
const functions = join(root, 'cache', 'seaweedctl', 'autocomplete', 'functions')
let setup = ''

/** What bash offers for `words` (the last is the word being completed), through the sourced setup line. */
function complete(...words: string[]): string[] {
  const script = `${setup}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}\n_seaweedctl_autocomplete\nprintf '%s\\n' "\${COMPREPLY[@]}"`
  const r = spawnBash(script)
  assert.equal(r.status, 0, r.stderr)
  return r.stdout.split('\n').filter(Boolean).sort()
}

function spawnBash(script: string) {
  return spawnSync('bash', ['--norc', '--noprofile', '-c', script], {encoding: 'utf8', env: {...process.env, ...env}, timeout: 30_000})
}

describe('seaweedctl autocomplete', () => {
  before(async () => {
    ensureBuilt()
    const refresh = await cli(['autocomplete', '--refresh-cache'], {cwd: root, env})
    assert.equal(refresh.code, 0, refresh.stderr)
    const script = await cli(['autocomplete', 'script', 'bash'], {cwd: root, env})
    assert.equal(script.code, 0, script.stderr)
    setup = script.stdout.trim()
    assert.match(setup, /source \$SEAWEEDCTL_AC_BASH_SETUP_PATH/)
  })
  after(() => rmSync(root, {recursive: true, force: true}))

  test('bash completes a command from its first letters, and every command from nothing', () => {
    assert.deepEqual(complete('seaweedctl', 'st'), ['start', 'status', 'stop'])
    const all = complete('seaweedctl', '')
    for (const command of ['up', 'down', 'status', 'scale', 'cluster', 'export', 'weed', 'autocomplete']) assert.ok(all.includes(command), `${command} in ${all.join(' ')}`)
  })

  test('bash completes the commands of a topic', () => {
    assert.deepEqual(complete('seaweedctl', 'export', ''), ['compose', 'helm', 'k8s', 'operator', 'prometheus', 'supervisor', 'systemd'])
    assert.deepEqual(complete('seaweedctl', 'weed', 'u'), ['upgrade'])
  })

  test('bash completes a command\'s flags, and only its own', () => {
    assert.deepEqual(complete('seaweedctl', 'up', '--vo'), ['--volumes'])
    assert.deepEqual(complete('seaweedctl', 'export', 'helm', '--b'), ['--bucket'])
    assert.deepEqual(complete('seaweedctl', 'down', '--p'), ['--purge'])
    assert.deepEqual(complete('seaweedctl', 'status', '--vo'), [], 'status has no --volumes')
  })

  test('the zsh completion names the same commands and flags, with their help text', async () => {
    const script = await cli(['autocomplete', 'script', 'zsh'], {cwd: root, env})
    assert.equal(script.code, 0, script.stderr)
    assert.match(script.stdout, /SEAWEEDCTL_AC_ZSH_SETUP_PATH=.*zsh_setup/)
    const zsh = readFileSync(join(functions, 'zsh', '_seaweedctl'), 'utf8')
    assert.match(zsh, /^#compdef seaweedctl$/m)
    type Manifest = {commands: Record<string, {summary?: string; description?: string; flags: Record<string, {summary?: string; description?: string}>}>}
    const {commands} = JSON.parse(readFileSync(join(REPO, 'oclif.manifest.json'), 'utf8')) as Manifest
    const help = (x: {summary?: string; description?: string}) => (x.summary ?? x.description ?? '').split('\n')[0]
    assert.ok(zsh.includes(`"up[${help(commands.up)}]"`), 'the up command with its summary')
    assert.ok(zsh.includes(`--volumes"[${help(commands.up.flags.volumes)}]`), 'up --volumes with its summary')
    assert.ok(zsh.includes(`"helm[${help(commands['export:helm'])}]"`), 'export helm under its topic')
  })
})
