import t from 'tap'
import type { Decision, NodeVerdict } from '../../src/engine/decide.js'
import { filterResult, serializeFilterResult, serializePriorities } from '../../src/wire/encode.js'

const verdict = (node: string, outcome: NodeVerdict['outcome'], score = 0): NodeVerdict => ({
  node,
  pool: 'p',
  outcome,
  code: outcome === 'pass' ? undefined : 'pool-not-allowed',
  message: outcome === 'pass' ? '' : `no ${node}`,
  score,
  scoreSource: undefined,
  rule: undefined,
})
const decision = (verdicts: NodeVerdict[]): Decision => ({
  pod: 'ns/p',
  podClass: { name: 'steady', via: 'match', path: '/classes/0' },
  verdicts,
})
const odd = [
  'plain-1.example',
  'quo"te',
  'back\\slash',
  'line\nbreak',
  '\u00e9\u4e2d',
  '\ud800',
  '__proto__',
]

t.test(
  'prioritize replies are valid JSON for any node name, scores clamped to integers 0..10',
  async (t) => {
    const scores = [3, 12, -1, 4.6, Number.NaN, 10, 0]
    const text = serializePriorities(decision(odd.map((n, i) => verdict(n, 'pass', scores[i]))), [
      { node: 'unknown"one', message: 'x' },
    ])
    const parsed = JSON.parse(text)
    t.same(
      parsed.map((p: any) => p.Host),
      [...odd.map((n) => JSON.parse(JSON.stringify(n))), 'unknown"one'],
    )
    t.same(
      parsed.map((p: any) => p.Score),
      [3, 10, 0, 5, 0, 10, 0, 0],
    )
  },
)

t.test('filter replies keep a node named __proto__ as a plain key', async (t) => {
  const d = decision([
    verdict('__proto__', 'fail'),
    verdict('constructor', 'unresolvable'),
    verdict('a', 'pass'),
  ])
  const reply = JSON.parse(
    serializeFilterResult(filterResult(d, { objects: null, names: true })) as string,
  )
  t.same(Object.keys(reply.FailedNodes), ['__proto__'])
  t.same(Object.keys(reply.FailedAndUnresolvableNodes), ['constructor'])
  t.same(reply.NodeNames, ['a'])
})

t.test('names from a body without escapes are quoted as JSON.stringify would', async (t) => {
  const { hasNoEscapes } = await import('../../src/wire/encode.js')
  const names = ['worker-1', 'n\u00e9\u4e2d', 'a.b_c']
  const body = Buffer.from(JSON.stringify({ NodeNames: names }))
  t.ok(hasNoEscapes(body))
  const d = decision(names.map((n) => verdict(n, 'pass', 5)))
  t.equal(
    serializePriorities(d, [], true),
    JSON.stringify(names.map((Host) => ({ Host, Score: 5 }))),
  )
  t.notOk(hasNoEscapes(Buffer.from(JSON.stringify({ NodeNames: ['quo"te'] }))))
})
