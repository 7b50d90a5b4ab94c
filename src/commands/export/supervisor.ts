import {ExportCommand} from '../../command-base/export-command.js'
import {exportFlags, weedFlag} from '../../command-base/export-flags.js'

export default class ExportSupervisor extends ExportCommand {
  static override summary = 'render a supervisord config for the cluster'
  static override description = "One [program] per process, started in order by priority (masters, volume servers, filers, S3), each creating its data directory and exec-ing weed with a clean environment; logs rotate; stop timeouts exceed each process's graceful stop; control through a 0700 unix socket, never a password. With -o, also creates the socket and log directories supervisord needs before it starts, and writes the S3 identities (keys new for this export) beside the config as s3-identities.json (mode 0600), which the gateways read through %(here)s."
  static override examples = ['<%= config.bin %> <%= command.id %> -o out/ && supervisord -c out/supervisord.conf', '<%= config.bin %> <%= command.id %> -o out/ --json']

  static override flags = {
    ...exportFlags,
    ...weedFlag,
  }

  protected readonly target = 'supervisor'
}
