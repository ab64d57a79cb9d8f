import t from 'tap'
import { checkPolicyText } from '../../src/policy/load.js'
import { header, policyOf } from '../support/objects.js'

const pools = `
pools:
  - name: virtual
    virtual: true
    match: { any: [{ label: { key: type, values: [virtual-kubelet] } }] }
  - name: dedicated
`

function problems(body: string) {
  const r = checkPolicyText(`${header}${pools}${body}`, 'p.yaml')
  return { code: r.code, found: r.errors.map((e) => [e.path, e.message, e.line]) }
}

t.test('overflow on a virtual pool is refused: its capacity is not real', async (t) => {
  const r = problems(`
classes:
  - name: c
    pools:
      - { pool: virtual, score: 5, overflow: { thresholdPercent: 50, score: 1 } }
`)
  t.equal(r.code, 'HX_POLICY_REFERENCE')
  t.match(r.found, [['/classes/0/pools/0/overflow', /not allowed on a virtual pool/, 13]])
})

t.test('an overflow score above the rule score is refused', async (t) => {
  const r = problems(`
classes:
  - name: c
    pools:
      - { pool: dedicated, score: 5, overflow: { thresholdPercent: 50, score: 8 } }
`)
  t.match(r.found, [['/classes/0/pools/0/overflow/score', 'must not exceed score']])
})

t.test('an overflow threshold outside 0..100 percent is a schema error', async (t) => {
  const r = problems(`
classes:
  - name: c
    pools:
      - { pool: dedicated, score: 5, overflow: { thresholdPercent: 120, score: 1 } }
`)
  t.equal(r.code, 'HX_POLICY_SCHEMA')
  t.match(r.found, [['/classes/0/pools/0/overflow/thresholdPercent']])
})

t.test('override rules are checked as the class rules are', async (t) => {
  const r = problems(`
classes:
  - name: c
    pools: [{ pool: dedicated, score: 5 }]
    overrides:
      - namespaces: [x]
        pools: [{ pool: nowhere, score: 1 }]
`)
  t.match(r.found, [['/classes/0/overrides/0/pools/0/pool', /pool "nowhere" is not defined/]])
})

t.test('budgets must name defined pools and classes and set a cap', async (t) => {
  const r = problems(`
classes:
  - name: c
    pools: [{ pool: dedicated, score: 5 }]
budgets:
  - { name: a, pool: nowhere, maxPods: 1 }
  - { name: b, pool: virtual, classes: [ghost], maxPods: 1 }
  - { name: c, pool: virtual }
  - { name: c, pool: virtual, maxCpu: 12x }
`)
  t.equal(r.code, 'HX_POLICY_SCHEMA', 'a malformed CPU quantity fails the schema first')
  const fixed = problems(`
classes:
  - name: c
    pools: [{ pool: dedicated, score: 5 }]
budgets:
  - { name: a, pool: nowhere, maxPods: 1 }
  - { name: b, pool: virtual, classes: [ghost], maxPods: 1 }
  - { name: c, pool: virtual }
  - { name: c, pool: virtual, maxCpu: 500m }
`)
  t.equal(fixed.code, 'HX_POLICY_REFERENCE')
  t.match(fixed.found, [
    ['/budgets/0/pool', /pool "nowhere"/],
    ['/budgets/1/classes/0', /class "ghost"/],
    ['/budgets/2', 'a budget needs maxPods or maxCpu'],
    ['/budgets/3/name', /defined twice/],
  ])
})

t.test('budgets compile their CPU cap to cores and default to per namespace', async (t) => {
  const policy = policyOf(`${header}${pools}
classes:
  - name: c
    pools: [{ pool: virtual, score: 5 }]
budgets:
  - { name: a, pool: virtual, maxCpu: 1500m }
`)
  t.match(policy.budgets, [{ name: 'a', per: 'namespace', maxCpu: 1.5 }])
  t.equal(policy.budgets[0]?.maxPods, undefined)
})

t.test('loadPolicyText throws the coded error checkPolicyText reports', async (t) => {
  t.throws(() => policyOf('kind: nope\n'), { name: 'ExtenderError', code: 'HX_POLICY_SCHEMA' })
})
