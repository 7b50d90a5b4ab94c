import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, rmSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'

import {Job} from './actions-runner.js'
import {pidsUnder, REPO} from './cli.js'

/**
 * Jobs for the Action's tests: each job a runner's fresh RUNNER_TEMP and workspace under `root`, PATH with node,
 * the AWS CLI and the system only (seaweedctl comes from the action's own install step, through GITHUB_PATH).
 * `seaweedfs/seaweedctl@REF` and `seaweedfs/seaweedctl/stop@REF` resolve to this checkout.
 */
export class ActionJobs {
  readonly prefix: string
  private count = 0
  private readonly jobs: Job[] = []

  constructor(readonly root: string) {
    // One seaweedctl install for every job of a test file: the first job installs, the others take the path a
    // second use of the action in one job takes (already installed from this action's directory).
    this.prefix = join(root, 'seaweedctl-prefix')
  }

  job(): Job {
    const n = ++this.count
    const workspace = join(this.root, `job-${n}`, 'workspace')
    mkdirSync(workspace, {recursive: true})
    const job = new Job({
      workspace,
      runnerTemp: join(this.root, `job-${n}`, 'runner-temp'),
      baseEnv: machineEnv({SEAWEEDCTL_PREFIX: this.prefix, SEAWEEDCTL_PORTS_DIR: join(this.root, 'ports')}),
      resolveAction: resolveThisAction,
      stepTimeoutMs: 600_000,
    })
    this.jobs.push(job)
    return job
  }

  /** After a test file: stop what a failed test left (seaweedctl down, then kill by pid), then delete everything. */
  async cleanup(): Promise<void> {
    for (const job of this.jobs) {
      const temp = job.stepEnv().RUNNER_TEMP
      if (!existsSync(temp)) continue
      for (const entry of readdirSync(temp)) {
        const file = join(temp, entry, 'seaweed.yaml')
        if (existsSync(file) && existsSync(join(this.prefix, 'bin', 'seaweedctl'))) {
          try {
            execFileSync(join(this.prefix, 'bin', 'seaweedctl'), ['down', '--purge', '--yes', '--file', file], {env: job.stepEnv(), stdio: 'ignore', timeout: 120_000})
          } catch {
            // killed below
          }
        }
      }
      for (const pid of pidsUnder(temp)) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // gone
        }
      }
    }
    rmSync(this.root, {recursive: true, force: true})
  }
}

export function resolveThisAction(uses: string): string | undefined {
  const m = /^seaweedfs\/seaweedctl(\/[\w./-]+)?@[\w./-]+$/.exec(uses)
  if (!m) return undefined
  return m[1] ? join(REPO, m[1].slice(1)) : REPO
}

/** The machine's environment for a step: node, the AWS CLI and the system's PATH; HOME for weed's and npm's caches. */
export function machineEnv(extra: Record<string, string> = {}): Record<string, string> {
  const dirs = [dirname(process.execPath), awsDir(), '/usr/local/bin', '/usr/bin', '/bin'].filter((d): d is string => Boolean(d))
  const env: Record<string, string> = {PATH: [...new Set(dirs)].join(':'), HOME: process.env.HOME ?? homedir(), LANG: 'C.UTF-8', ...extra}
  for (const k of ['XDG_CACHE_HOME', 'PYENV_ROOT', 'npm_config_cache', 'TMPDIR']) if (process.env[k]) env[k] = process.env[k]!
  return env
}

function awsDir(): string | undefined {
  try {
    return dirname(execFileSync('bash', ['-c', 'command -v aws'], {encoding: 'utf8'}).trim())
  } catch {
    return undefined
  }
}
