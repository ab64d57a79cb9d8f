// Engine micro-benchmark: one decision over 5,000 nodes, after warm-up.
// Run: npx tsx bench/engine.ts
import { decide } from '../src/engine/decide.js'
import { nodeView, podView } from '../src/engine/views.js'
import { loadPolicyFile } from '../src/policy/load.js'
import { defaultPolicyPath } from '../src/cli/serve.js'
import { fixturePod } from '../test/support/fixtures.js'
import { syntheticNodes } from '../test/support/synthetic.js'

/** Median and p99 time of `fn` in microseconds over `rounds` runs after warm-up. */
export function timeIt(fn: () => void, rounds: number): { medianUs: number; p99Us: number } {
  for (let i = 0; i < Math.min(200, rounds); i++) fn()
  const samples: number[] = []
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint()
    fn()
    samples.push(Number(process.hrtime.bigint() - start) / 1000)
  }
  samples.sort((a, b) => a - b)
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!
  return { medianUs: at(0.5), p99Us: at(0.99) }
}

export function engineBench(rounds = 2000) {
  const policy = loadPolicyFile(defaultPolicyPath)
  // Views built once, as the cluster cache keeps them.
  const nodes = syntheticNodes(5000).map((n) => nodeView(n))
  const rows = []
  for (const [label, fixture] of [
    ['steady pod', 'e02'],
    ['GPU job', 'e06'],
  ] as const) {
    const pod = podView(fixturePod(fixture))
    const r = timeIt(() => decide(pod, nodes, policy), rounds)
    rows.push({ scenario: `decide, 5000 nodes, ${label}`, ...r })
  }
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of engineBench()) {
    console.log(`${r.scenario}: median ${r.medianUs.toFixed(1)} µs, p99 ${r.p99Us.toFixed(1)} µs`)
  }
}
