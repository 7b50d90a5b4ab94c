import {stringify} from 'yaml'

import {GRPC_DELTA} from '../plan/planner.js'
import type {Plan} from '../plan/types.js'
import {summarisePlan} from '../services/plan.js'
import {imageFor} from './compose.js'
import {basePortOf, countOf, maxVolumesOf, S3_SECRET_FILE, s3SecretName, storageFor, volumeGroupsOf, volumeSizeLimitMBOf} from './kube-common.js'
import {fill, template} from './template.js'
import {helmArgsValues, perProcessArgsNote} from './extra-args.js'
import type {ExportFile, ExportRendering, S3ExportOptions, S3Keys} from './types.js'

export const HELM_VALUES_FILE = 'values.yaml'


/**
 * values.yaml for the official chart: masters, volume groups per rack, filers, a standalone S3 gateway whose
 * keys come from a Secret the values only name. Pure: the keys, when given, go into a separate Secret file.
 */
export function renderHelm(plan: Plan, options: S3ExportOptions = {}): ExportRendering {
  const values = helmValues(plan, options)
  const hasS3 = countOf(plan, 's3') > 0
  const header = fill(template('helm/header.yaml'), {
    name: plan.name, summary: summarisePlan(plan), replication: plan.replication,
    source: plan.specFile ?? 'command-line flags',
    secretStep: hasS3 ? `kubectl apply -n NAMESPACE -f ${S3_SECRET_FILE}   (the S3 keys: see that file)` : '(no S3 gateway: no Secret to create)',
  })
  const files: ExportFile[] = [{path: HELM_VALUES_FILE, kind: 'helm-values', content: `${header}${stringify(values, {lineWidth: 0, aliasDuplicateObjects: false})}`}]
  const notes: string[] = []
  const perProcess = perProcessArgsNote(plan, HELM_VALUES_FILE)
  if (perProcess) notes.push(perProcess)
  if (hasS3 && options.keys) files.push(s3SecretFile(plan, 'helm', helmSecretData(options.keys)))
  else if (hasS3) notes.push(s3SecretNote(plan, HELM_VALUES_FILE))
  if (hasS3) notes.push(sseKekNote('the chart', 'its security-config holds JWT settings only'))
  return {files, prerequisites: [], notes}
}

export function helmValues(plan: Plan, options: S3ExportOptions = {}): Record<string, unknown> {
  const port = (kind: 'master' | 'volume' | 'filer' | 's3') => ({port: basePortOf(plan, kind), grpcPort: basePortOf(plan, kind) + GRPC_DELTA})
  const claim = (size: string) => ({type: 'persistentVolumeClaim', size, storageClass: ''})
  // Logs go to stderr (kubectl logs), as weed's own -logtostderr: no hostPath log directory.
  const noLogDir = {type: ''}
  const groups = volumeGroupsOf(plan)
  const single = groups.length === 1
  const [image, tag] = imageFor(plan).split(':')
  const values: Record<string, any> = {
    global: {seaweedfs: {image: {name: image}}},
    image: {tag},
    master: {
      replicas: countOf(plan, 'master'),
      ...port('master'),
      defaultReplication: plan.replication,
      volumeSizeLimitMB: volumeSizeLimitMBOf(plan),
      resumeState: true,
      data: claim(storageFor(plan, 'master')),
      logs: noLogDir,
      ...helmArgsValues(plan, 'master'),
    },
    volume: {
      // With several racks every rack is a volume group below, and the default group is off.
      enabled: single,
      replicas: single ? groups[0].replicas : 0,
      ...port('volume'),
      ...(single ? {rack: groups[0].rack, dataCenter: groups[0].dataCenter} : {}),
      dataDirs: [{name: 'data1', ...claim(storageFor(plan, 'volume')), maxVolumes: maxVolumesOf(plan)}],
      ...helmArgsValues(plan, 'volume'),
    },
    volumes: single ? {} : Object.fromEntries(groups.map((g) => [g.name, {replicas: g.replicas, rack: g.rack, dataCenter: g.dataCenter}])),
  }
  const filers = countOf(plan, 'filer')
  values.filer = filers > 0
    ? {replicas: filers, ...port('filer'), defaultReplicaPlacement: plan.replication, data: claim(storageFor(plan, 'filer')), logs: noLogDir, s3: {enabled: false}, ...helmArgsValues(plan, 'filer')}
    : {enabled: false}
  const gateways = countOf(plan, 's3')
  if (gateways > 0) {
    const secret = s3SecretName(plan)
    values.s3 = {
      enabled: true,
      replicas: gateways,
      port: basePortOf(plan, 's3'),
      // Every request must be signed: identities come from the Secret, by reference only.
      enableAuth: true,
      credentials: {
        admin: {existingSecret: secret, accessKeyKey: 'admin_access_key_id', secretKeyKey: 'admin_secret_access_key'},
        read: {existingSecret: secret, accessKeyKey: 'read_access_key_id', secretKeyKey: 'read_secret_access_key'},
      },
      ...(options.buckets && options.buckets.length > 0 ? {createBuckets: options.buckets.map((name) => ({name, anonymousRead: false}))} : {}),
      logs: noLogDir,
      ...helmArgsValues(plan, 's3'),
    }
  } else values.s3 = {enabled: false}
  return values
}

function helmSecretData(keys: S3Keys): Record<string, string> {
  return {
    admin_access_key_id: keys.admin.accessKey,
    admin_secret_access_key: keys.admin.secretKey,
    read_access_key_id: keys.read.accessKey,
    read_secret_access_key: keys.read.secretKey,
  }
}

/** The Secret manifest with the generated keys: a file of its own, mode 0600. */
export function s3SecretFile(plan: Plan, target: 'helm' | 'operator' | 'k8s', data: Record<string, string>): ExportFile {
  const valuesFile = target === 'helm' ? HELM_VALUES_FILE : target === 'operator' ? 'the Seaweed resource' : 'the StatefulSet of the S3 gateways'
  const header = fill(template('helm/s3-secret.yaml'), {
    name: plan.name, target, file: S3_SECRET_FILE, secret: s3SecretName(plan), valuesFile,
    install: target === 'helm' ? 'helm install' : 'kubectl apply',
    use: target === 'k8s' ? 'mounts, read-only as files,' : 'only names',
  })
  const manifest = {
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: {name: s3SecretName(plan), labels: {'app.kubernetes.io/name': 'seaweedfs', 'app.kubernetes.io/instance': plan.name, 'app.kubernetes.io/managed-by': 'seaweedctl'}},
    stringData: data,
  }
  return {path: S3_SECRET_FILE, kind: 'k8s-secret', content: `${header}${stringify(manifest, {lineWidth: 0})}`, mode: 0o600}
}

/**
 * The chart and the operator have no setting for the gateways' SSE-S3 KEK (security.toml's [s3.sse] kek): said,
 * not worked around, so nobody deploys believing SSE-S3 works there.
 */
export function sseKekNote(engine: string, why: string): string {
  return `${engine} has no setting for the S3 gateway's SSE-S3 key-encryption key (${why}): SSE-S3 uploads (--sse AES256) fail with HTTP 500 there until you mount a security.toml with [s3.sse] kek = "<64 hex>" into the gateway's /etc/seaweedfs/ yourself`
}

export function s3SecretNote(plan: Plan, valuesFile: string): string {
  return `${valuesFile} names the Secret "${s3SecretName(plan)}" for the S3 keys; export with -o DIR to get it as ${S3_SECRET_FILE} (mode 0600, generated keys), or create it yourself`
}
