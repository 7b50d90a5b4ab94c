import {BaseCommand} from '../command-base/base-command.js'
import type {MetricsTarget} from '../services/metrics.js'

export default class Metrics extends BaseCommand<typeof Metrics> {
  static override summary = 'list the Prometheus metrics endpoint of every process'
  static override description = 'Each process serves /metrics on its HTTP port + 5000, at its own address (loopback unless bind says otherwise). `seaweedctl export prometheus` writes a scrape configuration for them.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<{cluster: string; targets: MetricsTarget[]}> {
    const {planFromFile} = await import('../services/plan.js')
    const {metricsTargets, renderMetricsTargets} = await import('../services/metrics.js')
    const plan = planFromFile(this.flags.file, 'existing')
    const targets = metricsTargets(plan)
    this.say(renderMetricsTargets(plan, targets))
    return {cluster: plan.name, targets}
  }
}
