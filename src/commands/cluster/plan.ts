import {BaseCommand} from '../../command-base/base-command.js'
import type {Plan} from '../../plan/types.js'

export default class ClusterPlan extends BaseCommand<typeof ClusterPlan> {
  static override summary = 'show the processes, ports and directories the spec becomes'
  static override description = 'Exits non-zero, naming the problem, when the plan is impossible (port collisions, replication the topology cannot place, ports in use, a bind that is no address of this machine, a file the spec names that does not exist, directories that cannot be written).'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<Plan> {
    const {checkedPlan, renderPlan} = await import('../../services/plan.js')
    const plan = await checkedPlan(this.flags.file)
    this.say(renderPlan(plan))
    return plan
  }
}
