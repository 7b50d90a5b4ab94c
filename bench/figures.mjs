// The figures of the report, built from each benchmark's JSON result. A figure is a table of rows (label and one
// value per round), optionally a ratio taken pair by pair within each round (subject / baseline of the same round,
// so both saw the same machine), and a target on the ratio or on one row, judged on the median.

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** subject against baseline, round by round; `max` is the ratio target (undefined: no target). */
export function pairFigure({title, unit, subject, baseline, max, targetNote, note, bound, extraRows = []}) {
  const [subjectLabel, subjectValues] = subject
  const [baselineLabel, baselineValues] = baseline
  const ratios = subjectValues.map((v, i) => v / baselineValues[i])
  // For times, what the subject adds over its baseline, pair by pair: a constant difference is a fixed cost.
  const difference = ['s', 'ms'].includes(unit) ? [{label: `${subjectLabel} − ${baselineLabel}`, values: subjectValues.map((v, i) => v - baselineValues[i])}] : []
  return {
    title, unit, note, bound,
    rows: [{label: subjectLabel, values: subjectValues}, {label: baselineLabel, values: baselineValues}, ...difference, ...extraRows.map(([label, values]) => ({label, values}))],
    ratio: {label: `${subjectLabel} / ${baselineLabel}`, values: ratios},
    target: max === undefined ? undefined : {on: 'ratio', max, text: `≤ ${max}×${targetNote ? ` (${targetNote})` : ''}`},
  }
}

/** Values without a baseline; `target` is {row, max} or {row, min} on the median of that row. */
export function valueFigure({title, unit, rows, target, note, bound}) {
  return {
    title, unit, note, bound,
    rows: rows.map(([label, values]) => ({label, values})),
    target: target && {on: target.row, max: target.max, min: target.min, text: target.text ?? (target.max !== undefined ? `${rows[target.row][0]} ≤ ${target.max} ${unit}` : `${rows[target.row][0]} ≥ ${target.min} ${unit}`)},
  }
}

/** The value a figure's target is judged on, and whether it is met; undefined without a target. */
export function judge(figure) {
  const t = figure.target
  if (!t) return undefined
  const values = t.on === 'ratio' ? figure.ratio.values : figure.rows[t.on].values
  const value = median(values)
  const met = t.max !== undefined ? value <= t.max : value >= t.min
  return {value, met, unit: t.on === 'ratio' ? '×' : ` ${figure.unit}`}
}

const seconds = (ms) => ms.map((x) => x / 1000)

/** bench/up.sh VOLUMES: seaweedctl up against the ordered plain script. */
export const upFigures = (r) => [pairFigure({
  title: `\`up --volumes ${r.volumes}\` (${r.volumes + 2} processes) vs the same processes started in order by a plain script`, unit: 's',
  subject: [`seaweedctl up --volumes ${r.volumes}`, r.upS], baseline: ['ordered script', r.scriptS], max: r.volumes === 32 ? 1.2 : 1.15,
  targetNote: r.volumes === 32 ? '#16' : '#24',
  extraRows: r.spawnS?.length ? [['up: from its start until master-1 is spawned', r.spawnS], ['node -e 0', r.nodeS]] : [],
  bound: r.spawnS?.length
    ? `seaweedctl's fixed cost before weed starts at all. The script spawns its master at once; \`up\` spawns it ${median(r.spawnS).toFixed(2)} s after its own start (median; the daemon log's spawn time), of which ${median(r.nodeS).toFixed(2)} s is a bare \`node -e 0\`, the floor of any Node CLI, and the rest is loading the CLI (oclif and the bundled up), reading and planning the spec, and handing the plan to the daemon started beside it. That gap alone is ${median(r.spawnS.map((x, i) => (r.scriptS[i] + x) / r.scriptS[i])).toFixed(2)}× the script; the canary through the filer comes on top. At 32 volume servers the same fixed cost weighs less.`
    : 'seaweedctl\'s own fixed costs on top of weed\'s start (the difference row): starting node and the CLI, starting the daemon, its canary write through the filer. Compare the difference at 4 and at 32 volume servers: a cost that does not grow with the cluster weighs most on the smallest.',
  note: 'Both to a first write through the filer that reads back; the script (bench/baseline-cluster.sh) starts the master, waits for its leader, then the volume servers and the filer, polling every 50 ms.',
})]

export const apiStartFigures = (r) => [
  pairFigure({title: '`startCluster()` API (1 master, 4 volume servers, 1 filer) vs the ordered script', unit: 's', subject: ['startCluster()', r.apiS], baseline: ['ordered script', r.scriptApiS], max: 1.05, targetNote: '#24',
    extraRows: r.apiSpawnS?.length ? [['startCluster(): from the call until master-1 is spawned', r.apiSpawnS]] : [],
    bound: r.apiSpawnS?.length
      ? `the daemon's own start. The script spawns its master at once; startCluster() spawns it ${median(r.apiSpawnS).toFixed(2)} s after the call (median; the daemon log's spawn time): the daemon is a Node process of its own (it outlives the caller), started as the call begins, and the plan waits until it listens. That gap alone is ${median(r.apiSpawnS.map((x, i) => (r.scriptApiS[i] + x) / r.scriptApiS[i])).toFixed(2)}× the script; the canary through the filer comes on top.`
      : 'the fixed costs of up without the CLI\'s own start (the difference row): starting the daemon and its canary write through the filer.'}),
]

export const statusFigures = (r) => [pairFigure({
  title: `\`status\` with ${r.processes} processes vs \`node -e 0\``, unit: 'ms',
  subject: ['seaweedctl status', r.statusMs], baseline: ['node -e 0', r.nodeMs], max: 1.5, targetNote: '#16',
  extraRows: r.floorMs?.length ? [['a bare node asking the daemon (bench/status-floor.cjs)', r.floorMs]] : [],
  note: 'Interleaved pairs, each timed from the shell around the whole process.',
  bound: r.floorMs?.length
    ? `node's own start and its HTTP client. A bare CommonJS node that only asks the daemon for the status and parses it takes ${median(r.floorMs.map((x, i) => x / r.nodeMs[i])).toFixed(2)}× \`node -e 0\` (median, pair by pair): loading node:http and one request with the state of every process. \`status\` is ${median(r.statusMs.map((x, i) => x / r.floorMs[i])).toFixed(2)}× that floor; the rest is its ES module entry, reading the spec and rendering the table.`
    : 'node\'s own start is the baseline; the difference row is loading the CLI and one request to the daemon for the state of every process.',
})]

export const scaleFigures = (r) => [pairFigure({
  title: '`scale volume 4 → 16` vs 12 plain volume servers started at once until the master lists them', unit: 's',
  subject: ['seaweedctl scale volume 16', r.scaleS], baseline: ['12 plain volume servers', r.rawS], max: 1.2, targetNote: '#24',
  bound: 'a fixed cost over weed\'s own start of the 12 servers (the difference row): the CLI\'s start, the spec edit and plan, and the daemon starting the new servers and confirming each listed by the master.',
})]

export const scaleDownFigures = (r) => [pairFigure({
  title: '`scale volume 2` from 4 (replication 001, 60 files of 30 KB) vs weed\'s own two `volumeServer.evacuate -apply` on the same layout', unit: 's',
  subject: ['seaweedctl scale volume 2', r.scaleDownS], baseline: ['weed: evacuate 4th, then 3rd', r.evacuateS], max: 0.6, targetNote: '#24',
  extraRows: [['volume copies on the two servers', r.volumesMoved], ...(r.beforeS ? [['an earlier build, scale volume 2', r.beforeS]] : [])],
  note: 'Both sides read every file back afterwards. weed moves one volume at a time, and evacuating servers one after the other can move a volume twice; seaweedctl moves each copy once, onto a server that stays, several at a time.',
  bound: 'one move is weed\'s volume.move: copy, then a tail that ends only after the source has been idle for 5 polls 2 s apart (weed/server/volume_grpc_tail.go), so ≥ 10 s however small the volume; seaweedctl runs the moves together, so its drain is about one move plus the CLI\'s start, weed\'s dry run, maintenance mode and stopping the two servers.',
})]

export function s3Figures(r) {
  const script = r.scriptUp?.length ? seconds(r.scriptUp) : undefined
  const ratio = (a, b) => median(a.map((x, i) => x / b[i])).toFixed(2)
  const figures = [
    pairFigure({title: '`up --volumes 2 --s3 --bucket bkt` vs `weed mini -s3 -bucket bkt`, to a signed PutObject', unit: 's', subject: ['seaweedctl up --s3', seconds(r.ctlUp)], baseline: ['weed mini', seconds(r.miniUp)], max: 1.0, targetNote: '#24',
      extraRows: script ? [['ordered script, the same 5 processes', script]] : [],
      bound: script
        ? `the layout. weed mini is one process; \`up --s3\` runs five (master, 2 volume servers, filer, S3 gateway). A plain script that starts those five in order (bench/baseline-cluster.sh: the master, then the other four at once when it leads, then polling every 10 ms to create the bucket and PUT) takes ${ratio(script, seconds(r.miniUp))}× weed mini, pair by pair: starting the five-process layout, with nothing of seaweedctl's, does not reach 1.0×. seaweedctl is ${ratio(seconds(r.ctlUp), script)}× that script; what it adds is the fixed cost of up (see the up figure) and its canary through the filer and S3.`
        : 'weed mini is one process; seaweedctl starts five in order (master, then volume servers, then the filer, then the S3 gateway, each when what it needs is ready) and proves the gateway with a signed request, plus the fixed costs of up (see the up figure).'}),
    pairFigure({title: '`down` (5 processes) vs SIGTERM to `weed mini` until it exits', unit: 's', subject: ['seaweedctl down', seconds(r.ctlDown)], baseline: ['weed mini stop', seconds(r.miniDown)], max: 1.0, targetNote: 'first release'}),
    pairFigure({title: '`down --purge --yes` (5 processes) vs SIGTERM to `weed mini` until it exits', unit: 's', subject: ['seaweedctl down --purge --yes', seconds(r.ctlPurge)], baseline: ['weed mini stop', seconds(r.miniDown)], max: 1.0, targetNote: 'first release'}),
  ]
  const f = r.filerRestart ?? {}
  if (f.withNetAdmin && f.withoutNetAdmin) {
    figures.push(valueFigure({
      title: '`restart filer-1`: write outage through the filer, and `down`, with and without CAP_NET_ADMIN', unit: 's',
      rows: [['outage with CAP_NET_ADMIN', [f.withNetAdmin.outageMs / 1000]], ['outage without', [f.withoutNetAdmin.outageMs / 1000]], ['down with CAP_NET_ADMIN', [f.withNetAdmin.downMs / 1000]], ['down without', [f.withoutNetAdmin.downMs / 1000]]],
      note: 'One run each. Without CAP_NET_ADMIN the filer sits out weed\'s 15 s gRPC graceful-stop timeout (seaweedfs-ops.md §13.1).',
    }))
  }
  return figures
}

export function downFigures(r) {
  const slowest = r.downMs.map((_, i) => Math.max(r.masterMs[i], r.volumeMs[i], r.filerMs[i]) / 1000)
  return [pairFigure({
    title: `\`down\` of ${r.processes} processes vs the slowest single process's own graceful stop`, unit: 's',
    subject: ['seaweedctl down', seconds(r.downMs)], baseline: ['slowest own stop', slowest], max: 1.2, targetNote: '#16',
    extraRows: [['plain master SIGTERM → exit', seconds(r.masterMs)], ['plain volume server, -preStopSeconds=1', seconds(r.volumeMs)], ['plain filer', seconds(r.filerMs)]],
    note: 'Both clusters ran 10 s first, so the filer\'s self-subscription is open (a younger filer stops in ~1 s). The filer is the slowest: weed\'s gRPC graceful stop waits 15 s for it; `down` resets that loopback stream when it has CAP_NET_ADMIN (these runs had it).',
  })]
}

export const recoveryFigures = (r) => [
  pairFigure({
    title: 'Recovery after kill -9 of a volume server: to RUNNING under a new pid and listed by the master', unit: 's',
    subject: ['kill -9 → RUNNING and listed', seconds(r.kill9Ms)], baseline: ['plain volume server start → listed', seconds(r.plainStartMs)],
    note: 'No target. The exit is seen at once; the restart waits the first delay of the restart backoff (1 s, then 2 s, 4 s… while a process keeps dying young), then weed starts. Polled through `status --json` (~0.2 s a poll).',
  }),
  valueFigure({
    title: 'Recovery after SIGSTOP of a volume server: restarted, RUNNING and listed', unit: 's', rows: [['SIGSTOP → RUNNING and listed', seconds(r.sigstopMs)]],
    note: `No target. Policy: healthInterval ${r.policy.healthInterval}, unhealthyThreshold ${r.policy.unhealthyThreshold}: the master keeps listing a stopped server, only the liveness probe sees it, so the figure is at least ${r.policy.unhealthyThreshold} failed probes (each up to its timeout) plus the stop and a restart. It scales with healthInterval × unhealthyThreshold.`,
  }),
]

export const failoverFigures = (r) => [pairFigure({
  title: 'Leader failover: kill -9 of the leading master (3 masters), longest write outage through the filer, vs weed\'s own floor', unit: 's',
  subject: ['supervised', seconds(r.supervisedMs)], baseline: ['supervisor frozen (SIGSTOP)', seconds(r.floorMs)], max: 1.5, targetNote: 'test/e2e/failover.test.ts',
  note: 'Writes every 50 ms; the outage is the longest gap between acknowledged writes until they are steady for 3 s. The floor freezes the daemon during the fault, so nothing restarts anything.',
})]

export function daemonFigures(r) {
  const big = r.processes >= 34
  return [
    valueFigure({title: `Daemon RSS while idle, ${r.processes} processes, probing every 2 s`, unit: 'MB', rows: [['RSS', r.rssMB], ['own (anonymous) memory', r.anonMB], ...(r.bareRssMB?.length ? [['RSS above a bare idle node measured beside it', r.rssMB.map((x, i) => x - (r.bareRssMB[i] ?? r.bareRssMB[0]))]] : []),
      ...(r.bareAnonMB?.length ? [['of which own (anonymous) memory', r.anonMB.map((x, i) => x - r.bareAnonMB[i])], ['of which the node executable\'s file pages', r.rssMB.map((x, i) => x - r.anonMB[i] - (r.bareRssMB[i] - r.bareAnonMB[i]))]] : [])],
      target: big && r.bareRssMB?.length ? {row: 2, max: 10, text: 'RSS within 10 MB of a bare idle node (#24)'} : undefined,
      bound: 'an idle bare Node process already holds most of that RSS (node-floor\'s RSS row), nearly all of it the node executable\'s own file pages: that part is the floor of any Node daemon on the machine. Above a bare node, the last two rows split the difference: the daemon\'s own memory, which it can cut, and more of the node executable\'s file pages (the code of node:http, node:net, child processes and the rest that a bare node never runs), which are shared with every Node process on the machine and which the kernel can drop and read back; only a daemon that uses less of Node can lower those.'}),
    valueFigure({title: `Daemon CPU while idle, ${r.processes} processes, probing every 2 s`, unit: '% of a core', rows: [['CPU', r.cpuPercent]], target: big ? {row: 0, max: 0.5, text: '≤ 0.5 % of a core (#16, #24)'} : undefined,
      note: 'All the daemon\'s threads, from /proc/<pid>/task/*/schedstat over each window.',
      bound: 'the daemon\'s own probing (compare daemon-6, the same daemon with 6 processes, and node-floor, an idle bare Node process): what #16 items 1 and 2 (one topology read per interval, a lighter daemon) change.'}),
  ]
}

export const nodeFloorFigures = (r) => [valueFigure({
  title: 'An idle bare Node process (`node -e \'setInterval(() => {}, 2000)\'`): the floor under the daemon\'s figures', unit: 'MB',
  rows: [['RSS', r.rssMB], ['own (anonymous) memory', r.anonMB], ['CPU (% of a core)', r.cpuPercent]],
  note: 'No target. Most of any Node process\'s RSS is the node executable\'s own file pages; the daemon can only cut what it adds above this.',
})]

export function logFigures(r) {
  const paced = r.paced50
  const full = r.fullSpeed
  return [
    valueFigure({
      title: 'Log capture: a writer paced at 50 MB/s, by where its output goes', unit: 'MB/s',
      rows: [['rotating log (as the daemon does it)', paced.rotating.mbps], ['plain log file', paced.file.mbps], ['/dev/null', paced['/dev/null'].mbps], ['longest single write while rotating (ms)', paced.rotating.maxWriteMs]],
      target: {row: 0, min: 49.5, text: 'keeps 50 MB/s while rotating (≥ 49.5 MB/s)'},
    }),
    pairFigure({title: 'Log capture at full speed: rotating log vs /dev/null', unit: 'MB/s', subject: ['rotating log', full.rotating.mbps], baseline: ['/dev/null', full['/dev/null'].mbps], extraRows: [['plain log file', full.file.mbps]],
      note: 'No target: the ratio shows what capturing costs a writer that writes as fast as it can.'}),
  ]
}

export const dashboardFigures = (r) => [valueFigure({
  title: 'Daemon CPU while idle with the dashboard open in chromium (6 processes)', unit: '% of a core',
  rows: [['dashboard open', r.withPage], ['no page', r.withoutPage]], target: {row: 0, max: 1, text: '≤ 1 % of a core with the page open'},
})]

/** bench/node-startup.mjs: one figure per Node major, each command with and without the module compile cache. */
export const nodeStartupFigures = (r) => Object.entries(r).map(([version, t]) => valueFigure({
  title: `CLI start-up on Node ${version}: \`--version\` (oclif) and \`status\` of a stopped cluster (fast path)`, unit: 'ms',
  rows: [
    ['--version, compile cache', t.versionCachedMs], ['--version, no cache', t.versionMs], ['status, compile cache', t.statusCachedMs], ['status, no cache', t.statusMs],
    ['--version, compile cache: CPU', t.versionCachedCpuMs], ['--version, no cache: CPU', t.versionCpuMs], ['status, compile cache: CPU', t.statusCachedCpuMs], ['status, no cache: CPU', t.statusCpuMs],
  ],
  note: version.startsWith('v20.') ? 'No target. Node 20 has no module compile cache: both rows of a command run the same code.' : 'No target. "no cache" is NODE_DISABLE_COMPILE_CACHE=1; the cache (bin/run.js enables it) was filled by one run first.',
}))
