import type { V1ObjectMeta } from '@kubernetes/client-node'
import type { ResourceAmounts } from '../engine/resources.js'
import { nodeView, objectName, podView, type NodeView, type Taint } from '../engine/views.js'
import { sameMap } from './intern.js'
import type { PodUsage } from './source.js'

type Json = Record<string, unknown>

const asObject = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {}
const stringOr = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback)

/**
 * What the cache keeps of a Node: the engine's view plus the version it came
 * from. The record is the NodeView handed to the engine, so it is replaced,
 * never changed, when the node changes (the policy memoises pools per view).
 */
export class NodeRecord implements NodeView {
  constructor(
    readonly name: string,
    readonly labels: ReadonlyMap<string, string>,
    readonly taints: readonly Taint[],
    readonly allocatable: ResourceAmounts,
    readonly resourceVersion: string,
  ) {}

  /** The informer reads name and resourceVersion through `metadata`. */
  get metadata(): V1ObjectMeta {
    return { name: this.name, resourceVersion: this.resourceVersion }
  }
}

/** Projects a Node object; `undefined` when it has no name. */
export function projectNode(object: unknown): NodeRecord | undefined {
  const name = objectName(object)
  if (name === undefined) return undefined
  const view = nodeView(object, name)
  const version = stringOr(asObject(asObject(object).metadata).resourceVersion, '')
  return new NodeRecord(name, view.labels, view.taints, view.allocatable, version)
}

/** True when two node records give the engine the same view. */
export function sameNode(a: NodeView, b: NodeView): boolean {
  return (
    a.name === b.name &&
    sameMap(a.labels, b.labels) &&
    sameMap(a.allocatable, b.allocatable) &&
    a.taints.length === b.taints.length &&
    a.taints.every((t, i) => {
      const u = b.taints[i]
      return u !== undefined && t.key === u.key && t.value === u.value && t.effect === u.effect
    })
  )
}

/**
 * What the cache keeps of a Pod: what device accounting and the policy's
 * pod matching need, nothing else. Maps are shared between equal pods.
 */
export class PodRecord implements PodUsage {
  constructor(
    public namespace: string,
    readonly name: string,
    public labels: ReadonlyMap<string, string>,
    public annotations: ReadonlyMap<string, string>,
    public ownerKind: string | null,
    /** Effective requests (see `effectiveRequests`), zero amounts left out. */
    public requests: ResourceAmounts,
    /** `spec.nodeName`, `undefined` while the pod is not bound. */
    public node: string | undefined,
    /** `status.phase` (`Pending`, `Running`, `Succeeded`, `Failed`, `Unknown` or empty). */
    public phase: string,
    readonly resourceVersion: string,
  ) {}

  /** The informer reads namespace, name and resourceVersion through `metadata`. */
  get metadata(): V1ObjectMeta {
    return { namespace: this.namespace, name: this.name, resourceVersion: this.resourceVersion }
  }

  /** True while the pod holds its requests on a node: bound and not finished. */
  get holds(): boolean {
    return this.node !== undefined && this.phase !== 'Succeeded' && this.phase !== 'Failed'
  }
}

/** Projects a Pod object; `undefined` when it has no name. */
export function projectPod(object: unknown): PodRecord | undefined {
  if (objectName(object) === undefined) return undefined
  const view = podView(object)
  const metadata = asObject(asObject(object).metadata)
  const node = asObject(asObject(object).spec).nodeName
  return new PodRecord(
    view.namespace,
    view.name,
    view.labels,
    view.annotations,
    view.ownerKind,
    view.requests,
    typeof node === 'string' && node !== '' ? node : undefined,
    stringOr(asObject(asObject(object).status).phase, ''),
    stringOr(metadata.resourceVersion, ''),
  )
}

/** True when two pod records mean the same to accounting and matching. */
export function samePod(a: PodRecord, b: PodRecord): boolean {
  return (
    a.node === b.node &&
    a.phase === b.phase &&
    a.ownerKind === b.ownerKind &&
    sameMap(a.requests, b.requests) &&
    sameMap(a.labels, b.labels) &&
    sameMap(a.annotations, b.annotations)
  )
}
