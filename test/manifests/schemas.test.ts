import t from 'tap'
import { validateManifest } from '../support/k8s-schema.js'
import { builtObjects, kustomizations, type Manifest } from '../support/kustomize.js'

for (const dir of kustomizations) {
  t.test(`every object of ${dir} validates against its API schema`, async (t) => {
    const objects = builtObjects(dir)
    t.ok(objects.length > 0)
    for (const { object, source } of objects) {
      const problems = await validateManifest(object)
      t.same(problems, [], `${source}: ${object.kind} ${object.metadata.name}`)
    }
  })
}

t.test('the validator', async (t) => {
  const service = (spec: unknown) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'x' },
    spec,
  })

  t.test('accepts a well-formed object', async (t) => {
    t.same(await validateManifest(service({ ports: [{ port: 80 }] })), [])
  })

  t.test('rejects a field of the wrong type', async (t) => {
    const problems = await validateManifest(service({ ports: [{ port: 'eighty' }] }))
    t.ok(problems.length > 0)
  })

  t.test('rejects a missing required field', async (t) => {
    const problems = await validateManifest(service({ ports: [{ name: 'http' }] }))
    t.ok(problems.length > 0)
  })

  t.test('rejects a field the API does not define', async (t) => {
    const problems = await validateManifest(service({ ports: [{ port: 80, targetport: 8080 }] }))
    t.same(
      problems.map((p) => p.path),
      ['/spec/ports/0/targetport'],
    )
  })

  t.test('rejects a monitoring resource that breaks its CRD schema', async (t) => {
    const rule = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'x' },
      spec: { groups: [{ name: 'g', rules: [{ alert: 'NoExpression' }] }] },
    }
    t.ok((await validateManifest(rule)).length > 0)
  })

  t.test('rejects a kind it has no schema for', async (t) => {
    const problems = await validateManifest({ apiVersion: 'example.com/v1', kind: 'Widget' })
    t.ok(problems.length > 0)
  })
})

type Pod = {
  securityContext: Record<string, unknown>
  topologySpreadConstraints: { topologyKey: string; whenUnsatisfiable: string }[]
  containers: {
    resources: { requests: Record<string, string>; limits: Record<string, string> }
    securityContext: Record<string, any>
    readinessProbe?: unknown
    livenessProbe?: unknown
  }[]
}

function deployment(objects: Manifest[], name: string) {
  const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)
  return d as unknown as { spec: { replicas: number; selector: unknown; template: { spec: Pod } } }
}

for (const [dir, name] of [
  ['manifests/overlays/extender', 'hybrid-scheduler-extender'],
  ['manifests/overlays/second-scheduler', 'hybrid-scheduler-extender'],
  ['manifests/overlays/second-scheduler', 'hybrid-scheduler'],
] as const) {
  t.test(`the ${name} Deployment of ${dir}`, async (t) => {
    const objects = builtObjects(dir).map((s) => s.object)
    const d = deployment(objects, name)
    const pod = d.spec.template.spec

    t.test('runs two replicas spread over nodes', async (t) => {
      t.equal(d.spec.replicas, 2)
      const byHost = pod.topologySpreadConstraints.find(
        (c) => c.topologyKey === 'kubernetes.io/hostname',
      )
      t.equal(byHost?.whenUnsatisfiable, 'DoNotSchedule')
    })

    t.test('has a PodDisruptionBudget keeping one replica', async (t) => {
      const pdb = objects.find(
        (o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === name,
      ) as { spec: { minAvailable: number; selector: unknown } } | undefined
      t.equal(pdb?.spec.minAvailable, 1)
      t.same(pdb?.spec.selector, d.spec.selector)
    })

    t.test('has probes, requests and limits on every container', async (t) => {
      for (const c of pod.containers) {
        t.ok(c.readinessProbe, 'readiness probe')
        t.ok(c.livenessProbe, 'liveness probe')
        t.ok(c.resources.requests.cpu && c.resources.requests.memory, 'requests')
        t.ok(c.resources.limits.cpu && c.resources.limits.memory, 'limits')
      }
    })

    t.test(
      'runs as non-root on a read-only root file system without privilege escalation',
      async (t) => {
        t.equal(pod.securityContext.runAsNonRoot, true)
        t.ok(Number(pod.securityContext.runAsUser) > 0, 'numeric non-root user')
        for (const c of pod.containers) {
          t.equal(c.securityContext.readOnlyRootFilesystem, true)
          t.equal(c.securityContext.allowPrivilegeEscalation, false)
          t.same(c.securityContext.capabilities.drop, ['ALL'])
        }
      },
    )
  })
}
