// The reply bytes, compared with golden files written in the shapes of the
// protocol reference: PascalCase keys, null for the unused node field, maps
// (never null) for the failure fields, integer scores.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { testApp } from '../support/app.js'
import { fixtureDocs, fixtureNodes, fixturePod, fullArgs, namesArgs } from '../support/fixtures.js'

const golden = (name: string) => new URL(`../golden/${name}`, import.meta.url)
const update = process.env.UPDATE_GOLDEN === '1'

const fx = fixtureNodes()
const gpuJob = fixtureDocs('g08')[0] as Record<string, any>
const nodes = [fx.worker, fx.virtual, fx.gpu1]
const cases: [string, string, unknown][] = [
  ['filter-full.json', '/filter', fullArgs(fixturePod('e02'), nodes)],
  ['filter-names.json', '/filter', namesArgs(fixturePod('e02'), nodes)],
  ['prioritize-names.json', '/prioritize', namesArgs(fixturePod('e02'), nodes)],
  ['filter-gpu-job.json', '/filter', { ...gpuJob, NodeNames: [...gpuJob.NodeNames, 'worker-1'] }],
  ['filter-error.json', '/filter', { Pod: null, Nodes: null, NodeNames: null }],
]

for (const [file, url, body] of cases) {
  t.test(`${url} reply matches ${file} byte for byte`, async (t) => {
    const { app } = testApp({ nodes: [fx.worker, fx.virtual, fx.gpu1, fx.gpu8] })
    const res = await app.inject({ method: 'POST', url, payload: body as object })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^application\/json/)
    if (update) writeFileSync(golden(file), res.body + '\n')
    t.equal(res.body + '\n', readFileSync(golden(file), 'utf8'))
  })
}
