// The floor under `seaweedctl status`: a bare CommonJS node that asks the daemon for the status (GET /v1/status on
// its unix socket, path from daemon.json), parses the answer and prints one line. Any Node client of the daemon
// pays at least this: node's start, node:http, the request and the JSON of every process.
//   usage: node bench/status-floor.cjs RUN_DIR      (the cluster's <dataDir>/run)
'use strict'
const {readFileSync} = require('node:fs')
const {request} = require('node:http')
const {socketPath} = JSON.parse(readFileSync(`${process.argv[2]}/daemon.json`, 'utf8'))
request({socketPath, path: '/v1/status'}, (res) => {
  const chunks = []
  res.on('data', (c) => chunks.push(c))
  res.on('end', () => console.log(`${JSON.parse(Buffer.concat(chunks).toString()).processes.length} processes`))
}).end()
