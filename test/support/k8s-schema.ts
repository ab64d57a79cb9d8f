import * as k8s from '@kubernetes/client-node'

/** One problem found in a manifest, at a JSON-pointer-like path. */
export interface SchemaProblem {
  path: string
  message: string
}

type Validating = { validate(): void }
type ModelClass = new (data: unknown) => Validating

/**
 * Where the model classes of each apiVersion live: kubernetes-models for the
 * Kubernetes API (validators generated from its OpenAPI schemas), and its
 * prometheus-operator package for the monitoring CRDs (from their published
 * CRD schemas).
 */
const modelModules: Record<string, () => Promise<Record<string, unknown>>> = {
  v1: () => import('kubernetes-models/v1'),
  'apps/v1': () => import('kubernetes-models/apps/v1'),
  'policy/v1': () => import('kubernetes-models/policy/v1'),
  'rbac.authorization.k8s.io/v1': () => import('kubernetes-models/rbac.authorization.k8s.io/v1'),
  'monitoring.coreos.com/v1': () =>
    import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'),
}

/**
 * Validates a manifest against the schema of its apiVersion and kind, then,
 * for the Kubernetes API's own kinds, looks for fields the API does not
 * define: the OpenAPI schemas allow unknown fields, but `kubectl apply`
 * (strict field validation) refuses them, so a typo must fail here too.
 */
export async function validateManifest(object: unknown): Promise<SchemaProblem[]> {
  const { apiVersion, kind } = (object ?? {}) as { apiVersion?: string; kind?: string }
  const load = apiVersion === undefined ? undefined : modelModules[apiVersion]
  if (load === undefined || kind === undefined) {
    return [{ path: '', message: `no schema for apiVersion ${apiVersion} kind ${kind}` }]
  }
  const Model = (await load())[kind] as ModelClass | undefined
  if (Model === undefined) return [{ path: '', message: `no schema for ${apiVersion} ${kind}` }]

  const problems: SchemaProblem[] = []
  try {
    new Model(object).validate()
  } catch (err) {
    problems.push({ path: '', message: (err as Error).message })
  }
  // The client library names each Kubernetes v1 kind V1<Kind>; CRDs have none.
  const typeName = `V1${kind}`
  if (apiVersion !== 'monitoring.coreos.com/v1' && typeName in k8s) {
    unknownFields(object, typeName, '', problems)
  }
  return problems
}

interface Attribute {
  name: string
  baseName: string
  type: string
}

/** Walks `value` along the client library's type map, reporting fields no type declares. */
function unknownFields(value: unknown, type: string, path: string, out: SchemaProblem[]): void {
  if (value === null || value === undefined) return
  const list = /^Array<(.+)>$/.exec(type)
  if (list?.[1] !== undefined) {
    const item = list[1]
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, item, `${path}/${i}`, out))
    return
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type)
  if (map?.[1] !== undefined) {
    if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) unknownFields(v, map[1], `${path}/${k}`, out)
    }
    return
  }
  const model = (k8s as Record<string, unknown>)[type] as
    { getAttributeTypeMap?: () => Attribute[] } | undefined
  const attributes = model?.getAttributeTypeMap?.()
  if (attributes === undefined || typeof value !== 'object' || Array.isArray(value)) return
  const byName = new Map(attributes.map((a) => [a.baseName, a.type]))
  for (const [key, v] of Object.entries(value)) {
    const fieldType = byName.get(key)
    if (fieldType === undefined) {
      out.push({ path: `${path}/${key}`, message: `unknown field "${key}" in ${type}` })
    } else {
      unknownFields(v, fieldType, `${path}/${key}`, out)
    }
  }
}
