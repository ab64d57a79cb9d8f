import t from 'tap'
import { nodeView, podView } from '../../src/engine/views.js'
import { fixtureNode, fixturePod } from '../support/fixtures.js'

t.test('a node projection keeps labels, taints and allocatable', async (t) => {
  const v = nodeView(fixtureNode('a01'))
  t.equal(v.name, 'virtual-node-aci-linux')
  t.equal(v.labels.get('type'), 'virtual-kubelet')
  t.same(v.taints, [{ key: 'virtual-kubelet.io/provider', value: 'azure', effect: 'NoSchedule' }])
  t.equal(v.allocatable.get('cpu'), 10_000)
  t.equal(v.allocatable.get('memory'), 4 * 2 ** 40)
})

t.test('a node without allocatable falls back to its capacity', async (t) => {
  const v = nodeView({ metadata: { name: 'n' }, status: { capacity: { 'nvidia.com/gpu': 2 } } })
  t.equal(v.allocatable.get('nvidia.com/gpu'), 2)
})

t.test('a node with no labels, taints or status projects to empty parts', async (t) => {
  const v = nodeView({ metadata: { name: 'bare' } })
  t.same([v.labels.size, v.taints.length, v.allocatable.size], [0, 0, 0])
  const odd = nodeView({
    metadata: { name: 'odd', labels: { a: 1, b: 'x' } },
    spec: { taints: [null, { value: 'v' }] },
  })
  t.same([...odd.labels], [['b', 'x']])
  t.same(odd.taints, [])
})

t.test('label keys that shadow Object.prototype are plain keys', async (t) => {
  const v = nodeView({
    metadata: { name: 'n', labels: JSON.parse('{"__proto__":"x","constructor":"y"}') },
  })
  t.equal(v.labels.get('__proto__'), 'x')
  t.equal(v.labels.get('constructor'), 'y')
  t.equal(nodeView({ metadata: { name: 'm' } }).labels.get('constructor'), undefined)
})

t.test('a pod projection reads owner kind, requests and host features', async (t) => {
  const ds = podView(fixturePod('e10'))
  t.equal(ds.ownerKind, 'DaemonSet')
  t.same(ds.features, ['hostPath', 'hostNetwork', 'privileged'])
  const job = podView(fixturePod('e06'))
  t.equal(job.ownerKind, 'Job')
  t.equal(job.requests.get('nvidia.com/gpu'), 1)
  const bare = podView({ metadata: { name: 'p' } })
  t.same(
    [bare.ownerKind, bare.namespace, bare.requests.size, bare.features],
    [null, 'default', 0, []],
  )
})

t.test('the controlling owner reference wins over others', async (t) => {
  const pod = {
    metadata: {
      ownerReferences: [
        { kind: 'ConfigMap', name: 'a' },
        { kind: 'Job', name: 'b', controller: true },
      ],
    },
  }
  t.equal(podView(pod).ownerKind, 'Job')
})
