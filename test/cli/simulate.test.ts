import t from 'tap'
import type { Simulation } from '../../src/cli/simulate.js'
import { fixturePath, repoPath } from '../support/objects.js'
import { run } from '../support/io.js'

const snapshot = fixturePath('h01-cluster-snapshot-CONSTRUCTED.yaml')
const pending = fixturePath('h02-pending-workloads-CONSTRUCTED.yaml')
const policy = (name: string) => ['--policy', repoPath(`policies/${name}.yaml`)]

async function simulation(name: string, ...more: string[]) {
  const argv = ['simulate', ...policy(name), '--cluster', snapshot, ...more, '--output', 'json']
  const r = await run(argv)
  return { code: r.code, s: JSON.parse(r.out) as Simulation }
}

const placed = (s: Simulation, pod: string) => s.placements.find((p) => p.pod === pod)

t.test('the snapshot pending pod is placed first, then --pods in order', async (t) => {
  const { s } = await simulation('default', '--pods', pending)
  t.same(
    s.placements.map((p) => p.pod),
    [
      'ci/build-8wq4n',
      'shop/catalog-rs-0',
      'shop/catalog-rs-1',
      'shop/catalog-rs-2',
      'ci/integration-0',
      'ci/integration-1',
      'ci/integration-2',
      'ci/integration-3',
      'ml/gpu-job-0',
      'ml/train-big-0',
    ],
  )
})

t.test('each pod goes to the best node of its class, as the default policy says', async (t) => {
  const { s } = await simulation('default', '--pods', pending)
  t.match(placed(s, 'ci/build-8wq4n'), { class: 'bursty', pool: 'virtual', score: 10 })
  t.match(placed(s, 'shop/catalog-rs-0'), { class: 'steady', pool: 'dedicated', score: 10 })
  t.match(placed(s, 'ml/gpu-job-0'), { class: 'accelerator', node: 'gpu-node-small-1' })
})

t.test('usage is updated after each placement', async (t) => {
  const { s } = await simulation('default', '--pods', pending)
  // worker-1 (1 CPU) is the least requested at first; a 500m replica there
  // makes worker-3 (1.5 of 4 CPU requested) the least requested next.
  t.equal(placed(s, 'shop/catalog-rs-0')?.node, 'worker-1')
  t.equal(placed(s, 'shop/catalog-rs-1')?.node, 'worker-3')
  const dedicated = s.pools.find((p) => p.pool === 'dedicated')
  t.match(dedicated, { nodes: 3, placed: 3, cpuRequested: 6.5, cpuAllocatable: 9 })
})

t.test('a pod that cannot be placed gets the reasons of every node and exit 1', async (t) => {
  const { code, s } = await simulation('default', '--pods', pending)
  t.equal(code, 1)
  t.match(placed(s, 'ml/train-big-0'), {
    node: null,
    reason:
      '0/7 nodes are available: 6 Insufficient nvidia.com/gpu; ' +
      '1 node(s) had untolerated taint {virtual-kubelet.io/provider: azure}',
  })
  const accelerator = s.pools.find((p) => p.pool === 'accelerator')
  t.same(accelerator?.devices['nvidia.com/gpu'], { used: 5, allocatable: 9 })
})

t.test('overflow moves bursty pods once the dedicated pool passes its threshold', async (t) => {
  const { s } = await simulation('examples/overflow', '--pods', pending)
  t.match(placed(s, 'ci/build-8wq4n'), { pool: 'dedicated', score: 10 })
  t.match(placed(s, 'ci/integration-0'), { pool: 'virtual', score: 6 })
})

t.test('a burst budget reached part-way sends the rest to the next pool', async (t) => {
  const { s } = await simulation('examples/burst-budgets', '--pods', pending)
  t.match(placed(s, 'ci/integration-0'), { pool: 'virtual' })
  t.match(placed(s, 'ci/integration-1'), { pool: 'dedicated', score: 4 })
})

t.test('a snapshot alone places its own pending pods and exits 0', async (t) => {
  const { code, s } = await simulation('default')
  t.equal(code, 0)
  t.match(s.placements, [{ pod: 'ci/build-8wq4n', node: 'virtual-node-aci-linux' }])
})

t.test('the text output has a table per pod and a summary per pool', async (t) => {
  const r = await run(['simulate', ...policy('default'), '--cluster', snapshot, '--pods', pending])
  t.match(r.out, /^POD\s+CLASS\s+NODE\s+POOL\s+SCORE\s+WHY NOT PLACED$/m)
  t.match(r.out, /^ml\/train-big-0\s+accelerator\s+-\s+-\s+-\s+0\/7 nodes are available/m)
  t.match(r.out, /^POOL\s+NODES\s+PODS\s+PLACED\s+CPU\s+DEVICES$/m)
  t.match(r.out, /^dedicated\s+3\s+6\s+3\s+6\.5\/9\s+-$/m)
  t.match(r.out, /^virtual\s+1\s+8\s+5\s+10 \(virtual\)\s+-$/m)
  t.match(r.out, /^9 of 10 pending pods placed \(policy default\)$/m)
})

t.test('a snapshot without nodes is an input error', async (t) => {
  const r = await run(['simulate', ...policy('default'), '--cluster', pending])
  t.equal(r.code, 1)
  t.match(r.err, /holds no Node/)
})
