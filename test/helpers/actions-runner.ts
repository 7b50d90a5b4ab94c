/**
 * Runs GitHub Actions steps the way a Linux runner does, for the tests of action.yml, stop/action.yml and the
 * README's workflow: everything is read from the YAML files themselves (inputs and their defaults, each step's
 * `if:`, `env:`, `run:`, `shell:`, the action's outputs); nothing is copied into the tests.
 *
 * What the runner does that this reproduces:
 * - `${{ … }}` is substituted before a step runs, in `run`, `env`, `with`, `name` and input defaults, from the
 *   contexts `inputs`, `steps.<id>.outputs`, `github` (action_path, workspace), `runner` (temp, os, arch),
 *   `job.status` and `env`; `if:` is an expression (`${{ }}` optional) with `==`, `!=`, `&&`, `||`, `!`,
 *   string literals and `always()`, `success()`, `failure()`, `cancelled()`. Anything else is an error
 *   here, so a file that starts using more fails its test instead of passing untested.
 * - `run:` is written to a script file under RUNNER_TEMP and run by its shell (`bash`: `bash --noprofile --norc
 *   -eo pipefail {0}`; a workflow step without `shell:` gets `bash -e {0}`) in GITHUB_WORKSPACE.
 * - Each step gets fresh GITHUB_ENV, GITHUB_PATH and GITHUB_OUTPUT files; after it, KEY=value and KEY<<EOF
 *   blocks from GITHUB_ENV go into the environment of the later steps, GITHUB_PATH lines are put in front of
 *   PATH, GITHUB_OUTPUT becomes `steps.<id>.outputs`. GITHUB_ACTION_PATH is the directory of the action a
 *   composite step belongs to.
 * - A composite action's inputs come from `with:` (values as strings) or else the input's `default`; an input the
 *   action does not declare is an error here (GitHub only warns). Its outputs are evaluated after its steps.
 *   Like GitHub, a composite action's steps get no INPUT_* variables (only JavaScript and Docker actions do):
 *   an action script that read them would work in no workflow.
 * - After a failed step the job's status is `failure`; later steps run only when their `if:` says so.
 * - `uses:` steps of actions/checkout, actions/cache and actions/upload-artifact are not run: a line says so
 *   (the workspace is already there; the weed cache is the machine's own; artifacts go nowhere).
 */
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {parse} from 'yaml'

export type Value = string | boolean | number | null | Record<string, unknown>

export interface Step {
  id?: string
  name?: string
  if?: string | boolean
  uses?: string
  with?: Record<string, unknown>
  env?: Record<string, unknown>
  run?: string
  shell?: string
  'continue-on-error'?: boolean
}

interface ActionFile {
  name: string
  inputs?: Record<string, {description?: string; default?: string; required?: boolean}>
  outputs?: Record<string, {description?: string; value: string}>
  runs: {using: string; steps: Step[]}
}

export interface StepRecord {
  /** Where the step came from: `action.yml#2 Start the cluster`, or a workflow step. */
  label: string
  outcome: 'success' | 'failure' | 'skipped'
  exitCode?: number
  output: string
}

export interface JobOptions {
  /** GITHUB_WORKSPACE: the steps' working directory. */
  workspace: string
  /** RUNNER_TEMP (created if missing). */
  runnerTemp: string
  /** The machine's environment for every step: PATH, HOME and whatever the machine has. */
  baseEnv: Record<string, string>
  /** A `uses:` reference to a local action directory (e.g. `seaweedfs/seaweedctl@main` to the checkout), else undefined. */
  resolveAction?: (uses: string) => string | undefined
  stepTimeoutMs?: number
}

/** Actions whose work the tests do not need, each with the note printed instead of running it. */
const SKIPPED_ACTIONS: Record<string, string> = {
  'actions/checkout': 'the workspace is already the checkout',
  'actions/cache': 'no cache service here; weed stays in the machine\'s own ~/.cache/seaweedctl',
  'actions/upload-artifact': 'no artifact storage here; the files stay where they are',
}

/** One job: its environment, PATH additions and status carry over from step to step, as on a runner. */
export class Job {
  readonly steps: StepRecord[] = []
  /** Variables written to GITHUB_ENV by earlier steps. */
  readonly env: Record<string, string> = {}
  /** Directories written to GITHUB_PATH by earlier steps (the latest first). */
  readonly path: string[] = []
  readonly masked: string[] = []
  status: 'success' | 'failure' = 'success'
  private fileCount = 0

  constructor(private readonly options: JobOptions) {
    mkdirSync(options.runnerTemp, {recursive: true})
  }

  /** Everything the steps printed, in order, with a header per step (for assertion messages). */
  get log(): string {
    return this.steps.map((s) => `--- ${s.label}: ${s.outcome}${s.exitCode === undefined ? '' : ` (exit ${s.exitCode})`}\n${s.output}`).join('\n')
  }

  /** The job's environment as a later step sees it: the machine's, GITHUB_ENV's and GITHUB_PATH's. */
  stepEnv(extra: Record<string, string> = {}): Record<string, string> {
    const base = {...this.options.baseEnv, ...this.env}
    const pathValue = [...this.path, base.PATH ?? ''].filter(Boolean).join(':')
    return {
      ...base,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_TEMP: this.options.runnerTemp,
      GITHUB_WORKSPACE: this.options.workspace,
      ...extra,
      PATH: pathValue,
    }
  }

  /** Run a workflow's `steps:` (a YAML list, e.g. a README snippet), resolving `uses:` with resolveAction. */
  async runWorkflowSteps(yamlText: string): Promise<void> {
    const doc = parse(yamlText) as {steps?: Step[]} | Step[]
    const steps = Array.isArray(doc) ? doc : doc?.steps
    if (!Array.isArray(steps)) throw new Error('the workflow YAML has no steps: list')
    const contexts = new Map<string, Record<string, string>>()
    for (const [i, step] of steps.entries()) {
      const label = `workflow step ${i + 1}${step.name ? ` ${step.name}` : step.uses ? ` ${step.uses}` : ''}`
      const scope: Scope = {inputs: {}, steps: contexts, actionPath: undefined}
      if (!this.condition(step.if, scope, label, this.status)) {
        this.steps.push({label, outcome: 'skipped', output: `skipped: if: ${step.if ?? 'success()'}`})
        continue
      }
      if (step.uses) {
        const ref = step.uses
        const local = this.options.resolveAction?.(ref)
        if (local) {
          const withInputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, this.substitute(stringOf(v), scope, label)]))
          const outputs = await this.runAction(local, withInputs, label)
          if (step.id) contexts.set(step.id, outputs)
          continue
        }
        this.skipUses(ref, label)
        continue
      }
      const outputs = await this.runStep(step, scope, label, 'bash -e {0}')
      if (step.id) contexts.set(step.id, outputs)
    }
  }

  /**
   * Run the composite action in `actionDir` (its action.yml) with `withInputs`, as a `uses:` step would.
   * Returns its outputs; a failed step sets the job's status to failure.
   */
  async runAction(actionDir: string, withInputs: Record<string, string> = {}, label = actionDir): Promise<Record<string, string>> {
    const file = join(actionDir, 'action.yml')
    const action = parse(readFileSync(file, 'utf8')) as ActionFile
    if (action.runs?.using !== 'composite') throw new Error(`${file}: only composite actions are run here, not ${action.runs?.using}`)
    const declared = action.inputs ?? {}
    const unknown = Object.keys(withInputs).filter((k) => !(k in declared))
    if (unknown.length > 0) throw new Error(`${file}: unexpected input(s) ${unknown.join(', ')}; valid inputs are ${Object.keys(declared).join(', ')}`)
    const base: Scope = {inputs: {}, steps: new Map(), actionPath: actionDir}
    const inputs: Record<string, string> = {}
    for (const [name, spec] of Object.entries(declared)) {
      if (name in withInputs) inputs[name] = withInputs[name]
      else if (spec.required && spec.default === undefined) throw new Error(`${file}: input ${name} is required`)
      else inputs[name] = this.substitute(stringOf(spec.default ?? ''), base, `${file} inputs.${name}.default`)
    }
    const scope: Scope = {...base, inputs}
    // Inside a composite action success() and failure() speak of its own steps; job.status of the job's.
    let status: 'success' | 'failure' = 'success'
    for (const [i, step] of action.runs.steps.entries()) {
      const where = `${label} › ${file.slice(actionDir.length + 1)} step ${i + 1}`
      const stepLabel = `${where} ${step.name ? this.substitute(step.name, scope, where) : step.uses ?? ''}`.trim()
      if (!this.condition(step.if, scope, stepLabel, status)) {
        this.steps.push({label: stepLabel, outcome: 'skipped', output: `skipped: if: ${step.if ?? 'success()'}`})
        continue
      }
      if (step.uses) {
        this.skipUses(step.uses, stepLabel)
        continue
      }
      if (!step.shell) throw new Error(`${stepLabel}: a composite action's run step must name its shell`)
      const outputs = await this.runStep(step, scope, stepLabel)
      if (this.steps.at(-1)!.outcome === 'failure' && !step['continue-on-error']) status = 'failure'
      if (step.id) scope.steps.set(step.id, outputs)
    }
    return Object.fromEntries(Object.entries(action.outputs ?? {}).map(([k, o]) => [k, this.substitute(o.value, scope, `${file} outputs.${k}`)]))
  }

  private skipUses(ref: string, label: string): void {
    const name = ref.split('@')[0]
    const why = SKIPPED_ACTIONS[name]
    if (!why) throw new Error(`${label}: uses: ${ref} cannot be run here (only local actions and ${Object.keys(SKIPPED_ACTIONS).join(', ')}, which are skipped)`)
    const note = `note: ${ref} not run: ${why}`
    console.log(`[actions-runner] ${label}: ${note}`)
    this.steps.push({label, outcome: 'skipped', output: note})
  }

  /** A step's `if:`; `status` is what success() and failure() see (the job's, or the composite action's own). */
  private condition(expression: string | boolean | undefined, scope: Scope, label: string, status: 'success' | 'failure'): boolean {
    if (expression === undefined) return status === 'success'
    if (typeof expression === 'boolean') return expression && status === 'success'
    const text = expression.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
    const value = evaluate(text, this.contexts(scope, status), label)
    // GitHub adds success() to a condition that calls none of the status functions.
    const statusFunction = /\b(always|success|failure|cancelled)\(\)/.test(text)
    return truthy(value) && (statusFunction || status === 'success')
  }

  private contexts(scope: Scope, status: 'success' | 'failure' = this.status): Contexts {
    return {
      inputs: scope.inputs,
      steps: scope.steps,
      github: {action_path: scope.actionPath ?? '', workspace: this.options.workspace},
      runner: {temp: this.options.runnerTemp, os: 'Linux', arch: 'X64'},
      job: {status: this.status},
      env: {...this.env},
      status,
    }
  }

  /** `${{ expr }}` in `text`, replaced by its value as a string. */
  substitute(text: string, scope: Scope, label: string): string {
    return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) => stringOf(evaluate(expression, this.contexts(scope), label)))
  }

  private async runStep(step: Step, scope: Scope, label: string, defaultShell?: string): Promise<Record<string, string>> {
    if (step.run === undefined) throw new Error(`${label}: a step without run: or uses:`)
    const shell = step.shell ? shellTemplate(step.shell, label) : defaultShell
    if (!shell) throw new Error(`${label}: no shell`)
    const n = ++this.fileCount
    const files = {
      GITHUB_ENV: join(this.options.runnerTemp, `_runner_file_commands/set_env_${n}`),
      GITHUB_PATH: join(this.options.runnerTemp, `_runner_file_commands/add_path_${n}`),
      GITHUB_OUTPUT: join(this.options.runnerTemp, `_runner_file_commands/set_output_${n}`),
    }
    mkdirSync(join(this.options.runnerTemp, '_runner_file_commands'), {recursive: true})
    for (const f of Object.values(files)) writeFileSync(f, '')
    const script = join(this.options.runnerTemp, `step-${n}.sh`)
    writeFileSync(script, this.substitute(step.run, scope, label))
    const stepEnvValues = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, this.substitute(stringOf(v), scope, `${label} env.${k}`)]))
    const env = this.stepEnv({...stepEnvValues, ...files, ...(scope.actionPath ? {GITHUB_ACTION_PATH: scope.actionPath} : {})})
    const [command, ...args] = shell.replace('{0}', script).split(' ')
    const result = await runProcess(command, args, {cwd: this.options.workspace, env, timeoutMs: this.options.stepTimeoutMs ?? 600_000})
    for (const line of result.output.split('\n')) {
      const mask = /^::add-mask::(.*)$/.exec(line)
      if (mask) this.masked.push(mask[1])
    }
    const outcome = result.code === 0 ? 'success' : 'failure'
    this.steps.push({label, outcome, exitCode: result.code, output: result.output})
    if (outcome === 'failure' && !step['continue-on-error']) this.status = 'failure'
    Object.assign(this.env, parseFileCommand(readFileSync(files.GITHUB_ENV, 'utf8'), files.GITHUB_ENV))
    const added = readFileSync(files.GITHUB_PATH, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean)
    this.path.unshift(...added.reverse())
    return parseFileCommand(readFileSync(files.GITHUB_OUTPUT, 'utf8'), files.GITHUB_OUTPUT)
  }
}

interface Scope {
  inputs: Record<string, string>
  steps: Map<string, Record<string, string>>
  actionPath: string | undefined
}

interface Contexts {
  inputs: Record<string, string>
  steps: Map<string, Record<string, string>>
  github: Record<string, string>
  runner: Record<string, string>
  job: Record<string, string>
  env: Record<string, string>
  /** What success() and failure() see. */
  status: 'success' | 'failure'
}

function shellTemplate(shell: string, label: string): string {
  if (shell === 'bash') return 'bash --noprofile --norc -eo pipefail {0}'
  if (shell === 'sh') return 'sh -e {0}'
  throw new Error(`${label}: shell ${shell} is not supported here`)
}

/** GITHUB_ENV / GITHUB_OUTPUT: `NAME=value` lines and `NAME<<DELIMITER` … `DELIMITER` blocks. */
export function parseFileCommand(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (line === '') continue
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1)
      if (end < 0) throw new Error(`${file}: ${heredoc[1]}<<${heredoc[2]} has no closing ${heredoc[2]}`)
      out[heredoc[1]] = lines.slice(i + 1, end).join('\n')
      i = end
      continue
    }
    const eq = line.indexOf('=')
    if (eq <= 0) throw new Error(`${file}: invalid line ${JSON.stringify(line)} (GitHub fails the step on it)`)
    out[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return out
}

function stringOf(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

function truthy(value: unknown): boolean {
  return !(value === '' || value === false || value === null || value === undefined || value === 0)
}

// --- expressions: the small part of GitHub's expression language the action files and README use ---

type Token = {kind: 'op' | 'string' | 'number' | 'name' | 'paren'; text: string}

function tokenize(expression: string, label: string): Token[] {
  const tokens: Token[] = []
  const re = /\s*(?:(==|!=|&&|\|\||!)|'((?:[^']|'')*)'|(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_.-]*(?:\(\))?)|([()]))/y
  let at = 0
  while (at < expression.length) {
    if (/^\s*$/.test(expression.slice(at))) break
    re.lastIndex = at
    const m = re.exec(expression)
    if (!m) throw new Error(`${label}: cannot read the expression \${{ ${expression.trim()} }} at "${expression.slice(at).trim()}"`)
    at = re.lastIndex
    if (m[1]) tokens.push({kind: 'op', text: m[1]})
    else if (m[2] !== undefined) tokens.push({kind: 'string', text: m[2].replace(/''/g, '\'')})
    else if (m[3]) tokens.push({kind: 'number', text: m[3]})
    else if (m[4]) tokens.push({kind: 'name', text: m[4]})
    else tokens.push({kind: 'paren', text: m[5]})
  }
  return tokens
}

/** Evaluate `expression`; an unknown context, property, function or operator throws, naming the step. */
export function evaluate(expression: string, contexts: Contexts, label: string): unknown {
  const tokens = tokenize(expression, label)
  let i = 0
  const fail = (why: string): never => {
    throw new Error(`${label}: \${{ ${expression.trim()} }}: ${why} (the test runner knows inputs.*, steps.<id>.outputs.*, github.action_path, github.workspace, runner.temp/os/arch, job.status, env.*, ==, !=, &&, ||, !, always(), success(), failure(), cancelled())`)
  }
  const primary = (): unknown => {
    const t = tokens[i++]
    if (!t) return fail('it ends too early')
    if (t.kind === 'string') return t.text
    if (t.kind === 'number') return Number(t.text)
    if (t.kind === 'op' && t.text === '!') return !truthy(primary())
    if (t.kind === 'paren' && t.text === '(') {
      const v = or()
      if (tokens[i++]?.text !== ')') fail('a ( is not closed')
      return v
    }
    if (t.kind === 'name') return lookup(t.text)
    return fail(`unexpected ${t.text}`)
  }
  const lookup = (name: string): unknown => {
    if (name === 'true') return true
    if (name === 'false') return false
    if (name === 'null') return null
    if (name.endsWith('()')) {
      const status = contexts.status
      if (name === 'always()') return true
      if (name === 'success()') return status === 'success'
      if (name === 'failure()') return status === 'failure'
      if (name === 'cancelled()') return false
      return fail(`unknown function ${name}`)
    }
    const [context, ...rest] = name.split('.')
    const path = rest.join('.')
    switch (context) {
      case 'inputs':
        if (!(path in contexts.inputs)) return fail(`no input ${path}`)
        return contexts.inputs[path]
      case 'steps': {
        const m = /^([A-Za-z_][\w-]*)\.outputs\.([\w-]+)$/.exec(path)
        if (!m) return fail(`only steps.<id>.outputs.<name> is known, not steps.${path}`)
        if (!contexts.steps.has(m[1])) return ''
        return contexts.steps.get(m[1])![m[2]] ?? ''
      }
      case 'github':
      case 'runner':
      case 'job': {
        const values = contexts[context]
        if (!(path in values)) return fail(`unknown property ${name}`)
        return values[path]
      }
      case 'env':
        return contexts.env[path] ?? ''
      default:
        return fail(`unknown context ${context}`)
    }
  }
  const comparison = (): unknown => {
    let left = primary()
    while (tokens[i]?.kind === 'op' && (tokens[i].text === '==' || tokens[i].text === '!=')) {
      const op = tokens[i++].text
      const right = primary()
      // GitHub compares strings case-insensitively.
      const equal = typeof left === 'string' && typeof right === 'string' ? left.toLowerCase() === right.toLowerCase() : left === right
      left = op === '==' ? equal : !equal
    }
    return left
  }
  const and = (): unknown => {
    let left = comparison()
    while (tokens[i]?.text === '&&') {
      i++
      const right = comparison()
      left = truthy(left) ? right : left
    }
    return left
  }
  const or = (): unknown => {
    let left = and()
    while (tokens[i]?.text === '||') {
      i++
      const right = and()
      left = truthy(left) ? left : right
    }
    return left
  }
  const value = or()
  if (i < tokens.length) fail(`unexpected ${tokens[i].text}`)
  return value
}

export interface ProcessResult {code: number; output: string}

/** Run a process, stdout and stderr interleaved as a runner's log shows them; killed (its group) at the timeout. */
export function runProcess(command: string, args: string[], options: {cwd: string; env: Record<string, string>; timeoutMs: number}): Promise<ProcessResult> {
  return new Promise((resolvePromise, reject) => {
    if (!existsSync(options.cwd)) {
      reject(new Error(`working directory ${options.cwd} does not exist`))
      return
    }
    const child = spawn(command, args, {cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true})
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    const timer = setTimeout(() => {
      output += `\n[actions-runner] timed out after ${options.timeoutMs} ms: killed\n`
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
    }, options.timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolvePromise({code: code ?? (signal ? 128 : 1), output})
    })
  })
}
