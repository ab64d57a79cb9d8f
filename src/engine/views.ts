import { effectiveRequests, readResourceList, type ResourceAmounts } from './resources.js'

/** Pod features a serverless back-end may be unable to run. */
export const hostFeatures = [
  'hostPath',
  'hostNetwork',
  'hostPID',
  'hostIPC',
  'hostPort',
  'privileged',
  'persistentVolumeClaim',
  'startupProbe',
  'initContainers',
  'downwardAPI',
] as const

/** One of {@link hostFeatures}. */
export type HostFeature = (typeof hostFeatures)[number]

/** A node taint as the engine needs it. */
export interface Taint {
  key: string
  value: string
  effect: string
}

/** What the engine needs of a Node: nothing else of the object is kept. */
export interface NodeView {
  name: string
  labels: ReadonlyMap<string, string>
  taints: readonly Taint[]
  /** `status.allocatable`, or `status.capacity` when a node has no allocatable at all. */
  allocatable: ResourceAmounts
  /**
   * The pool a policy gave this node, kept on the node itself: a property
   * read is cheaper than a map lookup for each of thousands of candidates.
   */
  poolMemo?: { policy: object; pool: unknown }
  /** Marks the request that last named this node, to drop repeated names. */
  seenBy?: object
}

/** What the engine needs of a Pod. */
export interface PodView {
  namespace: string
  name: string
  labels: ReadonlyMap<string, string>
  annotations: ReadonlyMap<string, string>
  /** Kind of the controlling owner reference, or `null` for a pod without owner. */
  ownerKind: string | null
  /** Effective requests (see {@link effectiveRequests}), zero amounts left out. */
  requests: ResourceAmounts
  /** Features the pod uses that a virtual back-end might not support. */
  features: readonly HostFeature[]
}

/** What classifying a pod reads: everything but its features (running pods keep no more). */
export type PodIdentity = Omit<PodView, 'features'>

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const asObject = (v: unknown): Json => (isObject(v) ? v : {})
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])

/** Reads a string map (labels, annotations), skipping non-string values. */
export function readStringMap(value: unknown): Map<string, string> {
  const out = new Map<string, string>()
  if (!isObject(value)) return out
  for (const key of Object.keys(value)) {
    const v = value[key]
    if (typeof v === 'string') out.set(key, v)
  }
  return out
}

/** The name in `metadata.name`, or `undefined` when it is missing or not a string. */
export function objectName(object: unknown): string | undefined {
  const name = asObject(asObject(object).metadata).name
  return typeof name === 'string' && name !== '' ? name : undefined
}

/** Projects a Node object (any shape; missing parts read as empty). */
export function nodeView(node: unknown, name = objectName(node) ?? ''): NodeView {
  const metadata = asObject(asObject(node).metadata)
  const spec = asObject(asObject(node).spec)
  const status = asObject(asObject(node).status)
  const allocatable = isObject(status.allocatable) ? status.allocatable : status.capacity
  return {
    name,
    labels: readStringMap(metadata.labels),
    taints: readTaints(spec.taints),
    allocatable: readResourceList(allocatable),
  }
}

/** Reads `spec.taints`, skipping entries without a string key. */
export function readTaints(value: unknown): Taint[] {
  const taints: Taint[] = []
  for (const t of asArray(value)) {
    if (!isObject(t) || typeof t.key !== 'string') continue
    taints.push({
      key: t.key,
      value: typeof t.value === 'string' ? t.value : '',
      effect: typeof t.effect === 'string' ? t.effect : '',
    })
  }
  return taints
}

/** The kind of the pod's controller owner (or first owner), `null` if it has none. */
function ownerKindOf(metadata: Json): string | null {
  const owners = asArray(metadata.ownerReferences).filter(isObject)
  const owner = owners.find((o) => o.controller === true) ?? owners[0]
  return owner !== undefined && typeof owner.kind === 'string' ? owner.kind : null
}

function featuresOf(spec: Json): HostFeature[] {
  const found = new Set<HostFeature>()
  const all = [...asArray(spec.initContainers), ...asArray(spec.containers)].map(asObject)
  for (const c of asArray(spec.volumes).map(asObject)) {
    if (c.hostPath !== undefined && c.hostPath !== null) found.add('hostPath')
    if (c.persistentVolumeClaim !== undefined && c.persistentVolumeClaim !== null) {
      found.add('persistentVolumeClaim')
    }
    if (c.downwardAPI !== undefined && c.downwardAPI !== null) found.add('downwardAPI')
  }
  if (spec.hostNetwork === true) found.add('hostNetwork')
  if (spec.hostPID === true) found.add('hostPID')
  if (spec.hostIPC === true) found.add('hostIPC')
  if (asArray(spec.initContainers).length > 0) found.add('initContainers')
  for (const c of all) {
    if (asObject(c.securityContext).privileged === true) found.add('privileged')
    if (c.startupProbe !== undefined && c.startupProbe !== null) found.add('startupProbe')
    for (const port of asArray(c.ports).map(asObject)) {
      if (typeof port.hostPort === 'number' && port.hostPort > 0) found.add('hostPort')
    }
  }
  return hostFeatures.filter((f) => found.has(f))
}

/** Projects a Pod object (any shape; missing parts read as empty). */
export function podView(pod: unknown): PodView {
  const metadata = asObject(asObject(pod).metadata)
  const spec = asObject(asObject(pod).spec)
  return {
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : 'default',
    name: typeof metadata.name === 'string' ? metadata.name : '',
    labels: readStringMap(metadata.labels),
    annotations: readStringMap(metadata.annotations),
    ownerKind: ownerKindOf(metadata),
    requests: effectiveRequests(spec),
    features: featuresOf(spec),
  }
}
