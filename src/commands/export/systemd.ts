import * as Flags from '@oclif/core/flags'

import type {ExportRequest} from '../../export/types.js'
import {ExportCommand} from '../../command-base/export-command.js'
import {exportFlags} from '../../command-base/export-flags.js'

export default class ExportSystemd extends ExportCommand {
  static override summary = 'render systemd units for the cluster'
  static override description = "One service unit per process and a target that starts them all, for a real host: each runs as a dedicated account (--user, default seaweedfs; the command prints how to create it), keeps its data under --data-dir (default /var/lib/seaweedfs/NAME; a temporary directory is refused without --force) and runs --weed-path (default /usr/local/bin/weed). Kinds are ordered with After= (masters, volume servers, filers, S3) and Requires= on a single process they cannot work without; directories are created and owned before start; TimeoutStopSec exceeds the graceful stop; LimitNOFILE=65536. install.sh installs the units and the files they read (the S3 identities, keys new for this export, mode 0600, owned by --user) into /etc/seaweedfs/NAME; it honours DESTDIR."
  static override examples = [
    '<%= config.bin %> <%= command.id %> --user seaweedfs --data-dir /srv/seaweedfs -o units/ && sudo sh units/install.sh',
    '<%= config.bin %> <%= command.id %> --weed-path /opt/seaweedfs/weed -o out/ --json',
  ]

  static override flags = {
    ...exportFlags,
    user: Flags.string({summary: 'the account the units run as (default: seaweedfs)'}),
    group: Flags.string({summary: 'the group the units run as (default: the user\'s name)'}),
    'data-dir': Flags.string({summary: 'where the data lives on the target host (default: /var/lib/seaweedfs/NAME)'}),
    'weed-path': Flags.string({summary: 'the weed executable on the target host (default: /usr/local/bin/weed)', aliases: ['weed']}),
  }

  protected readonly target = 'systemd'

  protected override extra(flags: Record<string, unknown>): Partial<ExportRequest> {
    return {user: flags.user as string | undefined, group: flags.group as string | undefined, dataDir: flags['data-dir'] as string | undefined, weed: flags['weed-path'] as string | undefined}
  }
}
