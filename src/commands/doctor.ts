import {BaseCommand} from '../command-base/base-command.js'
import {EXIT} from '../lib/errors.js'
import {weedFlag} from '../command-base/weed-flag.js'
import type {DoctorReport} from '../services/doctor.js'

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override summary = 'check that this machine can run the cluster'
  static override description = [
    'Checks the weed binary and its version, that the plan\'s ports are free, the open-files limit, that dataDir can be written and has room for a full volume per volume server.',
    'Each failed check prints a fix. Exits 0 only if every check passes, 4 otherwise. Without a seaweed.yaml, checks the defaults of `cluster init`.',
  ].join('\n')
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static override flags = {...weedFlag}

  async run(): Promise<DoctorReport> {
    const {runDoctor} = await import('../services/doctor.js')
    const report = await runDoctor({file: this.flags.file, weed: this.flags.weed})
    const width = Math.max(...report.checks.map((c) => c.name.length))
    for (const check of report.checks) {
      this.say(`${check.ok ? 'ok  ' : 'FAIL'}  ${check.name.padEnd(width)}  ${check.detail}`)
      if (!check.ok && check.fix) this.say(`      ${' '.repeat(width)}  fix: ${check.fix}`)
    }
    const failed = report.checks.filter((c) => !c.ok).length
    this.say(failed === 0 ? 'all checks passed' : `${failed} check${failed === 1 ? '' : 's'} failed`)
    if (failed > 0) process.exitCode = EXIT.environment
    return report
  }
}
