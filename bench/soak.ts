// Soak: minutes of steady load against the real `serve` process, names-only
// requests answered from a cache that the stand-in API server keeps changing
// (pods added, finished and deleted) mixed with full-object requests. Samples
// resident memory, heap and event-loop delay from /metrics every few seconds,
// prints a table and a verdict on memory growth.
//
//   npm run soak                          # 3 minutes
//   SOAK_SECONDS=600 SOAK_RATE=800 npm run soak
import { cpus } from 'node:os'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { StandInApiServer } from '../test/support/api-server.js'
import { runningGpuPod } from '../test/support/cluster.js'
import { fixturePod, fullArgs, namesArgs } from '../test/support/fixtures.js'
import { startServe } from '../test/support/serve-process.js'
import { syntheticNodes } from '../test/support/synthetic.js'

const seconds = Number(process.env.SOAK_SECONDS ?? 180)
/** Requests per second, all connections together: steady, not saturating. */
const rate = Number(process.env.SOAK_RATE ?? 400)
const sampleSeconds = Number(process.env.SOAK_SAMPLE_SECONDS ?? 5)
const nodeCount = Number(process.env.SOAK_NODES ?? 500)
const connections = 8

interface Sample {
  t: number
  rssMiB: number
  heapMiB: number
  lagP99Ms: number
  pods: number
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? NaN : Number(line.split(' ')[1])
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

async function main() {
  const api = new StandInApiServer()
  await api.start()
  const nodes = syntheticNodes(nodeCount)
  for (const node of nodes) api.apply('nodes', node, { copy: false })
  const gpuNodes = nodes
    .map((n) => (n.metadata as { name: string }).name)
    .filter((_, i) => i % 10 === 3)
  for (let i = 0; i < 2000; i++) {
    api.apply('pods', runningGpuPod(`seed-${i}`, gpuNodes[i % gpuNodes.length]!, 0))
  }
  const dir = mkdtempSync(join(tmpdir(), 'hx-soak-'))
  const kubeconfig = api.writeKubeconfig(join(dir, 'kubeconfig'))
  const served = await startServe(['--kubeconfig', kubeconfig])
  const base = served.url
  for (let ready = false; !ready;) {
    ready = (await fetch(`${base}/readyz`)).status === 200
    if (!ready) await new Promise((r) => setTimeout(r, 200))
  }

  // Churn: every 100 ms a GPU pod is bound, one finishes, an older one goes.
  let n = 0
  const churn = setInterval(() => {
    n++
    const node = gpuNodes[n % gpuNodes.length]!
    api.apply('pods', runningGpuPod(`churn-${n}`, node, 1))
    if (n > 10) api.apply('pods', runningGpuPod(`churn-${n - 10}`, node, 1, 'Succeeded'))
    if (n > 50) api.remove('pods', `churn-${n - 50}`)
  }, 100)

  const job = fixturePod('e06')
  const names = JSON.stringify(namesArgs(job, nodes.slice(0, 100) as never))
  const full = JSON.stringify(fullArgs(fixturePod('e02'), nodes.slice(0, 20) as never))
  const samples: Sample[] = []
  const started = Date.now()
  const sample = async () => {
    const text = await (await fetch(`${base}/metrics`)).text()
    samples.push({
      t: Math.round((Date.now() - started) / 1000),
      rssMiB: metric(text, 'hybrid_extender_process_resident_memory_bytes') / 2 ** 20,
      heapMiB: metric(text, 'hybrid_extender_nodejs_heap_size_used_bytes') / 2 ** 20,
      lagP99Ms: metric(text, 'hybrid_extender_nodejs_eventloop_lag_p99_seconds') * 1000,
      pods: metric(text, 'hybrid_extender_cache_objects{kind="pod"}'),
    })
  }
  await sample()
  const sampler = setInterval(() => void sample(), sampleSeconds * 1000)

  const headers = { 'content-type': 'application/json' }
  const result = await autocannon({
    url: base,
    connections,
    overallRate: rate,
    duration: seconds,
    requests: [
      { method: 'POST', path: '/filter', body: names, headers },
      { method: 'POST', path: '/prioritize', body: names, headers },
      { method: 'POST', path: '/filter', body: full, headers },
    ],
  })
  clearInterval(sampler)
  clearInterval(churn)
  await sample()
  const code = await served.stop()
  await api.stop()
  rmSync(dir, { recursive: true, force: true })

  console.log(
    `soak: ${seconds} s at ${rate} req/s over ${connections} connections, ` +
      `${nodeCount} nodes, ${n} pod changes; ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, ` +
      `Node.js ${process.version}`,
  )
  console.log('\n| t (s) | RSS (MiB) | heap used (MiB) | event-loop p99 (ms) | pods cached |')
  console.log('|---:|---:|---:|---:|---:|')
  for (const s of samples) {
    const row = [s.t, s.rssMiB.toFixed(1), s.heapMiB.toFixed(1), s.lagP99Ms.toFixed(1), s.pods]
    console.log(`| ${row.join(' | ')} |`)
  }
  const third = Math.floor(samples.length / 3)
  const second = samples.slice(third, 2 * third)
  const last = samples.slice(2 * third)
  const rssGrowth = median(last.map((s) => s.rssMiB)) / median(second.map((s) => s.rssMiB)) - 1
  const heapGrowth = median(last.map((s) => s.heapMiB)) / median(second.map((s) => s.heapMiB)) - 1
  const errors = result.errors + result.timeouts + result.non2xx
  console.log(
    `\nrequests: ${result.requests.total} (${result.requests.average.toFixed(0)}/s), ` +
      `errors ${errors}, latency p50 ${result.latency.p50} ms p99 ${result.latency.p99} ms; ` +
      `exit code ${code}`,
  )
  console.log(
    `median RSS last third vs second third: ${(rssGrowth * 100).toFixed(1)} %, ` +
      `heap used: ${(heapGrowth * 100).toFixed(1)} %`,
  )
  // Within 10 %: GC and allocator noise; more, sustained, is a leak to chase.
  const ok = rssGrowth < 0.1 && heapGrowth < 0.1 && errors === 0 && code === 0
  console.log(`verdict: ${ok ? 'PASS: no growth, no errors' : 'FAIL'}`)
  process.exitCode = ok ? 0 : 1
}

await main()
