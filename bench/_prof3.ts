import { testApp } from '../test/support/app.js'
import { fixturePod } from '../test/support/fixtures.js'
import { staticNodeSource } from '../src/cluster/source.js'
import { syntheticNode, syntheticPod } from './synthetic.js'
const nodes = Array.from({ length: 5000 }, (_, i) => syntheticNode(i))
const pods = Array.from({ length: 50000 }, (_, i) => syntheticPod(i, 5000))
const source = staticNodeSource(nodes, pods)
const { app } = testApp({ source })
const names = nodes.map((n: any) => n.metadata.name)
const body = Buffer.from(JSON.stringify({ Pod: fixturePod('e02'), Nodes: null, NodeNames: names }))
for (const verb of ['filter', 'prioritize', 'filter', 'prioritize']) {
  const t = performance.now()
  for (let i = 0; i < 300; i++) await app.inject({ method: 'POST', url: '/' + verb, payload: body, headers: { 'content-type': 'application/json' } })
  console.log(verb, ((performance.now() - t) / 300).toFixed(2), 'ms/request')
}
