import t from 'tap'
import { firstPod, parseObjects, podsFor, readObjects } from '../../src/cli/objects.js'
import { fixturePath } from '../support/objects.js'

const owner = (pod: Record<string, unknown>) =>
  (pod.metadata as { ownerReferences: { kind: string }[] }).ownerReferences[0]?.kind

t.test('workloads give the pod kube-scheduler sees, with the controller as owner', async (t) => {
  const cases: [string, string, string][] = [
    ['e02-deployment-vk-burst-hpa-online-store.yaml', 'ReplicaSet', 'default'],
    ['e04-cronjob-gpu-8x-with-initcontainer.yaml', 'Job', 'automated'],
    ['e06-job-gpu-1x-tolerate-gpu-taint.yaml', 'Job', 'default'],
    ['e10-daemonset-tolerate-all-exclude-virtual-node.yaml', 'DaemonSet', 'kube-system'],
  ]
  for (const [file, kind, namespace] of cases) {
    const pod = firstPod(readObjects(fixturePath(file)), file)
    t.equal(owner(pod), kind, file)
    t.equal((pod.metadata as { namespace: string }).namespace, namespace, file)
    t.ok((pod.spec as { containers: unknown[] }).containers.length > 0, file)
  }
})

t.test('a bare Pod is taken as it is', async (t) => {
  const pod = firstPod(readObjects(fixturePath('e09-pod-fpga-xilinx-u200.yaml')), 'e09')
  t.equal((pod.metadata as { name: string }).name, 'fpga-verify')
})

t.test('a workload gives as many pods as its replicas or parallelism', async (t) => {
  const [deployment, job] = parseObjects(
    'kind: Deployment\nmetadata: { name: d }\nspec: { replicas: 3, template: {} }\n---\n' +
      'kind: Job\nmetadata: { name: j }\nspec: { parallelism: 2, template: {} }\n',
    'inline',
  )
  t.equal(podsFor(deployment!).length, 3)
  t.equal(podsFor(job!).length, 2)
})

t.test('a List (as kubectl prints it) is flattened into its items', async (t) => {
  const objects = readObjects(fixturePath('h01-cluster-snapshot-CONSTRUCTED.yaml'))
  t.equal(objects.filter((o) => o.kind === 'Node').length, 7)
  t.equal(objects.filter((o) => o.kind === 'Pod').length, 9)
})

t.test('unparseable text is an input error', async (t) => {
  t.throws(() => parseObjects('a: [\n', 'bad.yaml'), { code: 'HX_INPUT_FILE' })
  t.throws(() => readObjects('/nonexistent.yaml'), { code: 'HX_INPUT_FILE' })
})
