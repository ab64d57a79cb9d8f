import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClusterCache, type ClusterCacheOptions } from '../../src/cluster/cache.js'
import { clusterConnection } from '../../src/cluster/kubeconfig.js'
import type { StandInApiServer } from './api-server.js'
import { fixtureDocs } from './fixtures.js'
import { pollUntil } from './poll.js'

type Json = Record<string, unknown>

/** A fixture file's object (YAML or JSON). */
export function fixture(file: string): Json {
  return fixtureDocs(file)[0] as Json
}

/** The shared fixture nodes: virtual, two GPU nodes (8 and 1 GPUs), FPGA, plain worker. */
export const fixtureNodeFiles = [
  'a01-vk-node-aci-virtual-node.yaml',
  'b01-gpu-node-a100x8-gfd-mig-mixed-tainted.yaml',
  'b03-gpu-node-small-single-gpu-status.yaml',
  'c01-fpga-node-xilinx-u200.yaml',
  'd01-worker-node-plain-kubeadm.yaml',
]

export const nodeNames = {
  virtual: 'virtual-node-aci-linux',
  a100: 'gpu-node-a100-001',
  smallGpu: 'gpu-node-small-1',
  fpga: 'fpga-node-u200-0',
  worker: 'worker-1',
}

export function fixtureNodes(): Json[] {
  return fixtureNodeFiles.map(fixture)
}

/** The Job pod of g08 (1 GPU, after API defaulting), as the scheduler sends it. */
export function gpuJobPod(): Json {
  return structuredClone(fixture('g08-extenderargs-CONSTRUCTED-nodecache-gpu-job.json').Pod as Json)
}

/** A pod of the same Job bound to `node`, requesting `gpus` GPUs, in `phase`. */
export function runningGpuPod(name: string, node: string, gpus = 1, phase = 'Running'): Json {
  const pod = gpuJobPod()
  const metadata = pod.metadata as Json
  metadata.name = name
  delete metadata.uid
  const spec = pod.spec as { nodeName?: string; containers: { resources: Json }[] }
  spec.nodeName = node
  for (const c of spec.containers) {
    c.resources = {
      requests: { 'nvidia.com/gpu': String(gpus) },
      limits: { 'nvidia.com/gpu': String(gpus) },
    }
  }
  pod.status = { phase }
  return pod
}

/** Polls `check` until it holds; fails after a generous deadline (loaded CI machines). */
export async function waitFor(
  what: string,
  check: () => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  await pollUntil(what, () => (check() ? true : undefined), timeoutMs, 20)
}

/** Fast retries for tests: failures are retried within a fraction of a second. */
export const fastRetries: ClusterCacheOptions = {
  backoff: { initialMs: 20, maxMs: 200 },
  listTimeoutMs: 5_000,
}

/** A temporary directory removed by `cleanup`. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'hx-cache-'))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A started cache watching the stand-in through a kubeconfig file, and its teardown. */
export function cacheFor(
  server: StandInApiServer,
  options: ClusterCacheOptions = fastRetries,
): { cache: ClusterCache; stop: () => Promise<void> } {
  const { dir, cleanup } = tempDir()
  const connection = clusterConnection(server.writeKubeconfig(join(dir, 'kubeconfig')), {})
  if (connection === undefined) throw new Error('no connection from the stand-in kubeconfig')
  const cache = new ClusterCache(connection.kubeConfig, options)
  cache.start()
  return {
    cache,
    stop: async () => {
      await cache.stop()
      cleanup()
    },
  }
}
