// The fast decoder must agree with JSON.parse on every input: same validity,
// same decoded request, same node projections, and node bytes that parse to
// the very objects JSON.parse sees.
import t from 'tap'
import fc from 'fast-check'
import { nodeView, type NodeView } from '../../src/engine/views.js'
import { decodeExtenderArgs } from '../../src/wire/decode.js'
import { rawSpanOf, scanExtenderArgs, scannedNodeView } from '../../src/wire/scan.js'
import { fixtureNodes, fixturePod } from '../support/fixtures.js'
import { syntheticNode } from '../support/synthetic.js'

const runs = Number(process.env.PROPERTY_RUNS ?? 300)

/** A node projection in comparable form (map order does not matter to the engine). */
const comparable = (v: NodeView | undefined) =>
  v && { ...v, labels: [...v.labels].sort(), allocatable: [...v.allocatable].sort() }

function decodeOrError(body: unknown) {
  try {
    return { args: decodeExtenderArgs(body) }
  } catch (err) {
    return { error: (err as Error).message }
  }
}

/** Checks agreement on one body; returns a description of the disagreement or ''. */
function disagreement(buf: Buffer): string {
  const text = buf.toString('utf8')
  let parsed: unknown
  let valid = true
  try {
    parsed = JSON.parse(text)
  } catch {
    valid = false
  }
  const scanned = scanExtenderArgs(buf)
  const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
  if (!valid || !isObject)
    return scanned === undefined ? '' : 'scanner accepted what JSON.parse refuses'
  if (scanned === undefined) return 'scanner refused a valid JSON object'
  const a = decodeOrError(parsed)
  const b = decodeOrError(scanned)
  if (a.error !== undefined || b.error !== undefined) {
    return a.error === b.error ? '' : `errors differ: ${a.error} / ${b.error}`
  }
  const x = a.args!
  const y = b.args!
  if (JSON.stringify(x.pod) !== JSON.stringify(y.pod)) return 'pods differ'
  if (JSON.stringify(x.nodeNames) !== JSON.stringify(y.nodeNames)) return 'node names differ'
  if ((x.nodes === null) !== (y.nodes === null)) return 'node presence differs'
  if (x.nodes === null || y.nodes === null) return ''
  if (JSON.stringify([...x.nodes.keys()]) !== JSON.stringify([...y.nodes.keys()]))
    return 'node order differs'
  for (const [name, full] of x.nodes) {
    const reduced = y.nodes.get(name)
    const expected = comparable(nodeView(full, name))
    if (JSON.stringify(expected) !== JSON.stringify(comparable(scannedNodeView(reduced)))) {
      return `view of ${name} differs`
    }
    const span = rawSpanOf(reduced)
    if (span === undefined) return `no bytes for ${name}`
    const bytes = JSON.parse(span.buffer.toString('utf8', span.start, span.end))
    if (JSON.stringify(bytes) !== JSON.stringify(full)) return `bytes of ${name} differ`
  }
  return ''
}

const nodeArb = fc.record(
  {
    metadata: fc.record(
      {
        name: fc.oneof(
          fc.string({ minLength: 1, unit: 'binary' }),
          fc.constantFrom('n1', 'n2', 'n1'),
        ),
        labels: fc.oneof(fc.dictionary(fc.string({ unit: 'binary' }), fc.string()), fc.jsonValue()),
        annotations: fc.dictionary(fc.string(), fc.string({ unit: 'binary' })),
      },
      { requiredKeys: [] },
    ),
    spec: fc.oneof(
      fc.record({
        taints: fc.array(fc.record({ key: fc.string(), value: fc.string(), effect: fc.string() })),
      }),
      fc.jsonValue(),
    ),
    status: fc.oneof(
      fc.record(
        {
          allocatable: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.double())),
          capacity: fc.dictionary(fc.string(), fc.string()),
          images: fc.array(fc.jsonValue()),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    ),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
)

const bodyArb = fc.record(
  {
    Pod: fc.oneof(fc.jsonValue(), fc.record({ metadata: fc.record({ name: fc.string() }) })),
    Nodes: fc.oneof(
      fc.constant(null),
      fc.record(
        { metadata: fc.jsonValue(), items: fc.array(nodeArb, { maxLength: 6 }) },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    ),
    NodeNames: fc.oneof(fc.constant(null), fc.array(fc.string()), fc.jsonValue()),
    nodes: fc.jsonValue(),
  },
  { requiredKeys: [] },
)

const indentArb = fc.constantFrom(undefined, 0, 1, 2, '\t', ' \r\n ')

t.test('agrees with JSON.parse on generated requests, any whitespace', async (t) => {
  fc.assert(
    fc.property(bodyArb, indentArb, (body, indent) => {
      const text = JSON.stringify(body, null, indent as any)
      return disagreement(Buffer.from(text)) === ''
    }),
    { numRuns: runs },
  )
  t.pass('no disagreement')
})

t.test('agrees with JSON.parse on requests with one byte changed, added or removed', async (t) => {
  const base = JSON.stringify({
    Pod: fixturePod('e06'),
    Nodes: {
      metadata: {},
      items: [syntheticNode(3), { metadata: { name: 'x\u00e9\ud83d\ude00"\\' } }],
    },
    NodeNames: null,
  })
  const buf = Buffer.from(base)
  const alphabet = [...'{}[]",:\\/ \t\n0123456789-+.eEtrufalsn\u0000\u001f'].map((c) =>
    c.charCodeAt(0),
  )
  fc.assert(
    fc.property(
      fc.nat(buf.length - 1),
      fc.constantFrom('replace', 'insert', 'delete'),
      fc.constantFrom(...alphabet),
      (at, op, byte) => {
        const mutated =
          op === 'delete'
            ? Buffer.concat([buf.subarray(0, at), buf.subarray(at + 1)])
            : Buffer.concat([
                buf.subarray(0, at),
                Buffer.from([byte]),
                buf.subarray(op === 'insert' ? at : at + 1),
              ])
        const d = disagreement(mutated)
        if (d !== '') throw new Error(`${d} at ${at} (${op} ${byte})`)
        return true
      },
    ),
    { numRuns: runs * 5 },
  )
  t.pass('no disagreement')
})

t.test('agrees with JSON.parse on short strings of JSON punctuation', async (t) => {
  const chars = fc.constantFrom(...'{}[]":,\\ 0-1eE.tnfu"Nodes items'.split(''))
  fc.assert(
    fc.property(fc.array(chars, { maxLength: 40 }), (parts) => {
      const text = `{"Nodes":{"items":[{"metadata":${parts.join('')}}]}}`
      return disagreement(Buffer.from(text)) === ''
    }),
    { numRuns: runs * 5 },
  )
  t.pass('no disagreement')
})

t.test('escapes and unicode in keys and values decode as JSON.parse does', async (t) => {
  const cases = [
    '{"Pod":{},"Nodes":{"items":[{"metadata":{"n\\u0061me":"a\\u00e9\\n","labels":{"k\\"":"v\\\\"}}}]}}',
    '{"Pod":{},"N\\u006fdes":{"it\\u0065ms":[{"metadata":{"name":"\\ud83d\\ude00"}}]}}',
    '{"Pod":{},"Nodes":{"items":[{"metadata":{"name":"\u00e9\u4e2d"},"status":{"allocatable":{"cpu":1e3}}}]}}',
    '{"Pod":{},"Nodes":{"items":[{"metadata":{"name":"a","name":"b"},"metadata":{"name":"c"}}]}}',
    '{"Pod":{},"Nodes":{"items":[{"metadata":{"name":"a","labels":{"__proto__":"x"}}}]}}',
    '{"Pod":{},"Nodes":{"items":[{"metadata":{"name":"a","labels":{"k":"x","k":5,"j":1,"j":"y"}}}]}}',
    '{"Pod":{},"Nodes":{"items":[{"metadata":{"name":"a"},"status":{"allocatable":{"cpu":"1","cpu":"x","gpu":0,"m":2}}}]}}',
    '{"Pod":{},"Nodes":{"items":[{"metadata":{"name":"a"},"status":{"allocatable":{"cpu":"1"},"allocatable":"x","capacity":{"cpu":"3"}}}]}}',
    '{"Pod":{},"Nodes":{"items":[{"metadata":{"name":"a"},"status":{"capacity":{"cpu":"3"}}}]}}',
    '{"Pod":{},"Nodes":{"items":[{"metadata":{"name":"a","labels":[1]},"spec":{"taints":[{"key":"k"}]}}]}}',
    '{"Pod":{},"Nodes":{"items":[{"metadata":{"name":5}}]}}',
    '{"Pod":{},"Nodes":{"items":[{"metadata":{"labels":{}}}]}}',
    '{"Pod":{},"Nodes":{"items":[{"spec":{}}]}}',
    '{"Pod":{},"Nodes":{"items":[{"metadata":{"name":"a"},"spec":null,"status":[1]}]}}',
    '{"Pod":{},"__proto__":{"x":1},"Nodes":{"items":[]}}',
    '{"Pod":{},"Nodes":{"items":[{"metadata":{"name":"bad\\x"}}]}}',
    '{"Pod":{},"Nodes":{"items":[{"metadata":{"name":"bad\\u12"}}]}}',
    '{"Pod":{},"Nodes":{"items":[{"metadata":{"name":"raw\nnewline"}}]}}',
    '{"Pod":{},"Nodes":{"items":[01]}}',
    '{"Pod":{},"Nodes":{"items":[{"metadata":{"name":"a"}}]}} trailing',
    '\ufeff{"Pod":{}}',
    ' {"Pod":{},"NodeNames":["a"]}\n',
  ]
  for (const text of cases) t.equal(disagreement(Buffer.from(text)), '', text)
})

t.test('deep nesting costs no stack', async (t) => {
  const deep = '['.repeat(200_000) + ']'.repeat(200_000)
  const node = `{"metadata":{"name":"a"},"spec":{"x":${deep}}}`
  const text = `{"Pod":{},"Nodes":{"items":[${node}]}}`
  const scanned = scanExtenderArgs(Buffer.from(text))
  const args = decodeExtenderArgs(scanned)
  const span = rawSpanOf(args.nodes?.get('a'))
  t.equal(span?.buffer.toString('utf8', span.start, span.end), node)
  t.equal(scanExtenderArgs(Buffer.from(text.slice(0, -3))), undefined, 'and refuses it cut short')
})

t.test('the fixture nodes and synthetic nodes decode exactly', async (t) => {
  const fx = fixtureNodes()
  const items = [...Object.values(fx), syntheticNode(3), syntheticNode(7), syntheticNode(8)]
  const text = JSON.stringify({
    Pod: fixturePod('e02'),
    Nodes: { metadata: {}, items },
    NodeNames: null,
  })
  t.equal(disagreement(Buffer.from(text)), '')
})
