import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** Prefix of every metric the service exports. */
export const metricPrefix = 'hybrid_extender_'

/** The service's metrics, on a registry of their own. */
export interface Metrics {
  registry: Registry
  requests: Counter<'verb' | 'result'>
  requestSeconds: Histogram<'verb' | 'result'>
  requestNodes: Histogram<'verb'>
  requestsInFlight: Gauge
  notReadyAnswers: Counter<'verb' | 'mode'>
  decisions: Counter<'verb' | 'class'>
  nodeVerdicts: Counter<'class' | 'pool' | 'outcome'>
  rejections: Counter<'reason'>
  policyInfo: Gauge<'name' | 'hash'>
  policyReloads: Counter<'result'>
  policyLoadedSeconds: Gauge
  cacheObjects: Gauge<'kind'>
  cacheLastSyncSeconds: Gauge<'kind'>
  cacheSynced: Gauge
  watchRestarts: Counter<'kind' | 'reason'>
}

/**
 * Creates the metrics. Label values come from closed sets only: verbs,
 * results, outcomes, reason codes, and class and pool names of the policy.
 */
export function createMetrics(opts: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (opts.processMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: metricPrefix })
  const registers = [registry]
  return {
    registry,
    requests: new Counter({
      name: `${metricPrefix}requests_total`,
      help: 'Extender requests by verb and result (ok, error, bad_request, aborted, overloaded, not_ready).',
      labelNames: ['verb', 'result'],
      registers,
    }),
    requestSeconds: new Histogram({
      name: `${metricPrefix}request_duration_seconds`,
      help: 'Time to answer an extender request, body parsing included.',
      labelNames: ['verb', 'result'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    requestNodes: new Histogram({
      name: `${metricPrefix}request_nodes`,
      help: 'Candidate nodes per extender request.',
      labelNames: ['verb'],
      buckets: [1, 10, 50, 100, 500, 1000, 2500, 5000, 10000],
      registers,
    }),
    requestsInFlight: new Gauge({
      name: `${metricPrefix}requests_in_flight`,
      help: 'Extender requests received and not yet answered.',
      registers,
    }),
    notReadyAnswers: new Counter({
      name: `${metricPrefix}not_ready_answers_total`,
      help: 'Names-only requests answered while the cache was not ready, by verb and mode.',
      labelNames: ['verb', 'mode'],
      registers,
    }),
    decisions: new Counter({
      name: `${metricPrefix}decisions_total`,
      help: 'Pods decided, by verb and workload class ("none" when the pod has no valid class).',
      labelNames: ['verb', 'class'],
      registers,
    }),
    nodeVerdicts: new Counter({
      name: `${metricPrefix}node_verdicts_total`,
      help: 'Filter verdicts per node, by class, pool and outcome (pass, fail, unresolvable).',
      labelNames: ['class', 'pool', 'outcome'],
      registers,
    }),
    rejections: new Counter({
      name: `${metricPrefix}node_rejections_total`,
      help: 'Nodes turned down by filter, by reason code.',
      labelNames: ['reason'],
      registers,
    }),
    policyInfo: new Gauge({
      name: `${metricPrefix}policy_info`,
      help: 'The active policy: its name and the sha256 of its file. Always 1.',
      labelNames: ['name', 'hash'],
      registers,
    }),
    policyReloads: new Counter({
      name: `${metricPrefix}policy_reloads_total`,
      help: 'Policy reload attempts by result (success, failure).',
      labelNames: ['result'],
      registers,
    }),
    policyLoadedSeconds: new Gauge({
      name: `${metricPrefix}policy_last_reload_success_timestamp_seconds`,
      help: 'Unix time the active policy was loaded.',
      registers,
    }),
    cacheObjects: new Gauge({
      name: `${metricPrefix}cache_objects`,
      help: 'Objects held by the cluster cache, by kind (node, pod).',
      labelNames: ['kind'],
      registers,
    }),
    cacheLastSyncSeconds: new Gauge({
      name: `${metricPrefix}cache_last_sync_timestamp_seconds`,
      help: 'Unix time the cluster cache was last confirmed current (list, watch event or bookmark), by kind.',
      labelNames: ['kind'],
      registers,
    }),
    cacheSynced: new Gauge({
      name: `${metricPrefix}cache_synced`,
      help: '1 once the cluster cache has its first lists of nodes and pods, else 0.',
      registers,
    }),
    watchRestarts: new Counter({
      name: `${metricPrefix}watch_restarts_total`,
      help: 'Watches opened again, by kind and reason (error, expired: relisted after 410, closed: ended by the server).',
      labelNames: ['kind', 'reason'],
      registers,
    }),
  }
}
