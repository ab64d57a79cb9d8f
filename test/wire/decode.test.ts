import t from 'tap'
import { decodeExtenderArgs } from '../../src/wire/decode.js'
import { fixtureDocs } from '../support/fixtures.js'

const pod = { metadata: { name: 'p' } }

t.test('the exact bytes kube-scheduler writes decode', async (t) => {
  const args = decodeExtenderArgs(fixtureDocs('g01')[0])
  t.same([...(args.nodes?.keys() ?? [])], ['nodename'])
  t.same(args.nodeNames, ['node1'])
})

t.test('the names-only request with null Nodes decodes', async (t) => {
  const args = decodeExtenderArgs(fixtureDocs('g08')[0])
  t.equal(args.nodes, null)
  t.ok(args.nodeNames !== null && args.nodeNames.length > 0)
})

t.test('keys match in any casing, the last of equal keys winning', async (t) => {
  const a = decodeExtenderArgs({ pod, nodenames: ['a'], NODES: null })
  t.same(a.nodeNames, ['a'])
  const b = decodeExtenderArgs({ Pod: pod, NodeNames: ['x'], nodeNames: ['y'] })
  t.same(b.nodeNames, ['y'])
  const c = decodeExtenderArgs({ Pod: pod, Nodes: { ITEMS: [{ metadata: { name: 'n' } }] } })
  t.same([...(c.nodes?.keys() ?? [])], ['n'])
  // Go folds the long s (U+017F) onto "s".
  const d = decodeExtenderArgs({ Pod: pod, NodeNameſ: ['z'] })
  t.same(d.nodeNames, ['z'])
})

t.test('duplicate node objects count once; repeated names are left to the resolver', async (t) => {
  const a = decodeExtenderArgs({ Pod: pod, NodeNames: ['a', 'b', 'a'] })
  t.same(a.nodeNames, ['a', 'b', 'a'])
  const first = { metadata: { name: 'n' }, spec: { first: true } }
  const b = decodeExtenderArgs({ Pod: pod, Nodes: { items: [first, { metadata: { name: 'n' } }] } })
  t.equal(b.nodes?.get('n'), first)
})

t.test('wrong shapes are refused with a message naming the field', async (t) => {
  const cases: [unknown, RegExp][] = [
    [null, /JSON object/],
    [[], /JSON object/],
    [{ Nodes: { items: [] } }, /^Pod/],
    [{ Pod: 'x', NodeNames: [] }, /^Pod/],
    [{ Pod: pod }, /one of Nodes or NodeNames/],
    [{ Pod: pod, Nodes: null, NodeNames: null }, /one of Nodes or NodeNames/],
    [{ Pod: pod, Nodes: { items: {} } }, /Nodes\.items/],
    [{ Pod: pod, Nodes: [] }, /^Nodes must/],
    [{ Pod: pod, Nodes: { items: [{ metadata: {} }] } }, /Nodes\.items\[0\]\.metadata\.name/],
    [{ Pod: pod, NodeNames: 'a' }, /^NodeNames must/],
    [{ Pod: pod, NodeNames: ['a', 3] }, /NodeNames\[1\]/],
  ]
  for (const [body, message] of cases) {
    t.throws(
      () => decodeExtenderArgs(body),
      { code: 'HX_REQUEST_SHAPE', message },
      JSON.stringify(body),
    )
  }
})
