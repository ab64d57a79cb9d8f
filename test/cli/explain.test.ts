import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { noClusterNote } from '../../src/engine/decide.js'
import type { Explanation } from '../../src/engine/explain.js'
import { fixturePath, repoPath } from '../support/objects.js'
import { run } from '../support/io.js'

const nodes = [
  'a01-vk-node-aci-virtual-node.yaml',
  'b01-gpu-node-a100x8-gfd-mig-mixed-tainted.yaml',
  'b03-gpu-node-small-single-gpu-status.yaml',
  'd01-worker-node-plain-kubeadm.yaml',
].flatMap((f) => ['--nodes', fixturePath(f)])
const snapshot = fixturePath('h01-cluster-snapshot-CONSTRUCTED.yaml')
const policy = (name: string) => ['--policy', repoPath(`policies/${name}.yaml`)]
const explainWith = (name: string, ...rest: string[]) => run(['explain', ...policy(name), ...rest])

/** The table row of a node, its cells split on runs of spaces. */
const row = (out: string, node: string) =>
  out
    .split('\n')
    .find((l) => l.startsWith(`${node} `))
    ?.split(/\s{2,}/)

t.test('explain prints pool, class and rule, verdict and reason, score and source', async (t) => {
  const pod = fixturePath('e06-job-gpu-1x-tolerate-gpu-taint.yaml')
  const r = await run(['explain', ...policy('default'), '--pod', pod, ...nodes])
  t.equal(r.code, 0)
  t.match(r.out, /^class\s+accelerator \(match, \/classes\/1\)$/m)
  t.match(
    r.out,
    /^gpu-node-small-1\s+accelerator\s+pass\s+10\s+\/classes\/1\/pools\/0\s+best fit: takes 100%/m,
  )
  t.same(row(r.out, 'worker-1'), [
    'worker-1',
    'dedicated',
    'unresolvable',
    '-',
    '/devices',
    'insufficient-device: insufficient nvidia.com/gpu: pod requests 1, node has 0',
  ])
  t.match(r.out, /^best\s+gpu-node-small-1$/m)
})

t.test('explain --output json gives the same explanation as data', async (t) => {
  const pod = fixturePath('e02-deployment-vk-burst-hpa-online-store.yaml')
  const r = await run(['explain', ...policy('default'), '--pod', pod, ...nodes, '--output', 'json'])
  const e = JSON.parse(r.out) as Explanation
  t.match(e, { pod: 'default/online-store-rs-0', class: { name: 'steady', via: 'match' } })
  t.match(e.nodes, [
    { node: 'virtual-node-aci-linux', pool: 'virtual', verdict: 'pass', score: 1 },
    { node: 'gpu-node-a100-001', verdict: 'unresolvable', code: 'pool-not-allowed' },
    { node: 'gpu-node-small-1', verdict: 'unresolvable' },
    { node: 'worker-1', verdict: 'pass', score: 10, rule: '/classes/3/pools/0' },
  ])
  t.same(e.best, ['worker-1'])
})

/** Writes a pod manifest to a temporary file. */
function podFile(t: Test, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'explain-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'pod.yaml'), text)
  return join(dir, 'pod.yaml')
}

const ciJob = `apiVersion: batch/v1
kind: Job
metadata: { name: build, namespace: ci }
spec:
  template:
    spec: { containers: [{ name: build, resources: { requests: { cpu: "1" } } }] }
`

t.test('explain with a cluster snapshot evaluates overflow against its usage', async (t) => {
  const pod = podFile(t, ciJob)
  const r = await explainWith('examples/overflow', '--pod', pod, '--cluster', snapshot)
  t.equal(r.code, 0)
  t.match(r.out, /^class\s+bursty/m)
  t.notMatch(r.out, /^note/m)
  t.match(row(r.out, 'worker-2'), ['worker-2', 'dedicated', 'pass', '10', '/classes/2/pools/0'])
  t.match(row(r.out, 'worker-2')?.[5], '55.6% of its cpu requested, below the 70% threshold')
  t.match(r.out, /^virtual-node-aci-linux\s+virtual\s+pass\s+6\s/m)
})

t.test('explain without cluster state notes what it could not evaluate', async (t) => {
  const pod = podFile(t, ciJob)
  const r = await run(['explain', ...policy('examples/burst-budgets'), '--pod', pod, ...nodes])
  t.match(r.out, `note    ${noClusterNote}\n`)
})

t.test('explain shows a refused class and its reason on every node', async (t) => {
  const pod = podFile(
    t,
    'kind: Pod\nmetadata: { name: p, annotations: { hybrid-scheduler.io/workload-class: nope } }\n',
  )
  const r = await run(['explain', ...policy('default'), '--pod', pod, ...nodes])
  t.match(r.out, /^class\s+none/m)
  const rows = r.out.split('\n').filter((l) => /unknown-class: workload class "nope"/.test(l))
  t.equal(rows.length, 4)
  t.match(r.out, /^best\s+none: no node passes$/m)
})

t.test('missing inputs are usage errors and unreadable ones input errors', async (t) => {
  const pod = fixturePath('e06-job-gpu-1x-tolerate-gpu-taint.yaml')
  t.equal((await run(['explain', '--pod', pod, ...nodes])).code, 2)
  t.equal((await run(['explain', ...policy('default'), '--pod', pod])).code, 2)
  const missing = await explainWith('default', '--pod', '/nonexistent.yaml', ...nodes)
  t.equal(missing.code, 1)
  t.match(missing.err, /cannot read \/nonexistent\.yaml: ENOENT/)
  const noPod = await run(['explain', ...policy('default'), '--pod', nodes[1]!, ...nodes])
  t.equal(noPod.code, 1)
  t.match(noPod.err, /holds no Pod nor workload/)
})
