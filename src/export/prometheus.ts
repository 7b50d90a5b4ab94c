import {stringify} from 'yaml'

import type {Plan} from '../plan/types.js'
import {metricsTargets} from '../services/metrics.js'
import type {ExportRendering} from './types.js'

export const PROMETHEUS_FILE = 'prometheus.yml'

/**
 * A Prometheus configuration that scrapes every process of the cluster: one job, one static target per
 * process, labelled with its kind, name, rack and data center (the last two for volume servers) and the
 * cluster's name. Addresses are where the processes really listen on this machine. Pure.
 */
export function renderPrometheus(plan: Plan): ExportRendering {
  const targets = metricsTargets(plan)
  if (targets.length === 0) {
    return {files: [], prerequisites: [], notes: ['metrics.enabled is false in the spec: there is nothing to scrape']}
  }
  const config = {
    global: {scrape_interval: '5s', evaluation_interval: '5s'},
    scrape_configs: [{
      job_name: `seaweedfs-${plan.name}`,
      metrics_path: '/metrics',
      static_configs: targets.map((t) => ({
        targets: [t.address],
        labels: {cluster: plan.name, kind: t.kind, name: t.name, ...(t.rack ? {rack: t.rack} : {}), ...(t.dataCenter ? {data_center: t.dataCenter} : {})},
      })),
    }],
  }
  const header = `# Prometheus scrape configuration for the SeaweedFS cluster "${plan.name}", written by seaweedctl export prometheus.\n# Run: prometheus --config.file=${PROMETHEUS_FILE}\n`
  return {files: [{path: PROMETHEUS_FILE, kind: 'prometheus-config', content: `${header}${stringify(config, {lineWidth: 0})}`}], prerequisites: []}
}
