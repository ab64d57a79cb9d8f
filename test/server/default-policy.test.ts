// Pins every row of the default policy's table, in both request shapes
// kube-scheduler can send, using the real fixture objects.
import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StandInApiServer } from '../support/api-server.js'
import { filterAndPrioritize, httpPoster, testApp, type Outcome } from '../support/app.js'
import { startServe } from '../support/serve-process.js'
import { pollUntil } from '../support/poll.js'
import { fixtureNodes, fixturePod, fullArgs, namesArgs } from '../support/fixtures.js'

type Json = Record<string, any>

const fx = fixtureNodes()
const worker2 = structuredClone(fx.worker)
worker2.metadata.name = 'worker-2'
worker2.status.allocatable.cpu = '64'
/** A virtual node whose back-end offers GPUs: still virtual. */
const virtualGpu = structuredClone(fx.virtual)
virtualGpu.metadata.name = 'virtual-node-aci-gpu'
virtualGpu.status.allocatable['nvidia.com/gpu'] = '100'
/** A node with the Intel FPGA function the e07 Job asks for. */
const intelFpga = structuredClone(fx.fpga)
intelFpga.metadata.name = 'fpga-node-intel-0'
intelFpga.status.allocatable = {
  cpu: '12',
  memory: '64Gi',
  'hugepages-2Mi': '1Gi',
  'fpga.intel.com/af-d8424dc4a4a3c413f89e433683f9040b': '2',
}
/** A virtual node recognised by its taint only. */
const taintOnlyVirtual = {
  metadata: { name: 'vk-taint-only' },
  spec: { taints: [{ key: 'virtual-kubelet.io/provider', value: 'x', effect: 'NoSchedule' }] },
  status: { allocatable: { cpu: '1k' } },
}
/** A Liqo virtual node that advertises GPUs: the virtual pool is checked first. */
const liqo = {
  metadata: { name: 'liqo-remote', labels: { 'liqo.io/type': 'virtual-node' } },
  status: { allocatable: { cpu: '900', 'nvidia.com/gpu': '16' } },
}

const all = [fx.worker, worker2, fx.virtual, taintOnlyVirtual, fx.gpu8, fx.gpu1, fx.fpga, fx.mig]
const names = (nodes: Json[]) => nodes.map((n) => n.metadata.name as string)
const name = (n: Json) => n.metadata.name as string

const steadyPod = () => fixturePod('e02')
const bareSteadyPod = () => {
  const p = fixturePod('e02')
  delete p.metadata.ownerReferences
  return p
}
/** The e06 Job with its GPU request removed: batch work without accelerator. */
const burstyPod = () => {
  const p = fixturePod('e06')
  delete p.spec.containers[0].resources
  return p
}

// The real `hybrid-extender serve` process, answering full objects on its own
// and names through a stand-in API server that holds every node of the table.
const api = new StandInApiServer()
await api.start()
for (const n of [...all, virtualGpu, intelFpga, liqo]) api.apply('nodes', n)
const dir = mkdtempSync(join(tmpdir(), 'hx-table-'))
writeFileSync(join(dir, 'kubeconfig'), api.kubeconfig())
const plain = await startServe([])
const cached = await startServe(['--kubeconfig', join(dir, 'kubeconfig')])
await pollUntil('the cache to sync', async () =>
  (await fetch(`${cached.url}/readyz`)).status === 200 ? true : undefined,
)
t.teardown(async () => {
  await Promise.all([plain.stop(), cached.stop()])
  await api.stop()
  rmSync(dir, { recursive: true, force: true })
})

const modes = ['full', 'names', 'real process, full', 'real process, names'] as const
for (const mode of modes) {
  const run = async (pod: Json, nodes: Json[]): Promise<Outcome> => {
    const body = mode.endsWith('full') ? fullArgs(pod, nodes) : namesArgs(pod, nodes)
    if (mode === 'real process, full')
      return filterAndPrioritize(httpPoster(plain.url), body, names(nodes))
    if (mode === 'real process, names')
      return filterAndPrioritize(httpPoster(cached.url), body, names(nodes))
    const { app } = testApp({ nodes: [...nodes, virtualGpu, intelFpga, liqo] })
    return filterAndPrioritize(app, body, names(nodes))
  }

  t.test(`${mode}`, async (t) => {
    t.test('steady pods use dedicated and virtual nodes, never accelerator nodes', async (t) => {
      for (const [label, pod] of [
        ['ReplicaSet', steadyPod()],
        ['no owner', bareSteadyPod()],
      ] as const) {
        const o = await run(pod, all)
        t.same(
          o.passed.sort(),
          names([fx.worker, worker2, fx.virtual, taintOnlyVirtual]).sort(),
          label,
        )
        for (const n of [fx.gpu8, fx.gpu1, fx.fpga, fx.mig]) {
          t.match(
            o.unresolvable[name(n)],
            /accelerator.*not allowed.*steady/,
            `${label}: ${name(n)}`,
          )
        }
      }
    })

    t.test('steady pods score every dedicated node above every virtual node', async (t) => {
      const o = await run(steadyPod(), all)
      const dedicated = [o.scores[name(fx.worker)]!, o.scores[name(worker2)]!]
      const virtual = [o.scores[name(fx.virtual)]!, o.scores[name(taintOnlyVirtual)]!]
      t.ok(Math.min(...dedicated) > Math.max(...virtual), JSON.stringify(o.scores))
      t.ok(
        Math.min(...dedicated) - Math.max(...virtual) >= 5,
        'the gap holds against in-tree plugins',
      )
    })

    t.test('StatefulSet pods are steady too', async (t) => {
      const pod = steadyPod()
      pod.metadata.ownerReferences[0].kind = 'StatefulSet'
      const o = await run(pod, [fx.worker, fx.gpu1])
      t.same(o.passed, [name(fx.worker)])
      t.match(o.unresolvable[name(fx.gpu1)], /not allowed for workload class steady/)
    })

    t.test('Job pods without accelerators prefer virtual nodes over dedicated ones', async (t) => {
      const o = await run(burstyPod(), all)
      t.same(o.passed.sort(), names([fx.worker, worker2, fx.virtual, taintOnlyVirtual]).sort())
      t.ok(o.scores[name(fx.virtual)]! > o.scores[name(fx.worker)]!, JSON.stringify(o.scores))
      t.ok(o.scores[name(taintOnlyVirtual)]! > o.scores[name(worker2)]!)
      t.match(o.unresolvable[name(fx.gpu8)], /not allowed for workload class bursty/)
    })

    t.test('GPU pods fit only nodes advertising enough GPUs, tightest fit first', async (t) => {
      const nodes = [...all, virtualGpu]
      const o = await run(fixturePod('e06'), nodes)
      t.same(o.passed.sort(), names([fx.gpu8, fx.gpu1, virtualGpu]).sort())
      for (const n of [fx.worker, worker2, fx.virtual, fx.fpga, fx.mig]) {
        t.match(o.unresolvable[name(n)], /nvidia\.com\/gpu.*requests 1.*has 0/, name(n))
      }
      t.ok(o.scores[name(fx.gpu1)]! > o.scores[name(fx.gpu8)]!, 'one free GPU is the tighter fit')
      t.ok(
        o.scores[name(fx.gpu8)]! > o.scores[name(virtualGpu)]!,
        'accelerator machines above virtual',
      )
    })

    t.test(
      'a pod asking for more GPUs than a node has gets both counts in the reason',
      async (t) => {
        const o = await run(fixturePod('e04'), [fx.gpu8, fx.gpu1])
        t.same(o.passed, [name(fx.gpu8)])
        t.match(
          o.unresolvable[name(fx.gpu1)],
          /insufficient nvidia\.com\/gpu: pod requests 8, node has 1/,
        )
      },
    )

    t.test('a virtual node advertising GPUs is still virtual', async (t) => {
      const o = await run(steadyPod(), [liqo, fx.worker])
      t.same(o.passed.sort(), [name(fx.worker), 'liqo-remote'].sort())
      t.ok(o.scores[name(fx.worker)]! > o.scores['liqo-remote']!)
    })

    t.test('FPGA pods fit only nodes with that exact FPGA resource', async (t) => {
      const xilinx = await run(fixturePod('e09'), [...all, intelFpga])
      t.same(xilinx.passed, [name(fx.fpga)])
      t.match(xilinx.unresolvable[name(intelFpga)], /amd\.com\/xilinx_u200.*has 0/)
      const intel = await run(fixturePod('e07'), [...all, intelFpga])
      t.same(intel.passed, [name(intelFpga)])
      t.match(intel.unresolvable[name(fx.fpga)], /fpga\.intel\.com\/af-.*has 0/)
      t.equal(Object.keys(intel.unresolvable).length, all.length)
    })

    t.test('MIG pods fit only nodes with that MIG profile', async (t) => {
      const o = await run(fixturePod('e17'), all)
      t.same(o.passed, [name(fx.mig)])
      t.match(
        o.unresolvable[name(fx.gpu8)],
        /nvidia\.com\/mig-1g\.10gb: pod requests 1, node has 0/,
      )
    })

    t.test('DaemonSet pods go to every machine but not to virtual nodes', async (t) => {
      const o = await run(fixturePod('e10'), all)
      t.same(o.passed.sort(), names([fx.worker, worker2, fx.gpu8, fx.gpu1, fx.fpga, fx.mig]).sort())
      t.ok(o.unresolvable[name(fx.virtual)])
      t.ok(o.unresolvable[name(taintOnlyVirtual)])
      // Without host features, the class rule alone keeps it off virtual nodes.
      const plain = fixturePod('e10')
      delete plain.spec.hostNetwork
      delete plain.spec.volumes
      delete plain.spec.containers[0].securityContext
      const p = await run(plain, [fx.worker, fx.virtual])
      t.match(
        p.unresolvable[name(fx.virtual)],
        /pool virtual is not allowed for workload class node-agent/,
      )
    })

    const features: [string, (pod: Json) => void][] = [
      ['hostPath', (p) => (p.spec.volumes = [{ name: 'h', hostPath: { path: '/var/log' } }])],
      ['hostNetwork', (p) => (p.spec.hostNetwork = true)],
      ['hostPID', (p) => (p.spec.hostPID = true)],
      ['hostIPC', (p) => (p.spec.hostIPC = true)],
      ['hostPort', (p) => (p.spec.containers[0].ports = [{ containerPort: 80, hostPort: 8080 }])],
      ['privileged', (p) => (p.spec.containers[1].securityContext = { privileged: true })],
    ]
    for (const [feature, apply] of features) {
      t.test(
        `a steady pod using ${feature} stays off virtual nodes, with the feature named`,
        async (t) => {
          const pod = steadyPod()
          apply(pod)
          const o = await run(pod, [fx.worker, fx.virtual, taintOnlyVirtual])
          t.same(o.passed, [name(fx.worker)])
          t.match(
            o.unresolvable[name(fx.virtual)],
            new RegExp(`cannot run pods that use ${feature}`),
          )
          t.match(o.unresolvable[name(taintOnlyVirtual)], new RegExp(feature))
        },
      )
    }

    t.test(
      'a bursty GPU-free pod using hostPath keeps its class minus virtual nodes',
      async (t) => {
        const pod = burstyPod()
        pod.spec.volumes = [{ name: 'h', hostPath: { path: '/data' } }]
        const o = await run(pod, [fx.worker, fx.virtual, fx.gpu1])
        t.same(o.passed, [name(fx.worker)])
        t.match(o.unresolvable[name(fx.gpu1)], /not allowed for workload class bursty/)
      },
    )

    t.test('the class annotation overrides the class the pod would match', async (t) => {
      const pod = steadyPod()
      pod.metadata.annotations = { 'hybrid-scheduler.io/workload-class': 'bursty' }
      const o = await run(pod, [fx.worker, fx.virtual])
      t.ok(o.scores[name(fx.virtual)]! > o.scores[name(fx.worker)]!, JSON.stringify(o.scores))
    })

    t.test(
      'an unknown class name in the annotation turns down every node, naming it',
      async (t) => {
        const pod = steadyPod()
        pod.metadata.annotations = { 'hybrid-scheduler.io/workload-class': 'gold-tier' }
        const o = await run(pod, all)
        t.same(o.passed, [])
        t.same(Object.keys(o.unresolvable).sort(), names(all).sort())
        for (const reason of Object.values(o.unresolvable)) t.match(reason, /"gold-tier"/)
        t.ok(Object.values(o.scores).every((s) => s === 0))
      },
    )
  })
}
