// Every benchmark `npm run bench` runs: its command for a number of rounds, the rounds it gets by default (chosen
// so that the whole suite stays under 15 minutes on a 2-core machine), and how its JSON result becomes figures.
// perNode: the figures that depend on the Node that runs the CLI and the daemon (start-up, the API, the daemon at
// idle); `npm run bench` runs them again on every other supported Node major (--nodes).
// Port offsets, each clear of the others and of the end-to-end tests' (300, 1000–2400, 3300):
//   up 3000 · api-start 3100 · daemon-idle 3400 · scale 4000 (plain servers 4100) · dashboard 4300 · recovery 4500 ·
//   failover 4600 · status 5000 · down 5500 (plain 5600) · scale-down 5800 (plain 5900) · s3-up weed's defaults (as weed mini has them).
import * as f from './figures.mjs'

const node = (script, ...args) => [process.execPath, `bench/${script}`, ...args.map(String), '--json']
const bash = (script, ...args) => ['bash', `bench/${script}`, ...args.map(String), '--json']

export const SUITE = [
  {name: 'up', perNode: true, rounds: 3, command: (n) => bash('up.sh', n, 4), figures: f.upFigures},
  {name: 'up-32', rounds: 3, command: (n) => bash('up.sh', n, 32), figures: f.upFigures},
  {name: 'api-start', perNode: true, rounds: 2, command: (n) => node('api-start.mjs', n), figures: f.apiStartFigures},
  // Rounds here are pairs of (node -e 0, status): cheap, so many.
  {name: 'status', perNode: true, rounds: 20, command: (n) => bash('status.sh', n, 32), figures: f.statusFigures},
  {name: 'scale', perNode: true, rounds: 3, command: (n) => bash('scale.sh', n), figures: f.scaleFigures},
  // Each round: weed's two evacuations on a plain cluster, then seaweedctl's scale-down (about 2 minutes a round).
  {name: 'scale-down', rounds: 2, command: (n) => node('scale-down.mjs', n), figures: f.scaleDownFigures},
  {name: 's3-up', perNode: true, rounds: 3, command: (n) => node('s3-up.mjs', n), figures: f.s3Figures},
  {name: 'down', rounds: 2, command: (n) => node('down.mjs', n, 32), figures: f.downFigures},
  {name: 'recovery', rounds: 3, command: (n) => node('recovery.mjs', n), figures: f.recoveryFigures},
  {name: 'failover', rounds: 2, command: (n) => node('failover.mjs', n), figures: f.failoverFigures},
  // daemon-idle: 3 windows of 10 s each (5 probe intervals); its rounds are windows on one cluster.
  {name: 'daemon-6', rounds: 3, command: (n) => node('daemon-idle.mjs', 4, 10, n), figures: f.daemonFigures},
  // The CLI's start on the system's Node and on 22 and 24 (scripts/install-node.sh), with and without the compile cache.
  {name: 'node-startup', rounds: 5, command: (n) => node('node-startup.mjs', n), figures: f.nodeStartupFigures},
  {name: 'node-floor', rounds: 3, command: (n) => node('node-floor.mjs', n, 5), figures: f.nodeFloorFigures},
  {name: 'daemon-34', perNode: true, rounds: 3, command: (n) => node('daemon-idle.mjs', 32, 10, n), figures: f.daemonFigures},
  {name: 'log', rounds: 2, command: (n) => node('log-throughput.mjs', n, 256), figures: f.logFigures},
  // Optional (about a minute, and chromium): run only when named, `--only dashboard`.
  {name: 'dashboard', rounds: 1, command: (n) => node('dashboard-cpu.mjs', 15, n), figures: f.dashboardFigures, needs: '/usr/bin/chromium', optional: true},
]
