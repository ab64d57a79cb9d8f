import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { notSeenMessage } from '../../src/cluster/cache.js'
import type { ExtenderFilterResult, HostPriority } from '../../src/wire/types.js'
import { StandInApiServer } from '../support/api-server.js'
import {
  fixtureNodes,
  gpuJobPod,
  nodeNames as n,
  runningGpuPod,
  tempDir,
  waitFor,
} from '../support/cluster.js'

const bin = fileURLToPath(new URL('../../bin/hybrid-extender.js', import.meta.url))

t.test(
  'serve --kubeconfig answers names-only requests from the cluster with free devices honoured',
  async (t) => {
    const server = new StandInApiServer()
    await server.start()
    for (const node of fixtureNodes()) server.apply('nodes', node)
    server.apply('pods', runningGpuPod('train-a', n.a100, 6))
    server.apply('pods', runningGpuPod('train-b', n.smallGpu, 1))
    const { dir, cleanup } = tempDir()
    const kubeconfig = server.writeKubeconfig(join(dir, 'kubeconfig'))

    const child = spawn(
      process.execPath,
      [bin, 'serve', '--kubeconfig', kubeconfig, '--port', '0', '--host', '127.0.0.1'],
      {
        env: { ...process.env, KUBECONFIG: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const logs: Record<string, unknown>[] = []
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += String(chunk)))
    createInterface(child.stdout).on('line', (line) => {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>)
      } catch {
        // not a log line
      }
    })
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    )
    t.teardown(async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
      await server.stop()
      cleanup()
    })

    await waitFor(
      'the listening log line',
      () => logs.some((l) => l.msg === 'listening') || child.exitCode !== null,
      60_000,
    )
    t.equal(child.exitCode, null, `serve is running ${stderr}`)
    const address = logs.find((l) => l.msg === 'listening')?.address as string
    t.ok(logs.some((l) => l.msg === 'watching nodes and pods'))
    t.notOk(logs.some((l) => String(l.msg).startsWith('no Kubernetes API')))

    let ready = false
    const deadline = Date.now() + 60_000
    while (!ready && Date.now() < deadline) {
      ready = (await fetch(`${address}/readyz`)).status === 200
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    t.ok(ready, 'ready once the first lists are in')

    const names = [...Object.values(n), 'not-in-the-cluster']
    const post = async (verb: string) => {
      const body = JSON.stringify({ Pod: gpuJobPod(), Nodes: null, NodeNames: names })
      const res = await fetch(`${address}/${verb}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      })
      t.equal(res.status, 200)
      return res.json()
    }
    const filter = (await post('filter')) as ExtenderFilterResult
    t.same(filter.Nodes, null)
    t.same(filter.NodeNames, [n.a100])
    t.same(Object.keys(filter.FailedNodes).sort(), [n.smallGpu, 'not-in-the-cluster'].sort())
    t.match(filter.FailedNodes[n.smallGpu], /0 of 1 free/)
    t.equal(filter.FailedNodes['not-in-the-cluster'], notSeenMessage)
    t.same(
      Object.keys(filter.FailedAndUnresolvableNodes ?? {}).sort(),
      [n.fpga, n.virtual, n.worker].sort(),
    )

    const scores = new Map(
      ((await post('prioritize')) as HostPriority[]).map((h) => [h.Host, h.Score]),
    )
    t.equal(scores.get(n.a100), 8, 'best fit on 2 free GPUs of 8')

    server.apply('pods', runningGpuPod('train-b', n.smallGpu, 1, 'Succeeded'))
    let freed = false
    const until = Date.now() + 60_000
    while (!freed && Date.now() < until) {
      freed =
        ((await post('filter')) as ExtenderFilterResult).NodeNames?.includes(n.smallGpu) ?? false
      if (!freed) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    t.ok(freed, 'the finished pod freed its GPU')

    const metrics = await (await fetch(`${address}/metrics`)).text()
    t.match(metrics, /hybrid_extender_cache_objects\{kind="node"\} 5/)
    t.match(metrics, /hybrid_extender_cache_synced 1/)

    child.kill('SIGTERM')
    t.equal(await exited, 0, 'exits cleanly on SIGTERM')
    await waitFor('the watches to close', () => server.watchCount() === 0)
  },
)
