import t from 'tap'
import { alertRules, dashboardExpressions, metricNames } from '../support/promql.js'
import { startServe } from '../support/serve-process.js'

/** Series from other exporters that the alerts read, and who exports them. */
const externalMetrics: Record<string, string> = {
  up: 'Prometheus itself, per scrape target',
  kube_deployment_status_replicas_available: 'kube-state-metrics',
}

/** Series names a /metrics page offers, from its TYPE lines (histograms and summaries expanded). */
function exportedSeries(page: string): Set<string> {
  const names = new Set<string>()
  for (const m of page.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name = '', type] = m
    names.add(name)
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s)
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s)
  }
  return names
}

const used = new Map<string, string>()
for (const rule of alertRules())
  for (const n of metricNames(rule.expr)) used.set(n, `alert ${rule.alert}`)
for (const { panel, expr } of dashboardExpressions()) {
  for (const n of metricNames(expr)) used.set(n, `panel "${panel}"`)
}

const node = {
  metadata: { name: 'worker-1', labels: { 'kubernetes.io/hostname': 'worker-1' } },
  status: { allocatable: { cpu: '4', memory: '16Gi', pods: '110' } },
}
const pod = {
  metadata: {
    name: 'web-1',
    namespace: 'shop',
    ownerReferences: [{ kind: 'ReplicaSet', name: 'web' }],
  },
  spec: { containers: [{ name: 'web', resources: { requests: { cpu: '100m' } } }] },
}

t.test('metric names are read from PromQL', async (t) => {
  t.same(metricNames('sum by (le) (rate(a_bucket{verb="filter"}[5m])) / b_total > 1'), [
    'a_bucket',
    'b_total',
  ])
  t.same(metricNames('time() - c{kind="node"} > 900'), ['c'])
  t.same(metricNames('d == 0 or absent(up{job="x"} == 1)'), ['d', 'up'])
})

t.test('the service started with serve', async (t) => {
  const serve = await startServe(['--metrics-port', '0', '--log-level', 'info'])
  t.teardown(serve.stop)
  // One decision, so labelled series have samples too.
  const body = JSON.stringify({ Pod: pod, Nodes: { items: [node] }, NodeNames: null })
  for (const verb of ['filter', 'prioritize']) {
    const res = await fetch(`${serve.url}/${verb}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    })
    t.equal(res.status, 200, `${verb} answered`)
  }
  const page = await (await fetch(`${serve.opsUrl}/metrics`)).text()
  const exported = exportedSeries(page)

  t.test('exports every metric the alerts and the dashboard read', async (t) => {
    t.ok(used.size > 10, 'the alerts and dashboard read metrics')
    for (const [name, where] of used) {
      if (name in externalMetrics) continue
      t.ok(exported.has(name), `${name} (${where}) is exported`)
    }
  })

  t.test('reads no metric from another exporter but those listed', async (t) => {
    for (const [name, where] of used) {
      if (name.startsWith('hybrid_extender_')) continue
      t.ok(name in externalMetrics, `${name} (${where}) comes from a known exporter`)
    }
  })
})
