/**
 * Memory of the cluster cache at the design limit: 5,000 nodes and 150,000
 * pods pass through the real list+watch path (@kubernetes/client-node against
 * the stand-in API server, which runs in a child process so that its objects
 * are not counted), then a stream of watch updates follows. Prints resident
 * memory and heap after garbage collection.
 *
 *   npm run bench:memory   (NODES=…, PODS=…, CHURN=… change the size; the script caps
 *                          the V8 heap at 256 MiB, as the deployment should)
 */
import { fork, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ClusterCache } from '../src/cluster/cache.js'
import { clusterConnection } from '../src/cluster/kubeconfig.js'
import { defaultPolicyPath } from '../src/cli/serve.js'
import { createMetrics } from '../src/metrics.js'
import { loadPolicyFile } from '../src/policy/load.js'
import { PolicyStore } from '../src/policy/store.js'
import { buildApp } from '../src/server/app.js'
import { kubeconfigFor, StandInApiServer } from '../test/support/api-server.js'
import { tempDir } from '../test/support/cluster.js'
import { syntheticNode, syntheticPod } from './synthetic.js'

const nodeCount = Number(process.env.NODES ?? 5_000)
const podCount = Number(process.env.PODS ?? 150_000)
const churnCount = Number(process.env.CHURN ?? 50_000)
const marker = { namespace: 'bench', name: 'marker' }

type Message = { port: number } | { churned: number }

/** The child: a stand-in API server holding the synthetic cluster. */
async function api(): Promise<void> {
  const server = new StandInApiServer({ historyLimit: 10_000, bookmarkIntervalMs: 10_000 })
  await server.start()
  for (let i = 0; i < nodeCount; i++) server.apply('nodes', syntheticNode(i), { copy: false })
  for (let i = 0; i < podCount; i++)
    server.apply('pods', syntheticPod(i, nodeCount), { copy: false })
  process.send?.({ port: server.port })
  process.on('message', async (m: { churn: number }) => {
    // Updates as a busy cluster makes them: status changes, pods finishing,
    // pods deleted and replaced. Yielding lets the watch streams drain.
    for (let k = 0; k < m.churn; k++) {
      const i = (k * 7919) % podCount
      if (k % 10 === 0) {
        const pod = syntheticPod(i, nodeCount)
        const meta = pod.metadata as { name: string; namespace: string }
        server.remove('pods', meta.name, meta.namespace)
        server.apply('pods', pod, { copy: false })
      } else {
        server.apply('pods', syntheticPod(i, nodeCount, k % 3 === 0 ? 'Succeeded' : 'Running'), {
          copy: false,
        })
      }
      if (k % 500 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    server.apply('pods', { metadata: { ...marker, labels: { churn: String(m.churn) } } })
    process.send?.({ churned: m.churn })
  })
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1)
}

function measure(): {
  rssMiB: string
  heapUsedMiB: string
  heapTotalMiB: string
  externalMiB: string
} {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run node with --expose-gc')
  for (let i = 0; i < 3; i++) gc()
  const m = process.memoryUsage()
  return {
    rssMiB: mib(m.rss),
    heapUsedMiB: mib(m.heapUsed),
    heapTotalMiB: mib(m.heapTotal),
    externalMiB: mib(m.external),
  }
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 50))
}

async function bench(): Promise<void> {
  const started = Date.now()
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['api'], {
    execArgv: ['--import', 'tsx'],
  })
  const next = () =>
    new Promise<Message>((resolve) => child.once('message', (m) => resolve(m as Message)))
  const { port } = (await next()) as { port: number }
  const seconds = (Date.now() - started) / 1000
  console.log(`stand-in ready with ${nodeCount} nodes and ${podCount} pods in ${seconds} s`)

  const { dir, cleanup } = tempDir()
  const kubeconfig = join(dir, 'kubeconfig')
  writeFileSync(kubeconfig, kubeconfigFor(`http://127.0.0.1:${port}`))
  const connection = clusterConnection(kubeconfig, {})
  if (connection === undefined) throw new Error('no connection')
  const metrics = createMetrics()
  const cache = new ClusterCache(connection.kubeConfig, { metrics })
  const app = buildApp({
    policy: new PolicyStore(loadPolicyFile(defaultPolicyPath), metrics),
    metrics,
    nodes: cache,
  })
  await app.ready()
  const before = measure()

  const syncStart = Date.now()
  cache.start()
  await until(() => cache.ready())
  const syncSeconds = (Date.now() - syncStart) / 1000
  const synced = measure()
  const peakAfterSyncMiB = mib(process.resourceUsage().maxRSS * 1024)

  const churnStart = Date.now()
  child.send({ churn: churnCount })
  await next()
  await until(() => cache.state.pod(marker.namespace, marker.name) !== undefined)
  const churnSeconds = (Date.now() - churnStart) / 1000
  const churned = measure()

  const names = [...cache.nodes()].map((n) => n.name)
  const pod = JSON.parse(
    readFileSync(
      new URL(
        '../test/fixtures/g08-extenderargs-CONSTRUCTED-nodecache-gpu-job.json',
        import.meta.url,
      ),
      'utf8',
    ),
  ).Pod
  const filterStart = process.hrtime.bigint()
  const res = await app.inject({
    method: 'POST',
    url: '/filter',
    payload: { Pod: pod, Nodes: null, NodeNames: names },
  })
  const filterMs = Number(process.hrtime.bigint() - filterStart) / 1e6
  if (res.statusCode !== 200) throw new Error(`filter answered ${res.statusCode}`)

  const result = {
    node: process.version,
    cpu: cpuModel(),
    nodes: cache.state.counts.nodes,
    pods: cache.state.counts.pods,
    sharedMaps: cache.state.sharedMaps,
    syncSeconds,
    churnUpdates: churnCount,
    churnSeconds,
    before,
    synced,
    churned,
    peakRssMiB: mib(process.resourceUsage().maxRSS * 1024),
    peakAfterSyncMiB,
    firstFilter5000NamesMs: Math.round(filterMs),
  }
  console.log(JSON.stringify(result, null, 2))
  await cache.stop()
  await app.close()
  child.kill()
  cleanup()
}

function cpuModel(): string {
  const line = readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('model name'))
  return line?.split(':')[1]?.trim() ?? 'unknown'
}

if (process.argv[2] === 'api') await api()
else await bench()
