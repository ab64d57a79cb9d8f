import t from 'tap'
import { checkPolicyText } from '../../src/policy/load.js'
import { header } from '../support/objects.js'

const warnings = (body: string) =>
  checkPolicyText(`${header}${body}`, 'lint.yaml').warnings.map((w) => [w.path, w.message])

t.test('a pool after a pool matching every node is reported as unreachable', async (t) => {
  const found = warnings(`
pools:
  - name: all
  - name: gpu
    match: { any: [{ advertisesDevice: true }] }
classes:
  - name: c
    pools: [{ pool: all, score: 1 }, { pool: gpu, score: 1 }]
`)
  t.match(found, [['/pools/1/match', /pool "gpu" can never match a node: pool "all"/]])
})

t.test('a pool no class allows is reported', async (t) => {
  const found = warnings(`
pools:
  - name: spare
    match: { any: [{ label: { key: spare } }] }
  - name: all
classes:
  - name: c
    pools: [{ pool: all, score: 1 }]
`)
  t.match(found, [['/pools/0/name', /pool "spare" is allowed for no class/]])
})

t.test('a class shadowed by an earlier, broader class is reported', async (t) => {
  const found = warnings(`
pools: [{ name: all }]
classes:
  - name: jobs
    match: { ownerKinds: [Job, CronJob] }
    pools: [{ pool: all, score: 1 }]
  - name: ci-jobs
    match: { ownerKinds: [Job], namespaces: [ci] }
    pools: [{ pool: all, score: 2 }]
`)
  t.match(found, [['/classes/1/match', /class "ci-jobs" can never match a pod: class "jobs"/]])
})

t.test('a class with no allowed pool, in itself or in an override, is reported', async (t) => {
  const found = warnings(`
pools: [{ name: all }]
classes:
  - name: parked
    match: { namespaces: [attic] }
    pools: []
  - name: c
    pools: [{ pool: all, score: 1 }]
    overrides: [{ namespaces: [x], pools: [] }]
`)
  t.match(found, [
    ['/classes/0/pools', /class "parked" allows no pool/],
    ['/classes/1/overrides/0/pools', /allows no pool/],
  ])
})

t.test('a device class in a policy without devices is reported', async (t) => {
  const found = warnings(`
pools: [{ name: all }]
classes:
  - name: gpu
    match: { requestsDevice: true }
    pools: [{ pool: all, score: 1 }]
`)
  t.match(found, [['/classes/0/match/requestsDevice', /defines no devices/]])
})

t.test('a budget on a pool none of its classes may use is reported', async (t) => {
  const found = warnings(`
pools: [{ name: a, match: { any: [{ label: { key: a } }] } }, { name: b }]
classes:
  - name: c
    match: { ownerKinds: [Job] }
    pools: [{ pool: a, score: 1 }, { pool: b, score: 1 }]
  - name: d
    pools: [{ pool: b, score: 1 }]
budgets:
  - { name: cap, pool: a, classes: [d], maxPods: 1 }
`)
  t.match(found, [['/budgets/0/pool', /budget "cap" caps pool "a", which none of its classes/]])
})

t.test('the default policy and every example lint clean', async (t) => {
  const { readFileSync, readdirSync } = await import('node:fs')
  const { repoPath } = await import('../support/objects.js')
  const files = [
    'policies/default.yaml',
    ...readdirSync(repoPath('policies/examples')).map((f) => `policies/examples/${f}`),
  ]
  for (const f of files) {
    const result = checkPolicyText(readFileSync(repoPath(f), 'utf8'), f)
    t.same([result.errors, result.warnings], [[], []], f)
  }
})
