import {parse, stringify} from 'yaml'

import {GRPC_DELTA} from '../plan/planner.js'
import {KIND_ORDER, type Plan, type ProcessKind, type ProcessPlan} from '../plan/types.js'
import {summarisePlan} from '../services/plan.js'
import {imageFor} from './compose.js'
import {CONTAINER_DATA_DIR, containerArgs, masterLeaderCheck, READY_PATH, stateful} from './container.js'
import {s3SecretFile, s3SecretNote} from './helm.js'
import {S3_SECRET_FILE, s3SecretName, storageFor} from './kube-common.js'
import {argsWithFiles, type ProcessFileContents, planFiles, processFiles} from './process-files.js'
import {fill, seconds, template} from './template.js'
import type {ExportFile, ExportRendering} from './types.js'

/** Where a pod finds the files it is given: the Secret seaweed-NAME-s3, mounted read-only. */
export const K8S_FILES_DIR = '/etc/seaweedfs/export'

export function manifestFile(plan: Plan): string {
  return `seaweed-${plan.name}.k8s.yaml`
}

interface SetGroup {
  kind: ProcessKind
  set: string
  members: ProcessPlan[]
}

/**
 * Headless Services and StatefulSets for the plan, with probes and volumeClaimTemplates; the files processes
 * read come from a Secret (written, 0600, with -o) mounted at K8S_FILES_DIR. Pure.
 */
export function renderK8s(plan: Plan, contents: ProcessFileContents = {}): ExportRendering {
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
      service: serviceOf(kind), labels: json(labels(kind)), selector: json(selector(kind)), port, grpcPort: port + GRPC_DELTA,
    })))
  }

  for (const g of groups) {
    const p = g.members[0]
    const port = basePort(g.kind)
    const files = processFiles(p, contents)
    const args = argsWithFiles(containerArgs(plan, p, {
      hostOf: (q) => podOf.get(q.name)!,
      portOf: (q) => basePort(q.kind),
      selfHost: `$(POD_NAME).${serviceOf(g.kind)}`,
    }), files, (f) => `${K8S_FILES_DIR}/${f.name}`)
    const http = {httpGet: {path: READY_PATH[g.kind], port: 'http'}}
    const readiness = g.kind === 'master'
      ? {exec: {command: ['/bin/sh', '-c', masterLeaderCheck(port)]}}
      : http
    const keeps = stateful(g.kind)
    const fileMounts = files.length === 0 ? [] : [{name: 'files', mountPath: K8S_FILES_DIR, readOnly: true}]
    const fileVolumes = files.length === 0 ? [] : [{
      name: 'files',
      secret: {secretName: s3SecretName(plan), items: files.map((f) => ({key: f.secretKey, path: f.name})), defaultMode: 0o400},
    }]
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
      grpcPort: port + GRPC_DELTA,
      readiness: json({...readiness, periodSeconds: period, timeoutSeconds: 5, failureThreshold: plan.supervise.unhealthyThreshold}),
      liveness: json({
        ...http, initialDelaySeconds: seconds(plan.supervise.startTimeoutMs), periodSeconds: Math.max(period, 10),
        timeoutSeconds: 10, failureThreshold: plan.supervise.unhealthyThreshold,
      }),
      // An S3 gateway keeps no data: a scratch directory instead of a claim.
      mounts: json([{name: keeps ? 'data' : 'scratch', mountPath: CONTAINER_DATA_DIR}, ...fileMounts]),
      volumes: json([...(keeps ? [] : [{name: 'scratch', emptyDir: {}}]), ...fileVolumes]),
      claims: json(keeps ? [{
        metadata: {name: 'data'},
        spec: {accessModes: ['ReadWriteOnce'], resources: {requests: {storage: storageFor(plan, g.kind)}}},
      }] : []),
    })))
  }

  const files = planFiles(plan, contents)
  const header = fill(template('k8s/header.yaml'), {
    name: plan.name, summary: summarisePlan(plan), source: plan.specFile ?? 'command-line flags', file: manifestFile(plan),
    secretStep: files.length > 0 ? `kubectl apply -n NAMESPACE -f ${S3_SECRET_FILE}   (the files the S3 gateways read, mounted at ${K8S_FILES_DIR}: see that file)` : '(no process reads a file of its own: no Secret to create)',
  })
  const body = documents.map((d) => `---\n${stringify(d, {lineWidth: 0})}`).join('')
  const out: ExportFile[] = [{path: manifestFile(plan), kind: 'k8s-manifests', content: `${header}${body}`}]
  const notes: string[] = []
  if (files.length > 0 && files.every((f) => f.content !== undefined)) out.push(s3SecretFile(plan, 'k8s', Object.fromEntries(files.map((f) => [f.secretKey, f.content!]))))
  else if (files.length > 0) notes.push(s3SecretNote(plan, manifestFile(plan)))
  return {files: out, prerequisites: [], notes}
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
