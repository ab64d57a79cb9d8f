import { syntheticNodes } from '../test/support/synthetic.js'
import { scanExtenderArgs } from '../src/wire/scan.js'
import { fixturePod } from '../test/support/fixtures.js'
const body = Buffer.from(JSON.stringify({ Pod: fixturePod('e02'), Nodes: { metadata: {}, items: syntheticNodes(5000) }, NodeNames: null }))
let a = Infinity, b = Infinity
for (let r = 0; r < 15; r++) {
  let t = performance.now(); JSON.parse(body.toString('utf8')); a = Math.min(a, performance.now() - t)
  t = performance.now(); scanExtenderArgs(body); b = Math.min(b, performance.now() - t)
}
console.log('min JSON.parse', a.toFixed(1), 'min scan', b.toFixed(1), 'ratio', (a / b).toFixed(2))
