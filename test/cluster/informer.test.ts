import { CoreV1Api } from '@kubernetes/client-node'
import { join } from 'node:path'
import t from 'tap'
import { ResilientInformer, type RestartReason } from '../../src/cluster/informer.js'
import { clusterConnection } from '../../src/cluster/kubeconfig.js'
import { projectNode, type NodeRecord } from '../../src/cluster/records.js'
import { StandInApiServer } from '../support/api-server.js'
import { fixtureNodes, tempDir, waitFor } from '../support/cluster.js'

interface Options {
  pageSize?: number
  listTimeoutMs?: number
}

/** A node informer on the stand-in, recording what it is told. */
function watchNodes(
  t: { teardown(fn: () => Promise<void>): void },
  server: StandInApiServer,
  o: Options = {},
) {
  const { dir, cleanup } = tempDir()
  const connection = clusterConnection(server.writeKubeconfig(join(dir, 'kubeconfig')), {})
  if (connection === undefined) throw new Error('no connection')
  const api = connection.kubeConfig.makeApiClient(CoreV1Api)
  const nodes = new Map<string, NodeRecord>()
  const restarts: RestartReason[] = []
  let syncs = 0
  const informer = new ResilientInformer<NodeRecord>(connection.kubeConfig, {
    kind: 'node',
    path: '/api/v1/nodes',
    listPage: (page, httpApi) => api.listNode(page, { httpApi }),
    project: projectNode,
    handlers: {
      set: (r) => nodes.set(r.name, r),
      remove: (r) => nodes.delete(r.name),
      synced: () => syncs++,
      current: () => {},
      restarted: (reason) => restarts.push(reason),
    },
    log: { info: () => {}, warn: () => {} },
    backoff: { initialMs: 20, maxMs: 200 },
    listTimeoutMs: o.listTimeoutMs ?? 5_000,
    pageSize: o.pageSize,
  })
  informer.start()
  t.teardown(async () => {
    await informer.stop()
    await server.stop()
    cleanup()
  })
  return { informer, nodes, restarts, syncs: () => syncs }
}

async function standIn(): Promise<StandInApiServer> {
  const server = new StandInApiServer({ bookmarkIntervalMs: 60_000 })
  await server.start()
  for (const node of fixtureNodes()) server.apply('nodes', node)
  return server
}

const node = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, labels } })

t.test('the first list is applied, then changes arrive through the watch', async (t) => {
  const server = await standIn()
  const w = watchNodes(t, server)
  await waitFor('the first sync', () => w.informer.synced)
  t.equal(w.nodes.size, 5)
  t.equal(w.syncs(), 1)
  server.apply('nodes', node('n-new'))
  await waitFor('the new node', () => w.nodes.has('n-new'))
  t.same(server.requests.nodes, { list: 1, watch: 1 })
})

t.test('a paged list gathers every page before applying', async (t) => {
  const server = await standIn()
  const w = watchNodes(t, server, { pageSize: 2 })
  await waitFor('the first sync', () => w.informer.synced)
  t.equal(w.nodes.size, 5)
  t.equal(server.requests.nodes.list, 3, 'pages of 2, 2 and 1')
})

t.test(
  'a watch cut mid-stream resumes from the last resourceVersion without a relist',
  async (t) => {
    const server = await standIn()
    const w = watchNodes(t, server)
    await waitFor('the first sync', () => w.informer.synced)
    await waitFor('the watch', () => server.watchCount('nodes') === 1)
    server.cutWatches()
    server.apply('nodes', node('after-cut'))
    await waitFor('the node added after the cut', () => w.nodes.has('after-cut'))
    t.equal(server.requests.nodes.list, 1)
    t.ok(server.requests.nodes.watch >= 2)
    t.ok(w.restarts.includes('error'))
  },
)

t.test('a watch the server ends cleanly is resumed', async (t) => {
  const server = await standIn()
  const w = watchNodes(t, server)
  await waitFor('the watch', () => server.watchCount('nodes') === 1)
  server.endWatches()
  await waitFor('a new watch', () => server.requests.nodes.watch === 2)
  server.apply('nodes', node('after-end'))
  await waitFor('the node added after the end', () => w.nodes.has('after-end'))
  t.same(w.restarts, ['closed'])
  t.equal(server.requests.nodes.list, 1)
})

t.test('a 410 ERROR event leads to a relist', async (t) => {
  const server = await standIn()
  const w = watchNodes(t, server)
  await waitFor('the watch', () => server.watchCount('nodes') === 1)
  server.expireWatches()
  await waitFor('the relist', () => server.requests.nodes.list === 2)
  server.apply('nodes', node('after-relist'))
  await waitFor('the node added after the relist', () => w.nodes.has('after-relist'))
  t.same(w.restarts, ['expired'])
  t.equal(w.syncs(), 1, 'synced once')
})

t.test(
  'a resourceVersion compacted away during an outage gets 410, then a relist drops deleted objects',
  async (t) => {
    const server = await standIn()
    const w = watchNodes(t, server)
    await waitFor('the watch', () => server.watchCount('nodes') === 1)
    await server.down()
    server.apply('nodes', node('added-while-down'))
    server.remove('nodes', 'worker-1')
    server.compact()
    await server.up()
    await waitFor(
      'the relisted state',
      () => w.nodes.has('added-while-down') && !w.nodes.has('worker-1'),
    )
    t.equal(server.requests.nodes.list, 2)
    t.ok(w.restarts.includes('error'), 'the outage')
    t.ok(w.restarts.includes('expired'), 'the 410')
  },
)

t.test(
  'bookmarks move the resourceVersion, so resuming after a compaction needs no relist',
  async (t) => {
    const server = await standIn()
    const w = watchNodes(t, server)
    await waitFor('the watch', () => server.watchCount('nodes') === 1)
    for (let i = 0; i < 3; i++) server.apply('pods', { metadata: { name: `p${i}` } })
    server.bookmarkNow()
    await waitFor(
      'the bookmark',
      () => w.informer.resourceVersion === String(server.resourceVersion),
    )
    server.compact()
    server.cutWatches()
    server.apply('nodes', node('after-bookmark'))
    await waitFor('the node added after the cut', () => w.nodes.has('after-bookmark'))
    t.equal(server.requests.nodes.list, 1)
    t.notOk(w.restarts.includes('expired'))
  },
)

t.test('API errors are retried with backoff until the list succeeds', async (t) => {
  const server = await standIn()
  server.failNext(3, 500)
  const w = watchNodes(t, server)
  await waitFor('the first sync', () => w.informer.synced)
  t.same(w.restarts, ['error', 'error', 'error'])
  t.equal(w.nodes.size, 5)
})

t.test(
  'an ERROR event other than 410 is retried with backoff and resumes without a relist',
  async (t) => {
    const server = await standIn()
    const w = watchNodes(t, server)
    await waitFor('the watch', () => server.watchCount('nodes') === 1)
    server.errorWatches(500)
    server.apply('nodes', node('after-error'))
    await waitFor('the node added after the error', () => w.nodes.has('after-error'))
    t.same(w.restarts, ['error'])
    t.equal(server.requests.nodes.list, 1)
  },
)

t.test('a list that never answers times out and is retried', async (t) => {
  const server = await standIn()
  server.hangNext(1)
  const w = watchNodes(t, server, { listTimeoutMs: 300 })
  await waitFor('the first sync', () => w.informer.synced)
  t.same(w.restarts, ['error'])
  t.equal(server.requests.nodes.list, 1, 'the hung request was never counted as served')
})

t.test('stop ends the watch and nothing restarts it', async (t) => {
  const server = await standIn()
  const w = watchNodes(t, server)
  await waitFor('the watch', () => server.watchCount('nodes') === 1)
  await w.informer.stop()
  await waitFor('the watch to close', () => server.watchCount('nodes') === 0)
  server.apply('nodes', node('after-stop'))
  // A second informer seeing the change is the clock: the stopped one had as long.
  const watches = server.requests.nodes.watch
  const second = watchNodes(t, server)
  await waitFor('the second informer', () => second.nodes.has('after-stop'))
  t.equal(server.requests.nodes.watch, watches + 1, 'only the second informer watched')
  t.notOk(w.nodes.has('after-stop'))
  t.same(w.restarts, [])
})
