import t from 'tap'
import { notSeenMessage, type ClusterCache } from '../../src/cluster/cache.js'
import { defaultPolicyPath } from '../../src/cli/serve.js'
import { createMetrics } from '../../src/metrics.js'
import { loadPolicyFile } from '../../src/policy/load.js'
import { PolicyStore } from '../../src/policy/store.js'
import { buildApp } from '../../src/server/app.js'
import type { ExtenderFilterResult, HostPriority } from '../../src/wire/types.js'
import { StandInApiServer } from '../support/api-server.js'
import {
  cacheFor,
  fastRetries,
  fixtureNodes,
  gpuJobPod,
  nodeNames as n,
  runningGpuPod,
  waitFor,
} from '../support/cluster.js'

const gpu = 'nvidia.com/gpu'
const allNames = Object.values(n)

async function setup(t: { teardown(fn: () => Promise<void>): void }) {
  const server = new StandInApiServer()
  await server.start()
  for (const node of fixtureNodes()) server.apply('nodes', node)
  server.apply('pods', runningGpuPod('train-a', n.a100, 6))
  server.apply('pods', runningGpuPod('train-b', n.smallGpu, 1))
  const metrics = createMetrics({ processMetrics: false })
  const { cache, stop } = cacheFor(server, { ...fastRetries, metrics })
  const policy = new PolicyStore(loadPolicyFile(defaultPolicyPath))
  const app = buildApp({ policy, metrics, nodes: cache })
  t.teardown(async () => {
    await app.close()
    await stop()
    await server.stop()
  })
  await waitFor('the first sync', () => cache.ready())
  return { server, cache, app, metrics }
}

type App = ReturnType<typeof buildApp>

async function filter(app: App, names: string[], pod = gpuJobPod()): Promise<ExtenderFilterResult> {
  const res = await app.inject({
    method: 'POST',
    url: '/filter',
    payload: { Pod: pod, Nodes: null, NodeNames: names },
  })
  return res.json() as ExtenderFilterResult
}

/** A bare pod without owner or devices: the default policy's steady class. */
function servicePod(): Record<string, unknown> {
  const pod = gpuJobPod() as { metadata: Record<string, unknown>; spec: { containers: object[] } }
  delete pod.metadata.ownerReferences
  pod.spec.containers = [{ name: 'web', image: 'web', resources: { requests: { cpu: '100m' } } }]
  return pod
}

async function prioritize(
  app: App,
  names: string[],
  pod = gpuJobPod(),
): Promise<Map<string, number>> {
  const payload = { Pod: pod, Nodes: null, NodeNames: names }
  const res = await app.inject({ method: 'POST', url: '/prioritize', payload })
  return new Map((res.json() as HostPriority[]).map((h) => [h.Host, h.Score]))
}

const usedOn = (cache: ClusterCache, node: string) => cache.usage.used(node, gpu)

t.test('the first lists fill the cache and make it ready', async (t) => {
  const { cache, app, metrics } = await setup(t)
  t.same(cache.state.counts, { nodes: 5, pods: 2 })
  t.equal(usedOn(cache, n.a100), 6)
  t.equal(usedOn(cache, n.smallGpu), 1)
  t.equal((await app.inject({ url: '/readyz' })).statusCode, 200)
  const text = await metrics.registry.metrics()
  t.match(text, /hybrid_extender_cache_synced 1/)
  t.match(text, /hybrid_extender_cache_objects\{kind="pod"\} 2/)
  t.match(text, /hybrid_extender_cache_last_sync_timestamp_seconds\{kind="node"\} \d+/)
})

t.test(
  'a names-only filter passes nodes with free devices and fails busy ones as resolvable',
  async (t) => {
    const { app } = await setup(t)
    const reply = await filter(app, allNames)
    t.same(reply.NodeNames, [n.a100])
    t.same(Object.keys(reply.FailedNodes), [n.smallGpu], 'busy: preemption may help')
    t.match(reply.FailedNodes[n.smallGpu], /0 of 1 free/)
    const never = [n.fpga, n.virtual, n.worker]
    t.same(Object.keys(reply.FailedAndUnresolvableNodes ?? {}).sort(), never.sort())
  },
)

t.test('best-fit scores use free device counts', async (t) => {
  const { server, cache, app } = await setup(t)
  t.equal((await prioritize(app, [n.a100])).get(n.a100), 8, '1 of 2 free GPUs')
  server.remove('pods', 'train-a')
  await waitFor('train-a to go', () => usedOn(cache, n.a100) === 0)
  t.equal((await prioritize(app, [n.a100])).get(n.a100), 7, '1 of 8 free GPUs')
})

t.test('a pod that finishes frees its GPU', async (t) => {
  const { server, cache, app } = await setup(t)
  server.apply('pods', runningGpuPod('train-b', n.smallGpu, 1, 'Succeeded'))
  await waitFor('train-b to finish', () => usedOn(cache, n.smallGpu) === 0)
  t.same((await filter(app, [n.smallGpu])).NodeNames, [n.smallGpu])
})

t.test('a deleted pod frees its GPU and a new pod takes one', async (t) => {
  const { server, cache, app } = await setup(t)
  server.remove('pods', 'train-b')
  await waitFor('train-b to go', () => usedOn(cache, n.smallGpu) === 0)
  t.same((await filter(app, [n.smallGpu])).NodeNames, [n.smallGpu])
  server.apply('pods', runningGpuPod('train-c', n.smallGpu, 1, 'Pending'))
  await waitFor('train-c to be counted', () => usedOn(cache, n.smallGpu) === 1)
  t.same(Object.keys((await filter(app, [n.smallGpu])).FailedNodes), [n.smallGpu])
})

t.test('a pod bound later starts holding its devices then', async (t) => {
  const { server, cache } = await setup(t)
  const pending = runningGpuPod('train-d', n.a100, 2, 'Pending')
  delete (pending.spec as { nodeName?: string }).nodeName
  server.apply('pods', pending)
  await waitFor('train-d to arrive', () => cache.state.counts.pods === 3)
  t.equal(usedOn(cache, n.a100), 6, 'an unbound pod holds nothing')
  server.apply('pods', runningGpuPod('train-d', n.a100, 2, 'Pending'))
  await waitFor('train-d to be bound', () => usedOn(cache, n.a100) === 8)
  t.same([...cache.usage.podsOn(n.a100)].map((p) => p.name).sort(), ['train-a', 'train-d'])
})

t.test('nodes added, changed and deleted after the first list change the answers', async (t) => {
  const { server, cache, app } = await setup(t)
  const extra = structuredClone(fixtureNodes()[1] as Record<string, any>)
  extra.metadata.name = 'gpu-node-a100-002'
  server.apply('nodes', extra)
  await waitFor('the new node', () => cache.get('gpu-node-a100-002') !== undefined)
  t.same((await filter(app, ['gpu-node-a100-002'])).NodeNames, ['gpu-node-a100-002'])

  const worker = fixtureNodes()[4] as Record<string, any>
  t.equal((await prioritize(app, [n.worker], servicePod())).get(n.worker), 10, 'dedicated pool')
  const before = cache.get(n.worker)
  worker.metadata.labels.type = 'virtual-kubelet'
  server.apply('nodes', worker)
  await waitFor('the relabelled node', () => cache.get(n.worker) !== before)
  t.equal((await prioritize(app, [n.worker], servicePod())).get(n.worker), 1, 'now virtual')

  server.remove('nodes', 'gpu-node-a100-002')
  await waitFor('the node to go', () => cache.get('gpu-node-a100-002') === undefined)
  t.equal(
    (await filter(app, ['gpu-node-a100-002'])).FailedNodes['gpu-node-a100-002'],
    notSeenMessage,
  )
})

t.test('a node update that changes nothing the engine sees keeps the same view', async (t) => {
  const { server, cache } = await setup(t)
  const before = cache.get(n.a100)
  const generation = cache.usage.generation
  const node = fixtureNodes()[1] as Record<string, any>
  node.status.conditions = [{ type: 'Ready', status: 'True' }]
  server.apply('nodes', node)
  // Events of one watch arrive in order: once the marker is in, so is the update.
  server.apply('nodes', { metadata: { name: 'marker' } })
  await waitFor('the marker node', () => cache.get('marker') !== undefined)
  t.equal(cache.get(n.a100), before)
  t.equal(cache.usage.generation, generation + 1, 'only the marker counted as a change')
})

t.test('names the cache has not seen fail with the not-seen reason', async (t) => {
  const { app } = await setup(t)
  const reply = await filter(app, [n.a100, 'node-from-the-future'])
  t.same(reply.NodeNames, [n.a100])
  t.equal(reply.FailedNodes['node-from-the-future'], notSeenMessage)
  t.notOk(reply.FailedAndUnresolvableNodes?.['node-from-the-future'])
})

t.test('nodes the cache holds but the request did not name are never returned', async (t) => {
  const { app } = await setup(t)
  const reply = await filter(app, [n.smallGpu])
  const answered = [
    ...(reply.NodeNames ?? []),
    ...Object.keys(reply.FailedNodes),
    ...Object.keys(reply.FailedAndUnresolvableNodes ?? {}),
  ]
  t.same(answered, [n.smallGpu])
  t.same([...(await prioritize(app, [n.a100])).keys()], [n.a100])
})

t.test('a full-object request uses its own nodes with usage from the cache', async (t) => {
  const { app } = await setup(t)
  const nodes = fixtureNodes().filter((o) => (o.metadata as { name: string }).name !== n.worker)
  const payload = { Pod: gpuJobPod(), Nodes: { metadata: {}, items: nodes }, NodeNames: null }
  const reply = (
    await app.inject({ method: 'POST', url: '/filter', payload })
  ).json() as ExtenderFilterResult
  const passed = (reply.Nodes?.items ?? []).map(
    (o) => (o as { metadata: { name: string } }).metadata.name,
  )
  t.same(passed, [n.a100])
  t.same(Object.keys(reply.FailedNodes), [n.smallGpu])
})

t.test('with the API down at start it is not ready, then ready once the API answers', async (t) => {
  const server = new StandInApiServer()
  await server.start()
  for (const node of fixtureNodes()) server.apply('nodes', node)
  await server.down()
  const metrics = createMetrics({ processMetrics: false })
  const { cache, stop } = cacheFor(server, { ...fastRetries, metrics })
  const app = buildApp({
    policy: new PolicyStore(loadPolicyFile(defaultPolicyPath)),
    metrics,
    nodes: cache,
  })
  t.teardown(async () => {
    await app.close()
    await stop()
    await server.stop()
  })
  const restarts = async () => {
    const metric = await metrics.watchRestarts.get()
    return metric.values.reduce((sum, v) => sum + v.value, 0)
  }
  const deadline = Date.now() + 30_000
  while ((await restarts()) < 4 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20))
  t.ok((await restarts()) >= 4, 'retried')
  t.notOk(cache.ready())
  t.equal((await app.inject({ url: '/readyz' })).statusCode, 503)
  const reply = await filter(app, [n.a100])
  t.match(reply.Error, /^HX_NOT_READY: /, 'names-only requests fail until the cache is ready')
  t.match(await metrics.registry.metrics(), /hybrid_extender_cache_synced 0/)

  await server.up()
  await waitFor('the first sync', () => cache.ready())
  t.equal((await app.inject({ url: '/readyz' })).statusCode, 200)
  t.same((await filter(app, [n.a100])).NodeNames, [n.a100])
})
