// Hostile requests: real ExtenderArgs mutated every way a broken or malicious
// client could, checked against the reply invariants. `npm run test:hostile`
// runs 20,000 cases (PROPERTY_RUNS sets another number; CI runs 150).
import t from 'tap'
import fc from 'fast-check'
import { createMetrics } from '../../src/metrics.js'
import { PolicyStore } from '../../src/policy/store.js'
import { staticNodeSource } from '../../src/cluster/source.js'
import { buildApp } from '../../src/server/app.js'
import { defaultPolicy, testApp } from '../support/app.js'
import { fixtureDocs, fixtureNodes, fixturePod, fullArgs, namesArgs } from '../support/fixtures.js'

const runs = Number(process.env.PROPERTY_RUNS ?? 150)
const fx = fixtureNodes()
const nodes = [fx.worker, fx.virtual, fx.gpu1, fx.gpu8, fx.fpga]
const { app } = testApp({ nodes })
// The same service with the depth limit off: deep documents reach the decoders.
const unlimited = (() => {
  const metrics = createMetrics({ processMetrics: false })
  const policy = new PolicyStore(defaultPolicy(), metrics)
  return buildApp({ policy, metrics, nodes: staticNodeSource(nodes), limits: { maxJsonDepth: 0 } })
})()

const seeds = [
  fullArgs(fixturePod('e02'), nodes),
  namesArgs(fixturePod('e06'), nodes),
  fixtureDocs('g01')[0]!,
  fixtureDocs('g08')[0]!,
  fullArgs(fixturePod('e10'), [fx.worker, fx.virtual]),
]

type Json = any

/** Every path to a value inside a JSON document. */
function paths(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(prefix)
  if (value !== null && typeof value === 'object' && prefix.length < 12) {
    for (const key of Object.keys(value))
      paths(value[key], [...prefix, Array.isArray(value) ? Number(key) : key], out)
  }
  return out
}

function setAt(doc: Json, path: (string | number)[], value: Json): Json {
  if (path.length === 0) return value
  const copy = structuredClone(doc)
  let target = copy
  for (const key of path.slice(0, -1)) target = target[key]
  if (target !== null && typeof target === 'object') target[path[path.length - 1]!] = value
  return copy
}

function deleteAt(doc: Json, path: (string | number)[]): Json {
  if (path.length === 0) return undefined
  const copy = structuredClone(doc)
  let target = copy
  for (const key of path.slice(0, -1)) target = target[key]
  if (target !== null && typeof target === 'object') delete target[path[path.length - 1]!]
  return copy
}

const weird = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1e308,
    -1e308,
    2 ** 53 + 1,
    1.5,
    '',
    '0',
    '-1',
    'Infinity',
    [],
    {},
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ minLength: 1, maxLength: 3 }).map((s) => s.repeat(50_000)),
  fc.jsonValue({ maxDepth: 4 }),
  fc.integer({ min: 1, max: 3000 }).map((d) => JSON.parse('['.repeat(d) + ']'.repeat(d))),
  fc.constantFrom(
    JSON.parse('{"__proto__":{"polluted":1}}'),
    { constructor: { prototype: { polluted: 1 } } },
    { toString: 'x', valueOf: 1, hasOwnProperty: 'y' },
  ),
)

/** Serialises with the mutation applied to the text itself, when there is one. */
const textMutation = fc.oneof(
  fc.record({
    kind: fc.constant('truncate' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
  fc.record({
    kind: fc.constant('duplicate-key' as const),
    key: fc.constantFrom('Pod', 'Nodes', 'NodeNames', 'pod', 'NODES'),
  }),
  fc.record({ kind: fc.constant('none' as const) }),
)

const caseArb = fc.record({
  seed: fc.nat(seeds.length - 1),
  ops: fc.array(
    fc.record({
      op: fc.constantFrom('set', 'delete'),
      at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
      value: weird,
    }),
    { minLength: 1, maxLength: 3 },
  ),
  text: textMutation,
  verb: fc.constantFrom('/filter', '/prioritize', '//filter', '/x/prioritize'),
  depthLimit: fc.boolean(),
})

function render(c: any): string {
  let doc: Json = seeds[c.seed]
  for (const { op, at, value } of c.ops) {
    const all = paths(doc)
    const path = all[Math.floor(at * all.length)] ?? []
    doc = op === 'set' ? setAt(doc, path, value) : deleteAt(doc, path)
  }
  let text = JSON.stringify(doc) ?? ''
  if (c.text.kind === 'truncate') text = text.slice(0, Math.floor(c.text.at * text.length))
  if (c.text.kind === 'duplicate-key' && text.startsWith('{'))
    text = `{"${c.text.key}":{"x":1},${text.slice(1)}`
  return text
}

/** Node names a request names, from its text: `Nodes` when set, else `NodeNames`. */
function sentNames(text: string): Set<string> {
  const objects = new Set<string>()
  const names = new Set<string>()
  let hasNodes = false
  try {
    const doc = JSON.parse(text)
    for (const key of Object.keys(doc)) {
      const v = doc[key]
      if (key.toLowerCase() === 'nodenames') {
        names.clear()
        if (Array.isArray(v)) for (const n of v) names.add(String(n))
      }
      if (key.toLowerCase() === 'nodes') {
        objects.clear()
        hasNodes = v !== null && v !== undefined
        if (v && Array.isArray(v.items))
          for (const n of v.items) objects.add(String(n?.metadata?.name))
      }
    }
  } catch {
    // not JSON: nothing was sent
  }
  return hasNodes ? objects : names
}

t.test('mutated requests never get a 5xx and every reply keeps the invariants', async (t) => {
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      const text = render(c)
      const target = c.depthLimit ? app : unlimited
      const headers = { 'content-type': 'application/json' }
      const res = await target.inject({ method: 'POST', url: c.verb, payload: text, headers })
      if (res.statusCode >= 500) throw new Error(`${res.statusCode}: ${res.body.slice(0, 300)}`)
      if (res.body === '')
        throw new Error(`empty ${res.statusCode} reply to ${c.verb} ${text.slice(0, 200)}`)
      if (res.statusCode === 400) {
        const body = res.json()
        if (!/^HX_/.test(body.code)) throw new Error(`400 without a code: ${res.body}`)
        return
      }
      if (res.statusCode !== 200) throw new Error(`unexpected status ${res.statusCode}`)
      const sent = sentNames(text)
      const reply = res.json()
      if (c.verb.endsWith('prioritize')) {
        const hosts = new Set<string>()
        for (const { Host, Score } of reply) {
          if (!Number.isInteger(Score) || Score < 0 || Score > 10)
            throw new Error(`bad score ${Score}`)
          if (hosts.has(Host) || !sent.has(Host)) throw new Error(`bad host ${Host}`)
          hosts.add(Host)
        }
        if (hosts.size !== sent.size) throw new Error('not every node scored once')
        return
      }
      if (reply.Error !== '') return
      const passed: string[] = reply.Nodes
        ? reply.Nodes.items.map((n: Json) => n.metadata.name)
        : reply.NodeNames
      const all = [
        ...passed,
        ...Object.keys(reply.FailedNodes),
        ...Object.keys(reply.FailedAndUnresolvableNodes),
      ]
      if (new Set(all).size !== all.length) throw new Error('a node appears twice')
      if (all.length !== sent.size || !all.every((n) => sent.has(n)))
        throw new Error('reply is not the input set')
    }),
    { numRuns: runs },
  )
  t.equal(({} as any).polluted, undefined, 'Object.prototype is untouched')
})

t.test('arbitrary bytes, invalid UTF-8 included, never get a 5xx', async (t) => {
  const prefix = fc.constantFrom('', '{"Pod":', '{"Pod":{"metadata":{"name":"', '{"NodeNames":["')
  await fc.assert(
    fc.asyncProperty(prefix, fc.uint8Array({ maxLength: 300 }), async (head, tail) => {
      const payload = Buffer.concat([Buffer.from(head), Buffer.from(tail)])
      for (const url of ['/filter', '/prioritize']) {
        const res = await app.inject({ method: 'POST', url, payload })
        if (res.statusCode >= 500) throw new Error(`${res.statusCode}: ${res.body.slice(0, 300)}`)
        if (res.statusCode === 400 && !/^HX_/.test(res.json().code)) throw new Error(res.body)
      }
    }),
    { numRuns: runs },
  )
  t.equal(({} as any).polluted, undefined, 'Object.prototype is untouched')
})

t.test('the service still answers correctly after the hostile run', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/filter',
    payload: fullArgs(fixturePod('e02'), [fx.worker]),
  })
  t.same(
    res.json().Nodes.items.map((n: Json) => n.metadata.name),
    ['worker-1'],
  )
})
