import {parse, stringify} from 'yaml'

import {KIND_ORDER, type Plan, type ProcessKind, type ProcessPlan} from '../plan/types.js'
import {summarisePlan} from '../services/plan.js'
import {imageFor} from './compose.js'
import {containerArgs, masterLeaderCheck, READY_PATH} from './container.js'
import {storageFor} from './kube-common.js'
import {fill, seconds, template} from './template.js'
import type {ExportRendering} from './types.js'

export function manifestFile(plan: Plan): string {
  return `seaweed-${plan.name}.k8s.yaml`
}

interface SetGroup {
  kind: ProcessKind
  set: string
  members: ProcessPlan[]
}

/** Headless Services and StatefulSets for the plan, with probes and volumeClaimTemplates. Pure. */
export function renderK8s(plan: Plan): ExportRendering {
  const prefix = `seaweed-${plan.name}`
  const serviceOf = (kind: ProcessKind) => `${prefix}-${kind}`
  const basePort = (kind: ProcessKind) => plan.processes.find((p) => p.kind === kind)!.ports.http
  const groups = setGroups(plan, prefix)
  // The pod that plays a process of the plan: its ordinal within its StatefulSet.
  const podOf = new Map<string, string>()
  for (const g of groups) g.members.forEach((p, i) => podOf.set(p.name, `${g.set}-${i}.${serviceOf(g.kind)}`))

  const labels = (kind: ProcessKind) => ({
    'app.kubernetes.io/name': 'seaweedfs',
    'app.kubernetes.io/instance': plan.name,
    'app.kubernetes.io/component': kind,
    'app.kubernetes.io/managed-by': 'seaweedctl',
  })
  const selector = (kind: ProcessKind) => ({
    'app.kubernetes.io/name': 'seaweedfs',
    'app.kubernetes.io/instance': plan.name,
    'app.kubernetes.io/component': kind,
  })
  const json = (value: unknown) => JSON.stringify(value)
  const period = Math.max(1, seconds(plan.supervise.healthIntervalMs))
  const documents: unknown[] = []

  for (const kind of KIND_ORDER) {
    if (!plan.processes.some((p) => p.kind === kind)) continue
    const port = basePort(kind)
    documents.push(parse(fill(template('k8s/service.yaml'), {
      service: serviceOf(kind), labels: json(labels(kind)), selector: json(selector(kind)), port, grpcPort: port + 10_000,
    })))
  }

  for (const g of groups) {
    const p = g.members[0]
    const port = basePort(g.kind)
    const args = containerArgs(plan, p, {
      hostOf: (q) => podOf.get(q.name)!,
      portOf: (q) => basePort(q.kind),
      selfHost: `$(POD_NAME).${serviceOf(g.kind)}`,
    })
    const http = {httpGet: {path: READY_PATH[g.kind], port: 'http'}}
    const readiness = g.kind === 'master'
      ? {exec: {command: ['/bin/sh', '-c', masterLeaderCheck(port)]}}
      : http
    const stateful = g.kind !== 's3'
    documents.push(parse(fill(template('k8s/statefulset.yaml'), {
      set: g.set,
      labels: json(labels(g.kind)),
      service: serviceOf(g.kind),
      replicas: g.members.length,
      podLabels: json(selector(g.kind)),
      grace: seconds(p.stopTimeoutMs),
      image: imageFor(plan),
      args: json(['-logtostderr=true', ...args.filter((a) => a !== '-logtostderr=true')]),
      port,
      grpcPort: port + 10_000,
      readiness: json({...readiness, periodSeconds: period, timeoutSeconds: 5, failureThreshold: plan.supervise.unhealthyThreshold}),
      liveness: json({
        ...http, initialDelaySeconds: seconds(plan.supervise.startTimeoutMs), periodSeconds: Math.max(period, 10),
        timeoutSeconds: 10, failureThreshold: plan.supervise.unhealthyThreshold,
      }),
      // An S3 gateway keeps no data: a scratch directory instead of a claim.
      mounts: json([{name: stateful ? 'data' : 'scratch', mountPath: '/data'}]),
      volumes: json(stateful ? [] : [{name: 'scratch', emptyDir: {}}]),
      claims: json(stateful ? [{
        metadata: {name: 'data'},
        spec: {accessModes: ['ReadWriteOnce'], resources: {requests: {storage: storageFor(plan, g.kind)}}},
      }] : []),
    })))
  }

  const header = fill(template('k8s/header.yaml'), {
    name: plan.name, summary: summarisePlan(plan), source: plan.specFile ?? 'command-line flags', file: manifestFile(plan),
  })
  const body = documents.map((d) => `---\n${stringify(d, {lineWidth: 0})}`).join('')
  return {files: [{path: manifestFile(plan), kind: 'k8s-manifests', content: `${header}${body}`}], prerequisites: []}
}

/** One StatefulSet per kind; volume servers one per (data center, rack), since the rack is a flag of the pod. */
function setGroups(plan: Plan, prefix: string): SetGroup[] {
  const groups: SetGroup[] = []
  const multiDc = new Set(plan.processes.map((p) => p.placement?.dataCenter).filter(Boolean)).size > 1
  const multiRack = new Set(plan.processes.map((p) => p.placement && `${p.placement.dataCenter}/${p.placement.rack}`).filter(Boolean)).size > 1
  for (const kind of KIND_ORDER) {
    for (const p of plan.processes.filter((q) => q.kind === kind)) {
      let set = `${prefix}-${kind}`
      if (kind === 'volume' && p.placement && multiRack) set += `${multiDc ? `-${p.placement.dataCenter}` : ''}-${p.placement.rack}`
      const group = groups.find((g) => g.set === set)
      if (group) group.members.push(p)
      else groups.push({kind, set, members: [p]})
    }
  }
  return groups
}
