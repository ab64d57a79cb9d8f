import t from 'tap'
import { staticNodeSource } from '../../src/cluster/source.js'
import { decide, noClusterNote, type Decision } from '../../src/engine/decide.js'
import { nodeView, podView } from '../../src/engine/views.js'
import { header, node, pod, policyOf } from '../support/objects.js'

const policy = policyOf(`${header}
pools:
  - name: virtual
    virtual: true
    match: { any: [{ label: { key: type, values: [virtual-kubelet] } }] }
  - name: dedicated
classes:
  - name: bursty
    match: { ownerKinds: [Job] }
    pools:
      - pool: dedicated
        score: 10
        overflow: { thresholdPercent: 70, score: 2 }
      - pool: virtual
        score: 5
  - name: steady
    pools: [{ pool: dedicated, score: 10 }, { pool: virtual, score: 1 }]
    overrides:
      - namespaces: [labs]
        pools: [{ pool: virtual, score: 7 }]
budgets:
  - name: team-burst
    pool: virtual
    classes: [bursty]
    maxPods: 2
  - name: steady-cpu
    pool: virtual
    per: class
    classes: [steady]
    maxCpu: "3"
`)

const nodes = [
  node('d1'),
  node('d2'),
  node('vk', { labels: { type: 'virtual-kubelet' }, allocatable: { cpu: '10k', pods: '5k' } }),
]
const views = nodes.map((n) => nodeView(n))
const job = (name: string, ns = 'team-a') => pod(name, { namespace: ns, ownerKind: 'Job' })

function byNode(d: Decision) {
  return Object.fromEntries(d.verdicts.map((v) => [v.node, v]))
}

t.test('overflow keeps the normal scores while the pool is below its threshold', async (t) => {
  const cluster = staticNodeSource(nodes, [pod('r1', { requests: { cpu: '5' }, nodeName: 'd1' })])
  const d = byNode(decide(podView(job('j')), views, policy, { cluster, trace: true }))
  t.equal(d.d1?.score, 10)
  t.equal(d.vk?.score, 5)
  t.match(d.d1?.scoreSource, /62\.5% of its cpu requested, below the 70% threshold/)
})

t.test('overflow drops a busy pool to its overflow score without refusing it', async (t) => {
  const cluster = staticNodeSource(nodes, [
    pod('r1', { requests: { cpu: '3' }, nodeName: 'd1' }),
    pod('r2', { requests: { cpu: '2600m' }, nodeName: 'd2' }),
  ])
  const d = byNode(decide(podView(job('j')), views, policy, { cluster, trace: true }))
  t.equal(d.d1?.outcome, 'pass')
  t.equal(d.d1?.score, 2)
  t.equal(d.d2?.score, 2)
  t.equal(d.vk?.score, 5)
  t.match(d.d2?.scoreSource, /pool busy: 70% of its cpu requested.*overflow score 2/)
})

t.test('overflow measures every node of the pool, not only the candidates', async (t) => {
  const cluster = staticNodeSource(nodes, [
    pod('r2', { requests: { cpu: '4' }, nodeName: 'd2' }),
    pod('r1', { requests: { cpu: '2' }, nodeName: 'd1' }),
  ])
  const only = views.filter((v) => v.name === 'd1')
  const d = decide(podView(job('j')), only, policy, { cluster })
  t.equal(d.verdicts[0]?.score, 2)
})

t.test('overflow reads utilisation as 0% without cluster state, and says so', async (t) => {
  const d = decide(podView(job('j')), views, policy, { trace: true })
  t.equal(byNode(d).d1?.score, 10)
  t.same(d.notes, [noClusterNote])
  t.match(byNode(d).d1?.scoreSource, /unknown without cluster state/)
})

t.test('a pod budget refuses the pool once the namespace holds its cap', async (t) => {
  const cluster = staticNodeSource(nodes, [
    { ...job('a1'), spec: { ...job('a1').spec, nodeName: 'vk' } },
    { ...job('a2'), spec: { ...job('a2').spec, nodeName: 'vk' } },
  ])
  const d = byNode(decide(podView(job('j')), views, policy, { cluster, trace: true }))
  t.equal(d.vk?.outcome, 'fail')
  t.equal(d.vk?.code, 'budget-exceeded')
  t.equal(d.vk?.rule, '/budgets/0')
  t.match(d.vk?.message, /budget team-burst: namespace team-a already holds 2 of 2 pods/)
  t.equal(d.d1?.outcome, 'pass')
})

t.test('a pod budget counts each namespace on its own', async (t) => {
  const cluster = staticNodeSource(nodes, [
    { ...job('a1'), spec: { ...job('a1').spec, nodeName: 'vk' } },
    { ...job('a2'), spec: { ...job('a2').spec, nodeName: 'vk' } },
  ])
  const d = byNode(decide(podView(job('j', 'team-b')), views, policy, { cluster }))
  t.equal(d.vk?.outcome, 'pass')
})

t.test('a CPU budget per class counts the pod itself against the cap', async (t) => {
  const running = pod('s1', { requests: { cpu: '2500m' }, nodeName: 'vk', namespace: 'x' })
  const cluster = staticNodeSource(nodes, [running])
  const small = decide(podView(pod('s', { requests: { cpu: '500m' } })), views, policy, {
    cluster,
  })
  t.equal(byNode(small).vk?.outcome, 'pass')
  const big = decide(podView(pod('s', { requests: { cpu: '1' } })), views, policy, { cluster })
  t.equal(byNode(big).vk?.code, 'budget-exceeded')
  t.match(byNode(big).vk?.message, /class steady already holds 2\.5 of 3 CPU/)
})

t.test('budgets are not enforced without cluster state', async (t) => {
  const d = decide(podView(job('j')), views, policy, {})
  t.equal(byNode(d).vk?.outcome, 'pass')
})

t.test('a namespace override replaces the class rules for that namespace', async (t) => {
  const d = byNode(decide(podView(pod('p', { namespace: 'labs' })), views, policy, { trace: true }))
  t.equal(d.vk?.score, 7)
  t.equal(d.vk?.rule, '/classes/1/overrides/0/pools/0')
  t.equal(d.d1?.code, 'pool-not-allowed')
  t.equal(d.d1?.rule, '/classes/1/overrides/0/pools')
  const elsewhere = byNode(decide(podView(pod('p')), views, policy, {}))
  t.equal(elsewhere.d1?.score, 10)
})

t.test('figures follow the cluster generation after a placement', async (t) => {
  const cluster = staticNodeSource(nodes, [])
  const before = decide(podView(job('j')), views, policy, { cluster })
  t.equal(byNode(before).d1?.score, 10)
  cluster.place(pod('big', { requests: { cpu: '6' } }), 'd1')
  const after = decide(podView(job('j')), views, policy, { cluster })
  t.equal(byNode(after).d1?.score, 2)
})
