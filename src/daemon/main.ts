/**
 * The supervisor daemon: `node dist/daemon/main.cjs RUN_DIR` (this file and what it loads, bundled by
 * scripts/bundle.mjs). Started detached by `up` (or run in the foreground by `up --foreground`). Serves JSON
 * over HTTP on a 0600 unix socket; no TCP listener until `seaweedctl dashboard` asks for its page (127.0.0.1
 * only, token-protected: src/dashboard/).
 * Kept free of the CLI's heavy imports so it is up and starting weed within a few tens of milliseconds.
 */
import {chmodSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync} from 'node:fs'
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import {dirname, join} from 'node:path'

import {SeaweedctlError} from '../lib/errors.js'
import {writeFileAtomic} from '../lib/fs-atomic.js'
import {closeLoopbackConnections} from '../lib/loopback-http.js'
import {systemClock} from '../supervisor/clock.js'
import {rotateIfLarge} from '../supervisor/log-rotation.js'
import {ProcessLauncher} from '../supervisor/launcher.js'
import {ownOrigins, runProbe} from '../supervisor/probes.js'
import {FILER_STOP_NOTES, hastenFilerStop} from '../supervisor/filer-stop.js'
import {procIdentity} from '../supervisor/proc.js'
import {Supervisor} from '../supervisor/supervisor.js'
import {claimSupervision} from './claim.js'
import {registerCluster, registryDir, unregisterCluster} from './registry.js'
import {type ClusterOwner, DAEMON_FILE, DAEMON_LOG, type DaemonLaunchFile, PLAN_FILE, type ProcessWeed, type ReplaceRequest} from './protocol.js'

export async function runDaemon(runDir: string): Promise<void> {
  const launch = JSON.parse(readFileSync(join(runDir, PLAN_FILE), 'utf8')) as DaemonLaunchFile
  const {plan} = launch
  // Before anything else (the socket, the state): a second supervisor of one cluster is never started.
  const claim = claimSupervision(runDir)
  if (!claim.claimed) {
    throw new SeaweedctlError('CLUSTER_LOCKED', `cluster "${plan.name}" is already supervised by the daemon with pid ${claim.holder.pid} (since ${claim.holder.since}); nothing was changed.`, {
      hints: ['See it with: seaweedctl status', `Stop it with: seaweedctl down, or take over after it is gone (kill ${claim.holder.pid})`],
      data: {holder: claim.holder},
    })
  }
  process.once('exit', claim.release)
  const note = (line: string) => console.log(`${new Date().toISOString()} ${line}`)
  note(`daemon pid ${process.pid} supervises cluster "${plan.name}" (${plan.processes.length} processes)`)
  const supervisor = new Supervisor(plan, {
    log: note,
    launcher: new ProcessLauncher(), probe: runProbe, clock: systemClock, weedPath: launch.weedPath, weeds: launch.weeds,
    // No kept-open connection to a process that stops, from now until well after it is back (see loopback-http.ts).
    beforeStopSignal: (process) => closeLoopbackConnections(ownOrigins(process.liveness), process.stopTimeoutMs + 30_000),
    afterStopSignal: (process, stopping) => {
      if (process.kind !== 'filer') return
      void hastenFilerStop(process, {alive: stopping}).then((outcome) => {
        if (outcome !== 'reset') console.log(`${new Date().toISOString()} ${process.name}: ${FILER_STOP_NOTES[outcome]}`)
      })
    },
  })
  const registry = launch.registryDir ?? registryDir()
  const me = procIdentity(process.pid)
  const register = (): void => {
    const current = supervisor.plan
    registerCluster(registry, {
      name: current.name, specFile: current.specFile ?? null, runDir, dataDir: current.dataDir, socketPath: current.socketPath,
      daemon: {pid: process.pid, startTime: me?.startTime ?? 0}, endpoints: current.endpoints, updatedAt: new Date().toISOString(),
    })
  }
  // A daemon started after a crash must supervise what runs now (each process's own plan and weed), not what `up`
  // wrote, and keep the promises made to the cluster's owner (stopOnExit) and where the registry is.
  const record = (): void => {
    const running: DaemonLaunchFile = {...supervisor.runningPlan(), ...(launch.owner ? {owner: launch.owner} : {}), registryDir: registry}
    writeFileAtomic(join(runDir, PLAN_FILE), `${JSON.stringify(running)}\n`, 0o600)
    register()
  }

  const socketDir = dirname(plan.socketPath)
  mkdirSync(socketDir, {recursive: true, mode: 0o700})
  chmodSync(socketDir, 0o700)
  rmSync(plan.socketPath, {force: true})

  let shuttingDown: Promise<void> | undefined
  const shutdown = (): Promise<void> => {
    shuttingDown ??= (async () => {
      note('stopping every process')
      await supervisor.stopAll()
      supervisor.forget()
      note('daemon exits: every process stopped')
      server.close()
      rmSync(plan.socketPath, {force: true})
      rmSync(join(runDir, DAEMON_FILE), {force: true})
      unregisterCluster(registry, runDir, process.pid)
      claim.release()
    })()
    return shuttingDown
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => reply(res, 500, {error: {code: 'INTERNAL', message: error.message}}))
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://daemon')
    const route = `${req.method} ${url.pathname}`
    switch (route) {
      case 'GET /v1/status': {
        // ?after=N holds the answer until the state changes past N (at most 2 s): waiting without polling.
        const after = url.searchParams.get('after')
        if (after !== null) await supervisor.changedSince(Number(after), 2000)
        reply(res, 200, supervisor.report(process.pid))
        return
      }
      case 'POST /v1/start':
        void supervisor.startAll()
        reply(res, 202, {accepted: true})
        return
      case 'POST /v1/control': {
        const {action, names} = JSON.parse(await readBody(req)) as {action: 'start' | 'stop' | 'restart'; names: string[]}
        const targets = supervisor.processes.filter((p) => names.includes(p.name))
        note(`${action} requested: ${targets.map((p) => p.name).join(', ')}`)
        if (action === 'stop') {
          // Reverse start order, so a filer never outlives the masters it talks to by accident.
          for (const kind of ['s3', 'filer', 'volume', 'master']) await Promise.all(targets.filter((p) => p.plan.kind === kind).map((p) => p.stop()))
        } else if (action === 'start') {
          for (const p of targets) p.start()
        } else {
          for (const p of targets) p.restart('restarted by request')
        }
        reply(res, 200, {action, names: targets.map((p) => p.name)})
        return
      }
      case 'GET /v1/plan':
        reply(res, 200, supervisor.runningPlan())
        return
      case 'POST /v1/reconfigure': {
        // Processes in both plans keep running as they are (and on their own plan); settings apply at once.
        const next = JSON.parse(await readBody(req)) as {plan: typeof plan; weed?: ProcessWeed}
        const change = supervisor.reconfigure(next.plan, next.weed)
        if (change.added.length || change.removed.length) note(`plan changed:${change.added.length ? ` added ${change.added.join(', ')}` : ''}${change.removed.length ? ` removed ${change.removed.join(', ')}` : ''}`)
        record()
        reply(res, 200, change)
        return
      }
      case 'POST /v1/replace': {
        const next = JSON.parse(await readBody(req)) as ReplaceRequest
        supervisor.replace(next.name, next.plan, next.weed, next.reason)
        record()
        reply(res, 202, {accepted: true})
        return
      }
      case 'POST /v1/dashboard': {
        // Loaded on first use: the dashboard stays out of the daemon's start-up path.
        const {serveDashboard} = await import('../dashboard/server.js')
        reply(res, 200, await serveDashboard({supervisor, runDir, socketPath: plan.socketPath}, JSON.parse(await readBody(req))))
        return
      }
      case 'POST /v1/shutdown':
        await shutdown()
        reply(res, 200, {stopped: supervisor.processes.map((p) => p.name)})
        res.on('finish', () => process.exit(0))
        return
      default:
        reply(res, 404, {error: {code: 'NOT_FOUND', message: `no route ${route}`}})
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    // Create the socket with no group/other bits at all, then make sure of 0600.
    const umask = process.umask(0o177)
    server.listen(plan.socketPath, () => {
      process.umask(umask)
      chmodSync(plan.socketPath, 0o600)
      resolve()
    })
  })
  writeFileAtomic(join(runDir, DAEMON_FILE), `${JSON.stringify({pid: process.pid, startTime: me?.startTime ?? 0, socketPath: plan.socketPath})}\n`, 0o600)
  register()

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      note(`${signal} received`)
      void shutdown().then(() => process.exit(0))
    })
  }
  // The daemon must outlive the terminal that started it.
  process.on('SIGHUP', () => {})

  // Rotation happens here, off the children's write path: they append to their log and never wait on us. It
  // rides on the probes' wake-ups, about every 2 s.
  supervisor.everyWave(() => {
    const {logs} = supervisor.plan
    for (const p of supervisor.plan.processes) rotateIfLarge(p.logFile, logs.maxBytes, logs.backups)
  })

  // A cluster whose directory was deleted under it (rm -rf of a running cluster) has nothing left to supervise:
  // restarting its processes would only recreate empty directories and keep its ports taken, for ever, by a daemon
  // no command can reach any more (its socket went with the directory). Stop them all and exit instead.
  supervisor.everyWave(() => {
    if (existsSync(runDir)) return
    note(`${runDir} is gone (the cluster's directory was deleted): stopping every process`)
    void shutdown().then(() => process.exit(0))
  })

  if (launch.owner) watchOwner(launch.owner, shutdown, plan.dataDir)

  const adopted = supervisor.adoptSurvivors()
  if (adopted.length > 0) console.log(`${new Date().toISOString()} adopted ${adopted.join(', ')}`)
  void supervisor.startAll()
}

/** Stop the cluster (and with `purge` delete its data) once the owning process is gone, however it ended. */
function watchOwner(owner: ClusterOwner, shutdown: () => Promise<void>, dataDir: string): void {
  const timer = setInterval(() => {
    const live = procIdentity(owner.pid)
    if (live && live.startTime === owner.startTime) return
    clearInterval(timer)
    console.log(`${new Date().toISOString()} owner pid ${owner.pid} is gone: stopping the cluster${owner.purge ? ' and deleting its data' : ''}`)
    void shutdown().then(() => {
      if (owner.purge) rmSync(dataDir, {recursive: true, force: true})
      process.exit(0)
    })
  }, 250)
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8') || '{}'))
    req.on('error', reject)
  })
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text)})
  res.end(text)
}

/**
 * `main.cjs RUN_DIR` starts at once. `main.cjs --stdin` is the pre-started form: `up` launches it before it has
 * even read the spec, so Node's start-up overlaps the CLI's checks; it starts nothing until `up` writes the
 * run directory on its stdin, and exits quietly if stdin closes without one (the checks failed).
 */
async function main(): Promise<void> {
  let runDir = process.argv[2]
  if (runDir === '--stdin') {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    runDir = Buffer.concat(chunks).toString('utf8').trim()
    if (!runDir) process.exit(0)
    const log = openSync(join(runDir, DAEMON_LOG), 'a', 0o600)
    const write = (...args: unknown[]) => writeSync(log, `${args.map(String).join(' ')}\n`)
    console.log = write
    console.error = write
    process.chdir(runDir)
  }
  await runDaemon(runDir)
}

if (process.argv[2] && import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: Error) => {
    console.error(`seaweedctl daemon failed to start: ${error.message}`)
    process.exit(error instanceof SeaweedctlError ? error.exitCode : 1)
  })
}
