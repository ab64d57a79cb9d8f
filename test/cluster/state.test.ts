import t from 'tap'
import { projectNode, projectPod, type PodRecord } from '../../src/cluster/records.js'
import { ClusterState } from '../../src/cluster/state.js'
import { fixture, fixtureNodeFiles, runningGpuPod } from '../support/cluster.js'

const gpu = 'nvidia.com/gpu'
const pod = (name: string, node: string, gpus: number, phase = 'Running') =>
  projectPod(runningGpuPod(name, node, gpus, phase)) as PodRecord

t.test('pods add their requests to their node and leave with them', async (t) => {
  const state = new ClusterState()
  state.setPod(pod('a', 'n1', 2))
  state.setPod(pod('b', 'n1', 3))
  state.setPod(pod('c', 'n2', 1))
  t.equal(state.used('n1', gpu), 5)
  t.equal(state.used('n2', gpu), 1)
  state.deletePod('default', 'a')
  t.equal(state.used('n1', gpu), 3)
  t.same(
    [...state.podsOn('n1')].map((p) => p.name),
    ['b'],
  )
  t.same(state.counts, { nodes: 0, pods: 2 })
})

t.test('a pod moving to another node or finishing moves or frees its requests', async (t) => {
  const state = new ClusterState()
  state.setPod(pod('a', 'n1', 2))
  state.setPod(pod('a', 'n2', 2))
  t.equal(state.used('n1', gpu), 0)
  t.equal(state.used('n2', gpu), 2)
  state.setPod(pod('a', 'n2', 2, 'Failed'))
  t.equal(state.used('n2', gpu), 0)
  t.same([...state.podsOn('n2')], [])
  t.equal(state.counts.pods, 1, 'a finished pod is still known')
})

t.test('fractional requests sum back to exactly zero', async (t) => {
  const state = new ClusterState()
  const cpuPod = (name: string, cpu: string) => {
    const p = runningGpuPod(name, 'n1', 0) as { spec: { containers: { resources: object }[] } }
    for (const c of p.spec.containers) c.resources = { requests: { cpu } }
    return projectPod(p) as PodRecord
  }
  state.setPod(cpuPod('a', '100m'))
  state.setPod(cpuPod('b', '200m'))
  state.setPod(cpuPod('c', '700m'))
  state.deletePod('default', 'a')
  state.deletePod('default', 'c')
  t.equal(state.used('n1', 'cpu'), 0.2)
})

t.test('equal pods share their label and request maps, released when they go', async (t) => {
  const state = new ClusterState()
  state.setPod(pod('a', 'n1', 1))
  state.setPod(pod('b', 'n2', 1))
  t.equal(state.pod('default', 'a')?.labels, state.pod('default', 'b')?.labels)
  t.equal(state.pod('default', 'a')?.requests, state.pod('default', 'b')?.requests)
  t.same(state.sharedMaps, { labels: 1, requests: 1 })
  state.deletePod('default', 'a')
  state.deletePod('default', 'b')
  t.same(state.sharedMaps, { labels: 0, requests: 0 })
})

t.test('the generation increases on every change and not on a repeat', async (t) => {
  const state = new ClusterState()
  const node = projectNode(fixture(fixtureNodeFiles[2] as string))
  if (node === undefined) throw new Error('fixture node')
  const g0 = state.generation
  state.setNode(node)
  state.setPod(pod('a', 'n1', 1))
  t.equal(state.generation, g0 + 2)
  state.setNode(projectNode(fixture(fixtureNodeFiles[2] as string)) as typeof node)
  state.setPod(pod('a', 'n1', 1))
  t.equal(state.generation, g0 + 2, 'the same content again')
  t.equal(state.node(node.name), node, 'the first view is kept')
  state.deleteNode(node.name)
  state.deletePod('default', 'a')
  state.deletePod('default', 'missing')
  t.equal(state.generation, g0 + 4)
})
