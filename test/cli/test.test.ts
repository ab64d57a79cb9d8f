import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { repoPath } from '../support/objects.js'
import { run } from '../support/io.js'

function testDir(t: Test, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'policy-tests-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

const policy = repoPath('policies/default.yaml')
const worker = repoPath('test/fixtures/d01-worker-node-plain-kubeadm.yaml')
const vk = repoPath('test/fixtures/a01-vk-node-aci-virtual-node.yaml')
const job = `
    pod:
      kind: Job
      metadata: { name: etl }
      spec: { template: { spec: { containers: [{ name: etl }] } } }`

t.test('the shipped policy tests of the default and example policies all pass', async (t) => {
  const r = await run(['test', repoPath('policies/tests')])
  t.equal(r.code, 0, r.out)
  t.match(r.out, /^\d+ passed, 0 failed$/m)
  const files = ['default', 'overflow', 'burst-budgets', 'namespace-overrides', 'eks-fargate']
  for (const name of files) {
    t.match(r.out, new RegExp(`^ok   .*policies/tests/${name}\\.yaml › `, 'm'), name)
  }
})

t.test('a failing case prints a diff of expected and actual and exits 1', async (t) => {
  const dir = testDir(t, {
    'wrong.yaml': `policy: ${policy}
nodes: [${worker}, ${vk}]
cases:
  - name: a Job is steady
${job}
    expect:
      class: steady
      verdicts: { worker-1: unresolvable }
      scores: { virtual-node-aci-linux: 3 }
      best: worker-1
`,
  })
  const r = await run(['test', dir])
  t.equal(r.code, 1)
  t.match(
    r.out,
    `FAIL ${join(dir, 'wrong.yaml')} › a Job is steady
  class
    - steady
    + bursty
  verdict worker-1
    - unresolvable
    + pass
  score virtual-node-aci-linux
    - 3
    + 10 (pool virtual scores 10 for this class)
  best
    - worker-1
    + virtual-node-aci-linux
`,
  )
  t.match(r.out, /^0 passed, 1 failed$/m)
})

t.test('a verdict for a node that is not among the nodes fails the case', async (t) => {
  const dir = testDir(t, {
    'ghost.yaml': `policy: ${policy}
nodes: [${worker}]
cases:
  - name: ghost
${job}
    expect: { verdicts: { ghost-node: pass } }
`,
  })
  const r = await run(['test', join(dir, 'ghost.yaml')])
  t.equal(r.code, 1)
  t.match(r.out, '+ not among the nodes')
})

t.test('a file that is not a policy test file fails with its code', async (t) => {
  const dir = testDir(t, { 'bad.yaml': `policy: ${policy}\ncases: []\n` })
  const r = await run(['test', dir])
  t.equal(r.code, 1)
  t.match(r.out, /FAIL .*bad\.yaml\n  HX_TEST_FILE: /)
})

t.test('a test file naming an invalid policy fails with the policy error code', async (t) => {
  const dir = testDir(t, {
    'policy.yaml': 'apiVersion: hybrid-scheduler.io/v1alpha1\nkind: PlacementPolicy\n',
    'uses-bad.yaml': `policy: policy.yaml\nnodes: [${worker}]\ncases:\n  - name: x\n${job}\n    expect: {}\n`,
  })
  const r = await run(['test', join(dir, 'uses-bad.yaml')])
  t.equal(r.code, 1)
  t.match(r.out, /HX_POLICY_SCHEMA: /)
})

t.test('no test directory is a usage error', async (t) => {
  t.equal((await run(['test'])).code, 2)
  t.equal((await run(['test', '/nonexistent-dir'])).code, 1)
})
