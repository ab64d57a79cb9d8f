import { testApp } from '../test/support/app.js'
import { fixturePod } from '../test/support/fixtures.js'
import { syntheticNodes } from '../test/support/synthetic.js'
const body = Buffer.from(JSON.stringify({ Pod: fixturePod('e02'), Nodes: { metadata: {}, items: syntheticNodes(500) }, NodeNames: null }))
const { app } = testApp()
for (const verb of ['filter', 'prioritize', 'filter']) {
  const t = performance.now()
  for (let i = 0; i < 100; i++) await app.inject({ method: 'POST', url: '/' + verb, payload: body, headers: { 'content-type': 'application/json' } })
  console.log(verb, ((performance.now() - t) / 100).toFixed(2), 'ms/request')
}
