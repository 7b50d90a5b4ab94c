import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../command-base/base-command.js'
import {SeaweedctlError} from '../lib/errors.js'
import {sizingFlags, sizingFromFlags} from '../command-base/spec-flags.js'
import {parseDuration} from '../lib/units.js'
import type {DiffResult} from '../services/diff.js'
import type {UpResult} from '../services/up.js'

export default class Up extends BaseCommand<typeof Up> {
  static override summary = 'start the cluster and wait until it really serves'
  static override description = `Creates seaweed.yaml from the sizing flags if there is none, checks the plan (ports, replication, directories, weed), starts the supervisor daemon, starts masters → volume servers → filers → S3, and returns once every process is RUNNING (an S3 gateway once a signed request succeeds through it), the buckets exist, and a canary file written through the filer and through S3 reads back identical.\nWith S3 gateways, access keys are made once per cluster and kept 0600 in <dataDir>/run/s3/ ($AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY at up fix them); \`seaweedctl env\` prints them for test code.
Sizing flags only shape a new spec; on an existing one they must agree with it (use \`scale\` to change counts).
A new spec's weed.version is --weed-version, else the version of the binary given with --weed or $SEAWEEDCTL_WEED, else 4.48.
On failure or timeout it names the process and why, stops what it started, and exits non-zero.
On a running cluster it applies the file, touching only what differs (see \`seaweedctl diff\`): supervise/logs settings take effect without a restart, removed volume servers are drained first, changed processes restart one at a time (masters followers first and the leader last, then volume servers, filers, S3; a volume server only while every volume it holds has its other replicas listed), added ones start. A change of dataDir, bind or the master count is refused before anything is touched (exit 2). A restart that fails stops the change there, puts that process back on what it ran, and leaves the rest serving (exit 3).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --volumes 4',
    '<%= config.bin %> <%= command.id %> --volumes 2 --port-offset 1000 --timeout 90s',
    '<%= config.bin %> <%= command.id %> --volumes 2 --weed-version 4.30',
    '<%= config.bin %> <%= command.id %> --volumes 2 --s3 --bucket ci-data',
    '<%= config.bin %> <%= command.id %> --s3 --bucket photos --bucket logs,backups',
    '<%= config.bin %> <%= command.id %> --foreground',
    '<%= config.bin %> <%= command.id %> --volumes 2 --port-offset auto',
    '<%= config.bin %> <%= command.id %> --reuse',
  ]

  static override flags = {
    ...sizingFlags,
    weed: Flags.string({summary: 'the weed binary to run (default: $SEAWEEDCTL_WEED, the spec, the cache, PATH)'}),
    timeout: Flags.string({summary: 'give up (and stop what was started) after this long', default: '120s'}),
    wait: Flags.boolean({summary: 'wait until the cluster is ready', default: true, allowNo: true}),
    foreground: Flags.boolean({summary: 'supervise in this process instead of a detached daemon (containers, systemd)'}),
    install: Flags.boolean({summary: 'install the spec\'s weed version when none is found', default: true, allowNo: true}),
    'dry-run': Flags.boolean({summary: 'print what up would change on the running cluster (as `seaweedctl diff`) and change nothing'}),
    bucket: Flags.string({summary: 'create these S3 buckets before returning, with the spec\'s s3.buckets (repeatable, and each may be a comma list: --bucket a --bucket b,c)', multiple: true}),
    reuse: Flags.boolean({summary: 'if this spec\'s cluster is already running from the same plan, return it as it is (else fail); ignored when $CI is set'}),
  }

  async run(): Promise<UpResult | DiffResult> {
    if (this.flags['dry-run']) {
      const {diffExitCode, diffFile, renderDiff} = await import('../services/diff.js')
      const result = await diffFile(this.flags.file)
      this.say(renderDiff(result))
      process.exitCode = diffExitCode(result)
      return result
    }
    const timeoutMs = parseDuration(this.flags.timeout)
    if (timeoutMs === undefined || timeoutMs <= 0) {
      throw new SeaweedctlError('BAD_ARGUMENT', `--timeout ${this.flags.timeout} is not a duration; use e.g. 90s or 2m`)
    }
    const {bucketsFromFlag} = await import('../services/buckets.js')
    const buckets = bucketsFromFlag(this.flags.bucket)
    const {up} = await import('../services/up.js')
    const {upReporter} = await import('../ui/up-reporter.js')
    const reporter = await upReporter({json: this.jsonEnabled(), tty: Boolean(process.stdout.isTTY) && !process.env.CI, log: (l) => this.log(l)})
    const {interruptible, interruptNotice} = await import('../lib/interrupt.js')
    const run = (signal?: AbortSignal) => up({
      file: this.flags.file, weed: this.flags.weed, timeoutMs, wait: this.flags.wait, foreground: this.flags.foreground, install: this.flags.install, buckets, reuse: this.flags.reuse, signal,
      say: this.jsonEnabled() || process.stdout.isTTY ? undefined : (line) => this.log(`apply: ${line}`),
      ...sizingFromFlags(this.flags),
    }, reporter.event)
    let result: UpResult
    try {
      // Detached: Ctrl-C stops what this `up` started (a running cluster it was changing keeps running). In the
      // foreground the supervisor itself answers Ctrl-C by stopping the cluster.
      result = this.flags.foreground ? await run() : await interruptible(run, interruptNotice((line) => this.logToStderr(line)))
    } catch (error) {
      await reporter.fail(error as Error)
      throw error
    }
    await reporter.done(result)
    if (this.flags.foreground) {
      this.say('Supervising in the foreground; Ctrl-C (SIGINT) or SIGTERM stops the cluster.')
      await new Promise(() => {})
    }
    return result
  }
}
