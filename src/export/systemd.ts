import {KIND_ORDER, type Plan, type ProcessPlan, STARTS_AFTER} from '../plan/types.js'
import {summarisePlan} from '../services/plan.js'
import {OPEN_FILES_LIMIT, processDirectories} from './container.js'
import {argsWithFiles, type ProcessFileContents, planFiles, processFiles, unwrittenNote, writtenFiles} from './process-files.js'
import {fill, seconds, shellQuote, template} from './template.js'
import type {ExportFile, ExportOptions, ExportRendering} from './types.js'

const RESTART = {always: 'always', 'on-failure': 'on-failure', never: 'no'} as const

export const DEFAULT_SYSTEMD_USER = 'seaweedfs'
export const DEFAULT_SYSTEMD_WEED = '/usr/local/bin/weed'

export interface SystemdOptions extends ExportOptions {
  user: string
  group: string
}

export const INSTALL_SCRIPT = 'install.sh'

/** Where the install step puts the files the units' processes read. */
export function systemdFilesDir(plan: Plan): string {
  return `/etc/seaweedfs/${plan.name}`
}

export function unitName(plan: Plan, process?: ProcessPlan): string {
  return process ? `seaweed-${plan.name}-${process.name}.service` : `seaweed-${plan.name}.target`
}

/** How to create the dedicated account the units run as (printed in the target and by the command). */
export function accountCommand(user: string, group: string, home: string): string {
  return group === user
    ? `useradd --system --user-group --home-dir ${home} --no-create-home --shell /usr/sbin/nologin ${user}`
    : `groupadd --system ${group}; useradd --system --gid ${group} --home-dir ${home} --no-create-home --shell /usr/sbin/nologin ${user}`
}

/**
 * One service unit per process, a target that pulls them all in, and install.sh, which installs them and the
 * files their processes read (0600, owned by the account the units run as). Pure.
 */
export function renderSystemd(plan: Plan, options: SystemdOptions, contents: ProcessFileContents = {}): ExportRendering {
  const target = unitName(plan)
  const source = plan.specFile ?? 'command-line flags'
  const filesDir = systemdFilesDir(plan)
  const files: ExportFile[] = plan.processes.map((p) => {
    // After= every process of the kinds started before it (masters → volumes → filers → s3).
    const before = KIND_ORDER.slice(0, KIND_ORDER.indexOf(p.kind))
    const deps = plan.processes.filter((q) => before.includes(q.kind)).map((q) => unitName(plan, q))
    const depList = deps.length > 0 ? ` ${deps.join(' ')}` : ''
    // Requires= what it needs to work when that is one process: a single master, or the only filer of an S3 gateway.
    const needed = STARTS_AFTER[p.kind].map((kind) => plan.processes.filter((q) => q.kind === kind)).filter((list) => list.length === 1).flat()
    return {
      path: unitName(plan, p),
      kind: 'systemd-service',
      content: fill(template('systemd/process.service'), {
        kind: p.kind,
        process: p.name,
        name: plan.name,
        source,
        target,
        after: depList,
        wants: depList,
        requires: needed.length > 0 ? `Requires=${needed.map((q) => unitName(plan, q)).join(' ')}\n` : '',
        user: unitWord(options.user),
        group: unitWord(options.group),
        dirs: unitWords(processDirectories(plan, p)),
        cwd: unitWord(p.cwd),
        execStart: unitWords([options.weedPath, ...argsWithFiles(p.args, processFiles(p, contents), (f) => `${filesDir}/${f.name}`)]),
        nofile: OPEN_FILES_LIMIT,
        environment: Object.entries(p.env).map(([k, v]) => `Environment=${unitWord(`${k}=${v}`)}`).join('\n'),
        restart: RESTART[plan.supervise.restart],
        startTimeout: seconds(plan.supervise.startTimeoutMs),
        stopTimeout: seconds(p.stopTimeoutMs),
        dataDir: plan.dataDir,
      }),
    }
  })
  files.push({
    path: target,
    kind: 'systemd-target',
    content: fill(template('systemd/cluster.target'), {
      name: plan.name,
      summary: summarisePlan(plan),
      source,
      target,
      user: options.user,
      group: options.group,
      dataDir: plan.dataDir,
      weed: options.weedPath,
      account: accountCommand(options.user, options.group, plan.dataDir),
      addressing: addressingNote(plan),
      units: plan.processes.map((p) => unitName(plan, p)).join(' '),
      filesDir,
    }),
  })
  const inputs = planFiles(plan, contents)
  files.push(installScript(plan, options, files.map((f) => f.path), inputs.map((f) => f.name)))
  return {
    files: [...files, ...writtenFiles(inputs)],
    prerequisites: [],
    notes: [`the units run as ${options.user}:${options.group}; create the account on the target host first: ${accountCommand(options.user, options.group, plan.dataDir)}`, ...unwrittenNote(inputs)],
  }
}

/**
 * The install step: units into /etc/systemd/system, the files processes read into systemdFilesDir (a 0750
 * directory of root and the units' group; each file 0600, owned by the units' user). Honours $DESTDIR.
 */
function installScript(plan: Plan, options: SystemdOptions, units: string[], inputs: string[]): ExportFile {
  const dir = systemdFilesDir(plan)
  const q = (path: string) => `"${path}"`
  const lines = inputs.length === 0 ? ['# No process reads a file of its own.'] : [
    // Each level of the directory explicitly: `install -d` would make the parents with the caller's umask.
    `install -d -m 0755 ${q(`$DESTDIR${dir.slice(0, dir.lastIndexOf('/'))}`)}`,
    `install -d -o root -g ${shellQuote(options.group)} -m 0750 ${q(`$DESTDIR${dir}`)}`,
    ...inputs.map((name) => `install -o ${shellQuote(options.user)} -g ${shellQuote(options.group)} -m 0600 ${q(`$here/${name}`)} ${q(`$DESTDIR${dir}/${name}`)}`),
  ]
  return {
    path: INSTALL_SCRIPT,
    kind: 'install-script',
    mode: 0o755,
    content: fill(template('systemd/install.sh'), {
      name: plan.name,
      filesDir: dir,
      user: options.user,
      group: options.group,
      account: accountCommand(options.user, options.group, plan.dataDir),
      target: unitName(plan),
      units: units.map((u) => `install -m 0644 ${q(`$here/${u}`)} ${q(`$DESTDIR/etc/systemd/system/${u}`)}`).join('\n'),
      files: lines.join('\n'),
    }),
  }
}

/**
 * Every unit runs on one host, so the plan's addresses hold as they are. On loopback the cluster serves this
 * host only, and its volume servers may copy from one another (loopback peers, weed refuses them otherwise);
 * a routable bind gets neither relaxation from the planner.
 */
function addressingNote(plan: Plan): string {
  const loopback = plan.processes.some((p) => p.args.includes('-volume.allowUntrustedRemoteEndpoints=true'))
  return loopback
    ? 'Addresses as in seaweed.yaml: loopback, so the cluster serves this host only (set bind to the host\'s address to serve others).\n# On loopback the volume servers accept copies from loopback peers (-volume.allowUntrustedRemoteEndpoints), as locally.'
    : 'Addresses as in seaweed.yaml (bind); every process of the cluster runs on this one host.'
}

/** A word on an Exec= line: systemd splits on spaces, honours quotes, and expands % and $. */
export function unitWord(word: string, exec = false): string {
  const escaped = exec ? word.replaceAll('%', '%%').replaceAll('$', '$$$$') : word.replaceAll('%', '%%')
  if (/^[A-Za-z0-9_./=:,@+-]+$/.test(escaped)) return escaped
  return `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
}

function unitWords(words: string[]): string {
  return words.map((w) => unitWord(w, true)).join(' ')
}
