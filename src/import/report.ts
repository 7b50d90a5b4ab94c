import type {IniSection} from './ini.js'

/**
 * The import's report: the kinds of note it makes about the source, and supervisord's own sections ([supervisord],
 * [inet_http_server]…), which change nothing in seaweed.yaml and so only become notes.
 */

/**
 * mistake: the source is wrong or unsafe and the import does not repeat it;
 * changed: carried over in another form (a new path, a port renumbered, a default made explicit);
 * dropped: no equivalent in seaweed.yaml.
 */
export type NoteSeverity = 'mistake' | 'changed' | 'dropped'

export interface ImportNote {
  severity: NoteSeverity
  /** file:line and section, e.g. "weed.conf:12 [program:weedfiler]". */
  where: string
  message: string
}

/** Adds a note to the report. */
export type Note = (severity: NoteSeverity, where: string, message: string) => void
/** "weed.conf:12 [program:weedfiler]": a section (at one of its lines) as the report names it. */
export type At = (s: IniSection, line?: number) => string

/** What seaweed.yaml accepts as a cluster name. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/

/** supervisord's defaults for [supervisord] keys; the daemon's own bookkeeping (its log, pid file…) is never listed. */
const SUPERVISORD_DAEMON_DEFAULTS: Record<string, string> = {minfds: '1024', minprocs: '200', nocleanup: 'false', strip_ansi: 'false', umask: '022'}
const SUPERVISORD_BOOKKEEPING = new Set(['logfile', 'logfile_maxbytes', 'logfile_backups', 'loglevel', 'pidfile', 'childlogdir', 'nodaemon', 'identifier', 'silent', 'directory'])

/** Notes on one of supervisord's own sections (not [program:…] nor [group:…]): none of them is carried over. */
export function noteOwnSection(section: IniSection, at: At, note: Note): void {
  const keys = section.entries.map((e) => e.key)
  const get = (k: string) => section.entries.find((e) => e.key === k)
  switch (section.name) {
    case 'include':
      return
    case 'inet_http_server': {
      const port = get('port')?.value ?? ''
      const host = port.includes(':') ? port.slice(0, port.lastIndexOf(':')) : ''
      const exposed = host === '' || host === '*' || !/^(127\.|localhost$|::1$)/.test(host)
      note('mistake', at(section), `a TCP control server on ${port || '(no port)'}${exposed ? ', reachable from other machines,' : ''} without encryption; not carried over (seaweedctl is controlled through a unix socket, mode 0600)`)
      if (get('password')) note('mistake', at(section, get('password')!.line), 'a plain-text password in the config file; not carried over (seaweedctl writes no password into any file)')
      return
    }
    case 'unix_http_server':
      // Its socket is supervisord's control plumbing; seaweedctl's daemon has its own (0600 in a 0700 directory).
      if (get('password')) note('mistake', at(section, get('password')!.line), 'a plain-text password in the config file; not carried over (seaweedctl writes no password into any file)')
      return
    case 'supervisorctl':
      if (get('password')) note('mistake', at(section, get('password')!.line), 'a plain-text password in the config file; not carried over (seaweedctl writes no password into any file)')
      return
    case 'supervisord': {
      const identifier = get('identifier')?.value
      // Only what would change how the processes run: not the daemon's own log and pid files, nor defaults.
      const dropped = keys.filter((k) => (k === 'identifier' ? !identifier || !NAME_PATTERN.test(identifier) : !SUPERVISORD_BOOKKEEPING.has(k)) && get(k)?.value !== SUPERVISORD_DAEMON_DEFAULTS[k])
      if (get('user')?.value === 'root') note('mistake', at(section, get('user')!.line), 'supervisord and every program run as root; seaweedctl runs weed as the user who runs it')
      if (dropped.length > 0) note('dropped', at(section), `${dropped.map((k) => `${k}=${get(k)?.value}`).join(', ')}: seaweedctl's daemon keeps its own pid, log and state in dataDir/run`)
      return
    }
    default:
      if (section.name.startsWith('rpcinterface:')) return
      note('dropped', at(section), `${keys.length > 0 ? `${keys.join(', ')}: ` : ''}supervisord's own setting, with no meaning for seaweedctl`)
  }
}
