// The cluster cache against an API server that fails: 5xx, dropped and
// errored watches, expired history, hung and slow requests, an outage. The
// cluster changes during each fault; after each, the cache must hold what
// the API server holds: the same nodes and the same usage per node.
import t from 'tap'
import { assignedNode } from '../../src/cluster/source.js'
import { addInto, type ResourceAmounts } from '../../src/engine/resources.js'
import { nodeView, podView } from '../../src/engine/views.js'
import type { ClusterCache } from '../../src/cluster/cache.js'
import { pollUntil } from '../support/poll.js'
import { StandInApiServer } from '../support/api-server.js'
import { cacheFor, fixtureNodes, nodeNames as n, runningGpuPod } from '../support/cluster.js'

type Json = Record<string, any>

const resources = ['cpu', 'memory', 'nvidia.com/gpu']

/** What a cache must agree on: node names with labels, and per node the usage. */
interface View {
  nodes: Record<string, Record<string, string>>
  used: Record<string, Record<string, number>>
  pods: number
}

/** JSON with object keys sorted, to compare views built in different orders. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  )

function truth(server: StandInApiServer): View {
  const nodes: View['nodes'] = {}
  for (const o of server.stored('nodes') as Json[]) {
    const v = nodeView(o, o.metadata.name)
    nodes[v.name] = Object.fromEntries(v.labels)
  }
  const sums = new Map<string, ResourceAmounts>()
  let pods = 0
  for (const p of server.stored('pods')) {
    pods++
    const node = assignedNode(p)
    if (node === undefined) continue
    const sum = sums.get(node) ?? new Map()
    addInto(sum, podView(p).requests)
    sums.set(node, sum)
  }
  const used: View['used'] = {}
  for (const name of Object.keys(nodes)) {
    used[name] = Object.fromEntries(resources.map((r) => [r, sums.get(name)?.get(r) ?? 0]))
  }
  return { nodes, used, pods }
}

function seen(cache: ClusterCache): View {
  const nodes: View['nodes'] = {}
  for (const v of cache.nodes()) nodes[v.name] = Object.fromEntries(v.labels)
  const used: View['used'] = {}
  for (const name of Object.keys(nodes)) {
    used[name] = Object.fromEntries(resources.map((r) => [r, cache.state.used(name, r)]))
  }
  return { nodes, used, pods: cache.state.counts.pods }
}

/** A plain worker node, named. */
function worker(name: string, labels: Record<string, string> = {}): Json {
  const plain = fixtureNodes().find((o: Json) => o.metadata.name === n.worker)!
  const node = structuredClone(plain) as Json
  node.metadata.name = name
  node.metadata.labels = { ...node.metadata.labels, 'kubernetes.io/hostname': name, ...labels }
  delete node.metadata.uid
  return node
}

let step = 0

/** Changes the cluster: pods come, go and finish, nodes come, change and go. */
function churn(server: StandInApiServer): void {
  step++
  const gpuNodes = [n.a100, n.smallGpu]
  server.apply('pods', runningGpuPod(`job-${step}`, gpuNodes[step % 2]!, 1))
  server.apply('pods', runningGpuPod(`job-${step}-b`, n.a100, 2))
  server.remove('pods', `job-${step - 1}-b`)
  server.apply('pods', runningGpuPod(`job-${step - 1}`, gpuNodes[(step - 1) % 2]!, 1, 'Succeeded'))
  server.apply('nodes', worker(`burst-${step}`))
  server.remove('nodes', `burst-${step - 2}`)
  server.apply('nodes', worker('worker-churn', { step: String(step) }))
}

t.test('after each API fault the cache converges to the API server', async (t) => {
  const server = new StandInApiServer({ historyLimit: 50, bookmarkIntervalMs: 200 })
  await server.start()
  for (const node of fixtureNodes()) server.apply('nodes', node)
  for (let i = 0; i < 40; i++) server.apply('pods', runningGpuPod(`seed-${i}`, n.a100, 0))
  churn(server)
  // Short timeouts so a hung request is given up within a second.
  const { cache, stop } = cacheFor(server, {
    backoff: { initialMs: 20, maxMs: 200 },
    listTimeoutMs: 1000,
    pageSize: 10,
    watchTimeoutSeconds: 30,
  })
  t.teardown(async () => {
    await stop()
    await server.stop()
  })

  const converged = async (what: string) => {
    await pollUntil(
      `the cache to converge after ${what}`,
      () => (canonical(seen(cache)) === canonical(truth(server)) ? true : undefined),
      60_000,
    )
    t.same(seen(cache), truth(server), `converged after ${what}`)
  }
  const watching = () =>
    pollUntil('both watches', () => (server.watchCount() === 2 ? true : undefined), 60_000)

  await pollUntil('the first sync', () => (cache.ready() ? true : undefined))
  await converged('the first lists')

  const faults: [string, () => void | Promise<void>][] = [
    [
      '5xx answers to lists and watches',
      () => {
        server.failNext(8, 500)
        server.cutWatches()
      },
    ],
    [
      'watches dropped mid-event again and again',
      async () => {
        for (let i = 0; i < 5; i++) {
          churn(server)
          server.cutWatches()
          await watching()
        }
      },
    ],
    ['watch ERROR events with status 500', () => server.errorWatches(500)],
    [
      '429 answers (API priority and fairness)',
      () => {
        server.failNext(4, 429)
        server.endWatches()
      },
    ],
    [
      'history compacted while the watches were down (410 Gone)',
      () => {
        server.cutWatches()
        for (let i = 0; i < 30; i++) churn(server)
        server.compact()
      },
    ],
    [
      'watch requests that hang without an answer',
      () => {
        server.hangNext(3)
        server.cutWatches()
      },
    ],
    [
      'slow answers, some beyond the request timeout',
      () => {
        server.slowNext(4, 1500)
        server.endWatches()
      },
    ],
    [
      'an outage (connection refused), then recovery',
      async () => {
        await server.down()
        churn(server)
        await server.up()
      },
    ],
  ]
  for (const [what, fault] of faults) {
    await watching()
    await fault()
    churn(server)
    churn(server)
    await converged(what)
  }
  t.ok(cache.ready(), 'stays ready throughout')
})
