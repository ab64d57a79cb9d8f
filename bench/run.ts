// `npm run bench`: drives the real service process and a do-nothing
// extender with the same requests, and prints requests/s, latency and the
// ratio between them per scenario, then the engine micro-benchmark.
// BENCH_SECONDS (default 5) sets the length of each run.
import { fork, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { fixturePod } from '../test/support/fixtures.js'
import { startServe, type ServeProcess } from '../test/support/serve-process.js'
import { syntheticNodes } from '../test/support/synthetic.js'
import { kubeconfigFor } from '../test/support/api-server.js'
import { engineBench } from './engine.js'
import { syntheticNode as clusterNode } from './synthetic.js'

const seconds = Number(process.env.BENCH_SECONDS ?? 5)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 4)

interface Scenario {
  name: string
  body: Buffer
  /** Extra `serve` flags (a kubeconfig for names-only scenarios). */
  serveArgs: string[]
}

interface Run {
  rps: number
  p50: number
  p99: number
  errors: number
}

async function load(url: string, body: Buffer): Promise<Run> {
  const result = await autocannon({
    url,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
    connections,
    duration: seconds,
  })
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
  }
}

async function startBaseline(): Promise<ServeProcess> {
  const script = fileURLToPath(new URL('./baseline-server.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', script, '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      const m = /"address":"([^"]+)"/.exec(c.toString())
      if (m) resolve(m[1]!)
    })
    child.on('exit', (code) => reject(new Error(`baseline exited ${code}`)))
  })
  return {
    child,
    url,
    opsUrl: undefined,
    logs: [],
    stop: () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))),
  }
}

function fullObject(count: number): Scenario {
  const body = {
    Pod: fixturePod('e02'),
    Nodes: { metadata: {}, items: syntheticNodes(count) },
    NodeNames: null,
  }
  return {
    name: `full-object, ${count} nodes`,
    body: Buffer.from(JSON.stringify(body)),
    serveArgs: [],
  }
}

/** Cluster size behind the names-only scenarios. */
const clusterNodes = 5_000
const clusterPods = 50_000

/**
 * A stand-in API server holding the cluster, in a child process, and a
 * kubeconfig for it; `serve --kubeconfig` then answers names-only requests.
 */
async function startCluster(): Promise<{ kubeconfig: string; stop: () => void }> {
  const script = fileURLToPath(new URL('./api-child.ts', import.meta.url))
  const child = fork(script, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, NODES: String(clusterNodes), PODS: String(clusterPods) },
  })
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url))
    child.once('exit', (code) => reject(new Error(`stand-in API exited ${code}`)))
  })
  const dir = mkdtempSync(join(tmpdir(), 'hx-bench-'))
  const kubeconfig = join(dir, 'kubeconfig')
  writeFileSync(kubeconfig, kubeconfigFor(url))
  return {
    kubeconfig,
    stop: () => {
      child.kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function namesOnly(count: number, kubeconfig: string): Scenario {
  const names = Array.from(
    { length: count },
    (_, i) => (clusterNode(i).metadata as { name: string }).name,
  )
  const body = { Pod: fixturePod('e02'), Nodes: null, NodeNames: names }
  return {
    name: `names-only, ${count} candidates`,
    body: Buffer.from(JSON.stringify(body)),
    serveArgs: ['--kubeconfig', kubeconfig],
  }
}

/** Waits until the service's cache has synced (`/readyz` answers 200). */
async function untilReady(url: string): Promise<void> {
  for (const deadline = Date.now() + 300_000; Date.now() < deadline;) {
    const res = await fetch(`${url}/readyz`).catch(() => undefined)
    if (res?.status === 200) return
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error('the cache did not sync within 5 minutes')
}

const pad = (s: string | number, n: number) => String(s).padEnd(n)

async function main() {
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores), node ${process.version}`,
  )
  console.log(`each run: ${seconds} s, ${connections} connections`)
  console.log(`names-only scenarios: cache holding ${clusterNodes} nodes and ${clusterPods} pods\n`)
  console.log(
    `${pad('scenario', 34)}${pad('verb', 12)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}` +
      `${pad('baseline req/s', 16)}${pad('ratio', 8)}errors`,
  )
  const baseline = await startBaseline()
  const cluster = await startCluster()
  const scenarios = [
    namesOnly(500, cluster.kubeconfig),
    namesOnly(5000, cluster.kubeconfig),
    fullObject(500),
    fullObject(5000),
  ]
  try {
    for (const s of scenarios) {
      const served = await startServe(s.serveArgs)
      try {
        await untilReady(served.url)
        for (const verb of ['filter', 'prioritize']) {
          const base = await load(`${baseline.url}/${verb}`, s.body)
          const ours = await load(`${served.url}/${verb}`, s.body)
          console.log(
            `${pad(s.name, 34)}${pad(verb, 12)}${pad(ours.rps.toFixed(0), 10)}${pad(ours.p50, 9)}` +
              `${pad(ours.p99, 9)}${pad(base.rps.toFixed(0), 16)}${pad((ours.rps / base.rps).toFixed(2), 8)}` +
              `${ours.errors + base.errors}`,
          )
        }
      } finally {
        await served.stop()
      }
    }
  } finally {
    await baseline.stop()
    cluster.stop()
  }
  console.log('')
  for (const r of engineBench()) {
    console.log(`${r.scenario}: median ${r.medianUs.toFixed(1)} µs, p99 ${r.p99Us.toFixed(1)} µs`)
  }
}

await main()
