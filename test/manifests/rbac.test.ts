// The extender's service account may read nodes and pods and nothing else:
// every role bound to it, in every kustomization and in manifests/rbac.yaml,
// grants only get, list and watch on core nodes and pods.
import { join } from 'node:path'
import t from 'tap'
import {
  builtObjects,
  kustomizations,
  readDocuments,
  root,
  type Manifest,
} from '../support/kustomize.js'

interface Rule {
  apiGroups?: string[]
  resources?: string[]
  verbs?: string[]
  resourceNames?: string[]
  nonResourceURLs?: string[]
}
interface Binding extends Manifest {
  roleRef: { kind: string; name: string }
  subjects?: { kind: string; name: string; namespace?: string }[]
}

const account = 'hybrid-scheduler-extender'
const reads = ['get', 'list', 'watch']

/** The rules of every role bound to the extender's service account. */
function grantedRules(objects: Manifest[]): { role: string; rules: Rule[] }[] {
  const bindings = objects.filter(
    (o): o is Binding =>
      (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') &&
      ((o as Binding).subjects ?? []).some(
        (s) => s.kind === 'ServiceAccount' && s.name === account,
      ),
  )
  return bindings.map((b) => {
    const { kind, name } = b.roleRef
    const role = objects.find((o) => o.kind === kind && o.metadata.name === name)
    if (role === undefined) throw new Error(`${b.metadata.name} binds a role not shipped: ${name}`)
    return { role: `${role.kind}/${role.metadata.name}`, rules: (role.rules ?? []) as Rule[] }
  })
}

function checkRules(t: typeof import('tap').default, granted: ReturnType<typeof grantedRules>) {
  t.ok(granted.length > 0, 'the service account is bound to a role')
  const seen = new Set<string>()
  for (const { role, rules } of granted) {
    for (const rule of rules) {
      t.same(rule.apiGroups, [''], `${role}: core API group only`)
      t.notOk(rule.nonResourceURLs, `${role}: no non-resource URLs`)
      for (const r of rule.resources ?? []) t.ok(['nodes', 'pods'].includes(r), `${role}: ${r}`)
      for (const v of rule.verbs ?? []) t.ok(reads.includes(v), `${role}: verb ${v}`)
      for (const r of rule.resources ?? []) for (const v of rule.verbs ?? []) seen.add(`${r}:${v}`)
    }
  }
  const needed = ['nodes', 'pods'].flatMap((r) => reads.map((v) => `${r}:${v}`))
  t.same([...seen].sort(), needed.sort(), 'exactly get, list and watch on nodes and pods')
}

for (const dir of kustomizations) {
  const objects = builtObjects(dir).map((s) => s.object)
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === account)
  if (deployment === undefined) continue
  t.test(`in ${dir} the extender's service account only reads nodes and pods`, async (t) => {
    const spec = deployment.spec as { template: { spec: { serviceAccountName?: string } } }
    t.equal(spec.template.spec.serviceAccountName, account, 'the Deployment runs as it')
    checkRules(t as never, grantedRules(objects))
  })
}

t.test('manifests/rbac.yaml grants the same reads and nothing more', async (t) => {
  const objects = readDocuments(join(root, 'manifests/rbac.yaml')) as Manifest[]
  checkRules(t as never, grantedRules(objects))
})

t.test('the check refuses a role that writes or reads secrets', async (t) => {
  const objects = readDocuments(join(root, 'manifests/rbac.yaml')) as Manifest[]
  const role = objects.find((o) => o.kind === 'ClusterRole')!
  role.rules = [{ apiGroups: [''], resources: ['secrets', 'pods'], verbs: ['get', 'create'] }]
  const failures: string[] = []
  const probe = {
    ok: (v: unknown, m: string) => (v ? undefined : failures.push(m)),
    notOk: (v: unknown, m: string) => (v ? failures.push(m) : undefined),
    same: (a: unknown, b: unknown, m: string) =>
      JSON.stringify(a) === JSON.stringify(b) ? undefined : failures.push(m),
  }
  checkRules(probe as never, grantedRules(objects))
  t.ok(
    failures.some((m) => m.includes('secrets')),
    'secrets refused',
  )
  t.ok(
    failures.some((m) => m.includes('verb create')),
    'create refused',
  )
})
