import t from 'tap'
import { readObjects, firstPod, nodesIn } from '../../src/cli/objects.js'
import { staticNodeSource } from '../../src/cluster/source.js'
import { noClusterNote } from '../../src/engine/decide.js'
import type { Explanation } from '../../src/engine/explain.js'
import { createMetrics } from '../../src/metrics.js'
import { loadPolicyFile } from '../../src/policy/load.js'
import { PolicyStore } from '../../src/policy/store.js'
import { buildApp } from '../../src/server/app.js'
import { fixturePath, repoPath } from '../support/objects.js'

const nodes = ['a01-vk-node-aci-virtual-node.yaml', 'd01-worker-node-plain-kubeadm.yaml'].flatMap(
  (f) => nodesIn(readObjects(fixturePath(f))),
)
const job = firstPod(readObjects(fixturePath('e06-job-gpu-1x-tolerate-gpu-taint.yaml')), 'e06')
const deployment = readObjects(fixturePath('e02-deployment-vk-burst-hpa-online-store.yaml'))
const steady = firstPod(deployment, 'e02')

function app(policyFile = 'policies/default.yaml', withNodes = false) {
  const metrics = createMetrics({ processMetrics: false })
  const policy = new PolicyStore(loadPolicyFile(repoPath(policyFile)), metrics)
  const source = withNodes ? staticNodeSource(nodes) : undefined
  return buildApp({ policy, metrics, nodes: source })
}

t.test('GET /policy shows the active policy, its hash, source, pools and classes', async (t) => {
  const res = await app().inject({ method: 'GET', url: '/policy' })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.name, 'default')
  t.match(body.hash, /^[0-9a-f]{64}$/)
  t.equal(body.source, repoPath('policies/default.yaml'))
  t.ok(!Number.isNaN(Date.parse(body.loadedAt)))
  t.same(
    body.pools.map((p: { name: string }) => p.name),
    ['virtual', 'accelerator', 'dedicated'],
  )
  t.match(body.classes, [{ name: 'node-agent' }, { name: 'accelerator' }, {}, {}])
})

t.test('POST /explain says why each node passes and where its score comes from', async (t) => {
  const res = await app().inject({
    method: 'POST',
    url: '/explain',
    payload: { Pod: steady, Nodes: { items: nodes }, NodeNames: null },
  })
  t.equal(res.statusCode, 200)
  const body = res.json() as Explanation
  t.match(body.class, { name: 'steady', via: 'match', rule: '/classes/3' })
  t.match(body.nodes, [
    { node: 'virtual-node-aci-linux', pool: 'virtual', verdict: 'pass', score: 1 },
    { node: 'worker-1', pool: 'dedicated', verdict: 'pass', score: 10, rule: '/classes/3/pools/0' },
  ])
  t.match(body.nodes[1]?.scoreSource, /pool dedicated scores 10/)
  t.same(body.best, ['worker-1'])
})

t.test('POST /explain gives the reason of a refused node', async (t) => {
  const res = await app().inject({
    method: 'POST',
    url: '/explain',
    payload: { Pod: job, Nodes: { items: nodes } },
  })
  const body = res.json() as Explanation
  t.match(body.nodes, [
    { verdict: 'unresolvable', code: 'insufficient-device', rule: '/devices' },
    { verdict: 'unresolvable', code: 'insufficient-device' },
  ])
  t.same(body.best, [])
})

t.test('POST /explain resolves names through the node source', async (t) => {
  const res = await app('policies/default.yaml', true).inject({
    method: 'POST',
    url: '/explain',
    payload: { Pod: steady, NodeNames: ['worker-1', 'gone'] },
  })
  const body = res.json() as Explanation
  t.match(body.nodes, [
    { node: 'worker-1', verdict: 'pass' },
    { node: 'gone', verdict: 'fail', code: 'unknown-node' },
  ])
})

t.test('POST /explain notes what it cannot evaluate without cluster state', async (t) => {
  const res = await app('policies/examples/overflow.yaml').inject({
    method: 'POST',
    url: '/explain',
    payload: { Pod: job, Nodes: { items: nodes } },
  })
  t.same((res.json() as Explanation).notes, [noClusterNote])
})

t.test('POST /explain answers bad input with a 400 and its code', async (t) => {
  const res = await app().inject({ method: 'POST', url: '/explain', payload: { Nodes: {} } })
  t.equal(res.statusCode, 400)
  t.equal(res.json().code, 'HX_REQUEST_SHAPE')
})
