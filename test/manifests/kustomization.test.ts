import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { loadPolicyFile } from '../../src/policy/load.js'
import {
  declaredObjects,
  generatorFile,
  isKustomizationDir,
  kustomizations,
  patchDocuments,
  patchTarget,
  readKustomization,
  root,
} from '../support/kustomize.js'

// kubectl and kustomize are not available to CI: these checks stand in for
// `kubectl kustomize` failing on a missing file or a patch with no target.
for (const dir of kustomizations) {
  t.test(`${dir}/kustomization.yaml`, async (t) => {
    const k = readKustomization(dir)

    t.test('is a Kustomization', async (t) => {
      t.equal(k.apiVersion, 'kustomize.config.k8s.io/v1beta1')
      t.equal(k.kind, 'Kustomization')
    })

    t.test('lists resources that exist', async (t) => {
      t.ok((k.resources ?? []).length > 0, 'has resources')
      for (const ref of k.resources ?? []) {
        const path = join(root, dir, ref)
        t.ok(existsSync(path), `${ref} exists`)
        if (!ref.endsWith('.yaml')) t.ok(isKustomizationDir(dir, ref), `${ref} is a kustomization`)
      }
    })

    t.test('lists patches that exist and each targets a resource of its base', async (t) => {
      for (const p of k.patches ?? []) {
        t.ok(p.path !== undefined && existsSync(join(root, dir, p.path)), `${p.path} exists`)
      }
      const objects = declaredObjects(dir)
      for (const { object, source } of patchDocuments(dir)) {
        const target = patchTarget(object, objects)
        t.ok(target, `${source} targets ${object.kind} ${object.metadata.name} of the base`)
      }
    })

    t.test('generates ConfigMaps from files that exist', async (t) => {
      for (const gen of k.configMapGenerator ?? []) {
        for (const entry of gen.files ?? []) {
          t.ok(existsSync(join(root, dir, generatorFile(entry))), `${gen.name}: ${entry} exists`)
        }
      }
    })
  })
}

t.test('the patch check finds no target for a patch of a resource the base lacks', async (t) => {
  const objects = declaredObjects('manifests/overlays/extender')
  const stray = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'absent' } }
  t.equal(patchTarget(stray, objects), undefined)
  const wrongKind = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'hybrid-scheduler-extender' },
  }
  t.equal(patchTarget(wrongKind, objects), undefined)
})

t.test('the base ships policies/default.yaml unchanged as its policy', async (t) => {
  const shipped = readFileSync(join(root, 'policies/default.yaml'), 'utf8')
  const copy = readFileSync(join(root, 'manifests/base/policy.yaml'), 'utf8')
  t.equal(copy, shipped, 'cp policies/default.yaml manifests/base/policy.yaml after a change')
  t.equal(loadPolicyFile(join(root, 'manifests/base/policy.yaml')).name, 'default')
})

t.test('the extender reads its policy where the ConfigMap is mounted', async (t) => {
  const objects = declaredObjects('manifests/base').map((s) => s.object)
  const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as {
    spec: { template: { spec: Record<string, any> } }
  }
  const pod = deployment.spec.template.spec
  const container = pod.containers[0]
  const mount = container.volumeMounts.find((m: { name: string }) => m.name === 'policy')
  const volume = pod.volumes.find((v: { name: string }) => v.name === 'policy')
  t.equal(volume.configMap.name, 'hybrid-scheduler-extender-policy')
  t.ok(objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name))
  t.ok(container.args.includes(`--policy=${mount.mountPath}/policy.yaml`))
})
