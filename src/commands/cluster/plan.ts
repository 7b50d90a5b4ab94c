import {BaseCommand} from '../../lib/base-command.js'
import type {Plan} from '../../plan/types.js'

export default class ClusterPlan extends BaseCommand<typeof ClusterPlan> {
  static override summary = 'show the processes, ports and directories the spec becomes'
  static override description = 'Exits non-zero, naming the problem, when the plan is impossible (port collisions, replication the topology cannot place, ports in use, directories that cannot be written).'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<Plan> {
    const {planFromFile, renderPlan} = await import('../../services/plan.js')
    const {preflight} = await import('../../plan/preflight.js')
    const {runningPorts} = await import('../../services/cluster.js')
    const plan = planFromFile(this.flags.file)
    preflight(plan, {ownPorts: await runningPorts(plan)})
    this.say(renderPlan(plan))
    return plan
  }
}
