import t from 'tap'
import { staticNodeSource, type NodeSource } from '../../src/cluster/source.js'
import { createMetrics } from '../../src/metrics.js'
import { PolicyStore } from '../../src/policy/store.js'
import { buildApp } from '../../src/server/app.js'
import type { NotReadyMode } from '../../src/server/not-ready.js'
import { defaultPolicy } from '../support/app.js'
import { fixtureNodes, fixturePod, fullArgs, namesArgs } from '../support/fixtures.js'

const fx = fixtureNodes()
const nodes = [fx.worker, fx.virtual, fx.gpu1]
const names = nodes.map((n) => n.metadata.name as string)
const pod = fixturePod('e02')

/** A node source over the fixtures whose readiness the test switches. */
function switchable(): NodeSource & { isReady: boolean } {
  const inner = staticNodeSource(nodes)
  const source = { ...inner, isReady: false, ready: () => source.isReady }
  return source
}

function appFor(mode?: NotReadyMode) {
  const metrics = createMetrics({ processMetrics: false })
  const source = switchable()
  const policy = new PolicyStore(defaultPolicy(), metrics)
  const app = buildApp({ policy, metrics, nodes: source, ...(mode ? { notReadyMode: mode } : {}) })
  const post = (url: string, body: unknown) =>
    app.inject({ method: 'POST', url, payload: body as object })
  return { app, source, post, metrics }
}

t.test('by default (fail), names-only requests before the cache is ready', async (t) => {
  const { post, metrics } = appFor()

  t.test('get a filter Error, so kube-scheduler fails the attempt and retries', async (t) => {
    const res = await post('/filter', namesArgs(pod, nodes))
    t.equal(res.statusCode, 200, 'kube-scheduler reads Error only from a 200')
    t.match(res.json().Error, /^HX_NOT_READY: /)
    t.same(res.json().NodeNames, null)
  })

  t.test('get a non-200 prioritize answer, which kube-scheduler ignores', async (t) => {
    const res = await post('/prioritize', namesArgs(pod, nodes))
    t.equal(res.statusCode, 503)
    t.equal(res.json().code, 'HX_NOT_READY')
  })

  t.test('are counted by verb and mode', async (t) => {
    const text = await metrics.registry.metrics()
    t.match(text, 'hybrid_extender_not_ready_answers_total{verb="filter",mode="fail"} 1')
    t.match(text, 'hybrid_extender_not_ready_answers_total{verb="prioritize",mode="fail"} 1')
    t.match(text, 'hybrid_extender_requests_total{verb="filter",result="not_ready"} 1')
  })
})

t.test('in pass mode, names-only requests before the cache is ready', async (t) => {
  const { post } = appFor('pass')

  t.test('pass every node through filter', async (t) => {
    const res = await post('/filter', namesArgs(pod, nodes))
    t.equal(res.statusCode, 200)
    t.same(res.json(), {
      Nodes: null,
      NodeNames: names,
      FailedNodes: {},
      FailedAndUnresolvableNodes: {},
      Error: '',
    })
  })

  t.test('give every node the same score', async (t) => {
    const res = await post('/prioritize', namesArgs(pod, nodes))
    t.equal(res.statusCode, 200)
    t.same(
      res.json(),
      names.map((Host) => ({ Host, Score: 0 })),
    )
  })
})

for (const mode of ['fail', 'pass'] as const) {
  t.test(`full-object requests are decided as usual in ${mode} mode`, async (t) => {
    const { post } = appFor(mode)
    const res = await post('/filter', fullArgs(pod, nodes))
    t.equal(res.json().Error, '')
    t.same(Object.keys(res.json().FailedAndUnresolvableNodes), ['gpu-node-small-1'])
  })
}

t.test('once the cache is ready, names-only requests are decided from it', async (t) => {
  const { post, source } = appFor()
  source.isReady = true
  const res = await post('/filter', namesArgs(pod, nodes))
  t.equal(res.json().Error, '')
  t.same(res.json().FailedAndUnresolvableNodes, {
    'gpu-node-small-1': res.json().FailedAndUnresolvableNodes['gpu-node-small-1'],
  })
  t.ok(res.json().NodeNames.includes('worker-1'))
})

t.test('without a cluster source, names-only requests keep the unknown-node answer', async (t) => {
  const metrics = createMetrics({ processMetrics: false })
  const app = buildApp({ policy: new PolicyStore(defaultPolicy(), metrics), metrics })
  const res = await app.inject({ method: 'POST', url: '/filter', payload: namesArgs(pod, nodes) })
  t.equal(res.json().Error, '')
  t.same(Object.keys(res.json().FailedNodes), names)
})
