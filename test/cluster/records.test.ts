import t from 'tap'
import { projectNode, projectPod, sameNode, samePod } from '../../src/cluster/records.js'
import { fixture, fixtureNodeFiles, runningGpuPod } from '../support/cluster.js'

t.test('a node projection keeps name, labels, taints and allocatable, nothing else', async (t) => {
  const record = projectNode(fixture(fixtureNodeFiles[1] as string))
  t.equal(record?.name, 'gpu-node-a100-001')
  t.equal(record?.allocatable.get('nvidia.com/gpu'), 8)
  t.same(
    record?.taints.map((x) => x.key),
    ['nvidia.com/gpu'],
  )
  t.equal(record?.labels.get('kubernetes.io/hostname'), 'gpu-node-a100-001')
  t.same(Object.keys(record ?? {}).sort(), [
    'allocatable',
    'labels',
    'name',
    'resourceVersion',
    'taints',
  ])
})

t.test('objects without a name are not projected', async (t) => {
  t.equal(projectNode({ metadata: {} }), undefined)
  t.equal(projectPod({ spec: {} }), undefined)
})

t.test('a pod projection keeps node, phase, effective requests and owner kind', async (t) => {
  const record = projectPod({
    ...runningGpuPod('p', 'gpu-node-small-1', 2),
    metadata: {
      name: 'p',
      resourceVersion: '7',
      ownerReferences: [{ kind: 'Job', controller: true }],
    },
  })
  t.equal(record?.node, 'gpu-node-small-1')
  t.equal(record?.phase, 'Running')
  t.equal(record?.requests.get('nvidia.com/gpu'), 2)
  t.equal(record?.ownerKind, 'Job')
  t.equal(record?.namespace, 'default')
  t.same(record?.metadata, { namespace: 'default', name: 'p', resourceVersion: '7' })
})

t.test('a pod holds its requests only while bound and not finished', async (t) => {
  const table: [string | undefined, string, boolean][] = [
    ['n1', 'Running', true],
    ['n1', 'Pending', true],
    ['n1', 'Unknown', true],
    ['n1', 'Succeeded', false],
    ['n1', 'Failed', false],
    [undefined, 'Pending', false],
  ]
  for (const [node, phase, holds] of table) {
    const pod = runningGpuPod('p', node ?? '', 1, phase)
    t.equal(projectPod(pod)?.holds, holds, `${node ?? 'unbound'} ${phase}`)
  }
})

t.test(
  'records equal in what the engine sees compare the same despite other changes',
  async (t) => {
    const node = fixture(fixtureNodeFiles[2] as string) as { status: Record<string, unknown> }
    const a = projectNode(node)
    node.status.conditions = []
    t.ok(a && sameNode(a, projectNode(node) as NonNullable<typeof a>))
    const p = projectPod(runningGpuPod('p', 'n1', 1))
    const q = projectPod(runningGpuPod('p', 'n1', 1, 'Succeeded'))
    t.ok(p && samePod(p, projectPod(runningGpuPod('p', 'n1', 1)) as NonNullable<typeof p>))
    t.notOk(p && q && samePod(p, q))
  },
)
