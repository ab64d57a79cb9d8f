// Policy content is data: no YAML tag runs code or builds anything but
// plain values, and no key reaches Object.prototype, in a policy or in a
// request body.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { loadPolicyText } from '../../src/policy/load.js'
import { testApp } from '../support/app.js'
import { fixtureNodes, fixturePod, fullArgs } from '../support/fixtures.js'
import { repoPath } from '../support/objects.js'

const original = readFileSync(repoPath('policies/default.yaml'), 'utf8')
const withName = (value: string) => original.replace('name: default', `name: ${value}`)
const polluted = () => (({}) as Record<string, unknown>).polluted ?? (globalThis as never)['hxRan']

t.test('YAML tags in a policy are refused and never evaluated', async (t) => {
  const tagged = [
    '!!js/function "function () { globalThis.hxRan = true }"',
    '!!js/undefined ""',
    '!!js/regexp /x/',
    '!!python/object/apply:os.system ["true"]',
    '!Ref other',
    '!!binary aGVsbG8=',
    '!!set { a, b }',
    '!!timestamp 2026-01-01',
  ]
  for (const value of tagged) {
    t.throws(() => loadPolicyText(withName(value), 'p.yaml'), { code: 'HX_POLICY_YAML' }, value)
  }
  t.equal(polluted(), undefined, 'nothing ran')
})

t.test('standard scalar tags still read as their plain values', async (t) => {
  t.equal(loadPolicyText(withName('!!str tagged'), 'p.yaml').name, 'tagged')
})

t.test('__proto__ and constructor keys in a policy do not reach Object.prototype', async (t) => {
  const cases = [
    original.replace('kind: PlacementPolicy', 'kind: PlacementPolicy\n__proto__: { polluted: 1 }'),
    original.replace('name: default', 'name: default\n  __proto__: { polluted: 1 }'),
    original.replace(
      '      ownerKinds: [Job]',
      '      ownerKinds: [Job]\n      labels:\n        matchLabels: { __proto__: x, constructor: y }',
    ),
  ]
  for (const text of cases) {
    t.not(text, original, 'the case applies')
    try {
      const policy = loadPolicyText(text, 'p.yaml')
      t.equal(Object.getPrototypeOf(policy.document), Object.prototype)
    } catch (err) {
      t.match(err, { code: /^HX_POLICY_/ }, 'refused with a policy code')
    }
    t.equal(polluted(), undefined)
  }
})

t.test('__proto__ and constructor keys in a request are inert', async (t) => {
  const fx = fixtureNodes()
  const { app } = testApp()
  const args = fullArgs(fixturePod('e02'), [fx.worker])
  const text = JSON.stringify(args)
    .replace('{"Pod":', '{"__proto__":{"polluted":1},"Pod":')
    .replace('"Pod":', '"constructor":{"prototype":{"polluted":1}},"Pod":')
    .replace('"labels":{', '"labels":{"__proto__":{"polluted":1},')
  t.not(text, JSON.stringify(args))
  for (const url of ['/filter', '/prioritize']) {
    const res = await app.inject({ method: 'POST', url, payload: text })
    t.equal(res.statusCode, 200, url)
  }
  const res = await app.inject({ method: 'POST', url: '/filter', payload: text })
  t.same(
    res.json().Nodes.items.map((n: { metadata: { name: string } }) => n.metadata.name),
    ['worker-1'],
  )
  t.equal(polluted(), undefined)
})
