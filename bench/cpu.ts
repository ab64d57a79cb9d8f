// CPU time per request, in one process: the service's request handling and
// the do-nothing extender's, both through fastify's inject() with the same
// bodies. CPU time (process.cpuUsage) is steadier than wall time on a shared
// machine, and the ratio compares the two within one run.
// Run: npx tsx bench/cpu.ts
import type { FastifyInstance } from 'fastify'
import { staticNodeSource } from '../src/cluster/source.js'
import { fixturePod } from '../test/support/fixtures.js'
import { testApp } from '../test/support/app.js'
import { syntheticNodes } from '../test/support/synthetic.js'
import { buildBaseline } from './baseline-server.js'
import { syntheticNode as clusterNode, syntheticPod } from './synthetic.js'

function cpuPerRequestUs(app: FastifyInstance, url: string, body: Buffer, rounds: number): Promise<number> {
  const post = () => app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/json' } })
  return (async () => {
    for (let i = 0; i < Math.max(3, rounds / 5); i++) await post()
    const start = process.cpuUsage()
    for (let i = 0; i < rounds; i++) await post()
    const used = process.cpuUsage(start)
    return (used.user + used.system) / rounds
  })()
}

export async function cpuBench(): Promise<{ scenario: string; verb: string; oursUs: number; baseUs: number }[]> {
  const cluster = staticNodeSource(
    Array.from({ length: 5000 }, (_, i) => clusterNode(i)),
    Array.from({ length: 50_000 }, (_, i) => syntheticPod(i, 5000)),
  )
  const ours = testApp({ source: cluster }).app
  const base = buildBaseline()
  const pod = fixturePod('e02')
  const names = (n: number) => Array.from({ length: n }, (_, i) => (clusterNode(i).metadata as { name: string }).name)
  const scenarios: [string, Buffer, number][] = [
    ['names-only, 500 candidates', Buffer.from(JSON.stringify({ Pod: pod, Nodes: null, NodeNames: names(500) })), 400],
    ['names-only, 5000 candidates', Buffer.from(JSON.stringify({ Pod: pod, Nodes: null, NodeNames: names(5000) })), 100],
    ['full-object, 500 nodes', Buffer.from(JSON.stringify({ Pod: pod, Nodes: { metadata: {}, items: syntheticNodes(500) }, NodeNames: null })), 40],
    ['full-object, 5000 nodes', Buffer.from(JSON.stringify({ Pod: pod, Nodes: { metadata: {}, items: syntheticNodes(5000) }, NodeNames: null })), 8],
  ]
  const rows = []
  for (const [scenario, body, rounds] of scenarios) {
    for (const verb of ['filter', 'prioritize']) {
      const oursUs = await cpuPerRequestUs(ours, `/${verb}`, body, rounds)
      const baseUs = await cpuPerRequestUs(base, `/${verb}`, body, rounds)
      rows.push({ scenario, verb, oursUs, baseUs })
    }
  }
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await cpuBench()) {
    const ratio = (r.baseUs / r.oursUs).toFixed(2)
    console.log(`${r.scenario.padEnd(30)}${r.verb.padEnd(12)}ours ${(r.oursUs / 1000).toFixed(2)} ms  baseline ${(r.baseUs / 1000).toFixed(2)} ms  throughput ratio ${ratio}`)
  }
}
