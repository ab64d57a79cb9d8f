import { readFileSync } from 'node:fs'
import { parseAllDocuments } from 'yaml'
import { ExtenderError } from '../errors.js'

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const asObject = (v: unknown): Json => (isObject(v) ? v : {})

/**
 * Reads every Kubernetes object of a YAML or JSON file: all documents, with
 * `List`-shaped documents (what `kubectl get -o yaml` prints) flattened.
 * Throws HX_INPUT_FILE naming the file.
 */
export function readObjects(path: string): Json[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err)
    throw new ExtenderError('HX_INPUT_FILE', `cannot read ${path}: ${code}`, { cause: err })
  }
  return parseObjects(text, path)
}

/** Parses YAML or JSON text into objects, as {@link readObjects}. */
export function parseObjects(text: string, source: string): Json[] {
  const out: Json[] = []
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      const message = doc.errors[0]?.message.split('\n')[0] ?? 'invalid YAML'
      throw new ExtenderError('HX_INPUT_FILE', `cannot parse ${source}: ${message}`)
    }
    let value: unknown
    try {
      value = doc.toJS({ maxAliasCount: 50 })
    } catch (err) {
      // Alias expansion beyond the cap, or nesting beyond the stack.
      const message = `cannot parse ${source}: ${(err as Error).message}`
      throw new ExtenderError('HX_INPUT_FILE', message, { cause: err })
    }
    flatten(value, out)
  }
  return out
}

function flatten(value: unknown, out: Json[]): void {
  if (Array.isArray(value)) for (const v of value) flatten(v, out)
  else if (isObject(value) && Array.isArray(value.items) && isList(value.kind)) {
    flatten(value.items, out)
  } else if (isObject(value)) out.push(value)
}

/** `List`, `NodeList`, `PodList`, or a list without kind (as in ExtenderArgs). */
function isList(kind: unknown): boolean {
  return kind === undefined || /List$/.test(String(kind))
}

/** The Node objects among `objects`. */
export function nodesIn(objects: readonly Json[]): Json[] {
  return objects.filter((o) => o.kind === 'Node')
}

/** The Pod objects among `objects`. */
export function podsIn(objects: readonly Json[]): Json[] {
  return objects.filter((o) => o.kind === 'Pod')
}

/** Workload kind → the kind of the controller that owns its pods. */
const ownerKinds: Record<string, string> = {
  Deployment: 'ReplicaSet',
  ReplicaSet: 'ReplicaSet',
  StatefulSet: 'StatefulSet',
  DaemonSet: 'DaemonSet',
  ReplicationController: 'ReplicationController',
  Job: 'Job',
  CronJob: 'Job',
}

/**
 * The pods of a Pod or workload object as kube-scheduler would see them:
 * the template with its namespace and the ownerReference of the controller
 * that creates them (Deployment → ReplicaSet, CronJob → Job). A workload
 * gives its `replicas` (Job: `parallelism`) pods, at least one; a DaemonSet
 * gives one. Anything else gives none.
 */
export function podsFor(object: Json): Json[] {
  if (object.kind === 'Pod') return [object]
  const kind = String(object.kind)
  const ownerKind = ownerKinds[kind]
  if (ownerKind === undefined) return []
  const metadata = asObject(object.metadata)
  const spec = asObject(object.spec)
  const template = asObject(
    kind === 'CronJob' ? asObject(asObject(spec.jobTemplate).spec).template : spec.template,
  )
  const name = typeof metadata.name === 'string' ? metadata.name : 'workload'
  const owner = kind === 'Deployment' ? `${name}-rs` : name
  const count = kind === 'Job' ? spec.parallelism : spec.replicas
  const n = kind === 'DaemonSet' || kind === 'CronJob' ? 1 : Math.max(1, Number(count ?? 1) || 1)
  const tm = asObject(template.metadata)
  return Array.from({ length: n }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...tm,
      name: `${owner}-${i}`,
      namespace: metadata.namespace ?? tm.namespace ?? 'default',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: ownerKind, name: owner, controller: true }],
    },
    spec: template.spec ?? {},
    status: { phase: 'Pending' },
  }))
}

/** The first pod the file's objects make; throws HX_INPUT_FILE when there is none. */
export function firstPod(objects: readonly Json[], source: string): Json {
  const pod = objects.flatMap(podsFor)[0]
  if (pod === undefined) {
    const message = `${source} holds no Pod nor workload with a pod template`
    throw new ExtenderError('HX_INPUT_FILE', message)
  }
  return pod
}
