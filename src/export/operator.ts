import {stringify} from 'yaml'

import type {Plan, ProcessKind} from '../plan/types.js'
import {perProcessArgsNote, sharedArgsOf} from './extra-args.js'
import {summarisePlan} from '../services/plan.js'
import {imageFor} from './compose.js'
import {s3SecretFile, s3SecretNote, sseKekNote} from './helm.js'
import {basePortOf, countOf, S3_SECRET_FILE, s3SecretName, storageFor, volumeGroupsOf, volumeSizeLimitMBOf} from './kube-common.js'
import {type ProcessFileContents, S3_CONFIG_KEY} from './process-files.js'
import {fill, template} from './template.js'
import type {ExportFile, ExportRendering, S3ExportOptions} from './types.js'

export function resourceFile(plan: Plan): string {
  return `seaweed-${plan.name}.seaweed.yaml`
}

/**
 * A `Seaweed` custom resource for the plan, checked against the operator's CRD schema by the tests; the S3
 * identities in the same Secret (name and key) the k8s export mounts. Pure.
 */
export function renderOperator(plan: Plan, options: S3ExportOptions = {}, contents: ProcessFileContents = {}): ExportRendering {
  const hasS3 = countOf(plan, 's3') > 0
  const header = fill(template('operator/header.yaml'), {
    name: plan.name, summary: summarisePlan(plan), replication: plan.replication,
    source: plan.specFile ?? 'command-line flags', file: resourceFile(plan),
    secretStep: hasS3 ? `kubectl apply -n NAMESPACE -f ${S3_SECRET_FILE}   (the S3 identities: see that file)` : '(no S3 gateway: no Secret to create)',
  })
  const files: ExportFile[] = [{path: resourceFile(plan), kind: 'seaweed-resource', content: `${header}${stringify(seaweedResource(plan), {lineWidth: 0})}`}]
  const notes: string[] = []
  const perProcess = perProcessArgsNote(plan, resourceFile(plan))
  if (perProcess) notes.push(perProcess)
  if (hasS3 && contents.s3Identities !== undefined) files.push(s3SecretFile(plan, 'operator', {[S3_CONFIG_KEY]: contents.s3Identities}))
  else if (hasS3) notes.push(s3SecretNote(plan, resourceFile(plan)))
  if (hasS3) notes.push(sseKekNote('the Seaweed resource', 'its securityConfig holds JWT settings only'))
  if (hasS3 && options.buckets && options.buckets.length > 0) {
    notes.push(`the operator creates no buckets: create ${options.buckets.join(', ')} once the gateway runs (aws s3 mb s3://NAME --endpoint-url ...)`)
  }
  return {files, prerequisites: [], notes}
}

export function seaweedResource(plan: Plan): Record<string, unknown> {
  const persistence = (size: string) => ({enabled: true, accessModes: ['ReadWriteOnce'], resources: {requests: {storage: size}}})
  const groups = volumeGroupsOf(plan)
  const volumeStorage = storageFor(plan, 'volume')
  const operatorArgs = (kind: ProcessKind) => {
    const args = sharedArgsOf(plan, kind)
    const metricsPort = plan.processes.find((p) => p.kind === kind)?.ports.metrics
    return {...(args.length > 0 ? {extraArgs: args} : {}), ...(metricsPort === undefined ? {} : {metricsPort})}
  }
  const spec: Record<string, any> = {
    image: imageFor(plan),
    volumeServerDiskCount: 1,
    master: {
      replicas: countOf(plan, 'master'),
      defaultReplication: plan.replication,
      volumeSizeLimitMB: volumeSizeLimitMBOf(plan),
      persistence: persistence(storageFor(plan, 'master')),
      ...operatorArgs('master'),
    },
    // Every server is in volumeTopology, by rack; the plain volume set runs none.
    volume: {replicas: 0, requests: {storage: volumeStorage}},
    volumeTopology: Object.fromEntries(groups.map((g) => [g.name, {
      replicas: g.replicas, rack: g.rack, dataCenter: g.dataCenter, requests: {storage: volumeStorage}, ...operatorArgs('volume'),
    }])),
  }
  const filers = countOf(plan, 'filer')
  if (filers > 0) {
    spec.filer = {
      replicas: filers,
      persistence: persistence(storageFor(plan, 'filer')),
      // The filer would otherwise serve S3 itself, unauthenticated unless configured.
      s3: {enabled: false},
      ...operatorArgs('filer'),
    }
  }
  const gateways = countOf(plan, 's3')
  if (gateways > 0) {
    spec.s3 = {replicas: gateways, port: basePortOf(plan, 's3'), configSecret: {name: s3SecretName(plan), key: S3_CONFIG_KEY}, ...operatorArgs('s3')}
  }
  return {
    apiVersion: 'seaweed.seaweedfs.com/v1',
    kind: 'Seaweed',
    metadata: {name: plan.name, labels: {'app.kubernetes.io/name': 'seaweedfs', 'app.kubernetes.io/managed-by': 'seaweedctl'}},
    spec,
  }
}
