import type { Usage } from '../engine/decide.js'
import { nodeView, objectName, podView, type NodeView, type PodIdentity } from '../engine/views.js'
import { addInto, type ResourceAmounts } from '../engine/resources.js'

/** What the cluster view keeps of a pod that holds resources on a node. */
export type PodUsage = PodIdentity

/** Usage of the whole cluster: per node, and the pods behind it. */
export interface ClusterUsage extends Usage {
  /** Pods assigned to the node that have not finished (phase not Succeeded/Failed). */
  podsOn(node: string): Iterable<PodUsage>
  /** Increases on every change, so derived figures can be memoised per generation. */
  readonly generation: number
}

/**
 * Where names-only requests find their nodes. The live cluster cache
 * implements it; so does a fixed list of objects for tests and the CLI.
 */
export interface NodeSource {
  /** The node's projection, or `undefined` when the source does not know the name. */
  get(name: string): NodeView | undefined
  /** Every node the source knows. */
  nodes(): Iterable<NodeView>
  /** Resources already requested on each node by pods that have not finished. */
  usage: ClusterUsage
  /** True once the source holds a complete view (the first lists are in). */
  ready(): boolean
  /** Reason given for a name the source does not know, as FailedNodes shows it. */
  unknownNodeMessage: string
}

/** Reason for a requested name that no source knows. */
export const unknownNodeMessage = 'node is unknown to the extender'

/** A node source over fixed objects, to which placements can be added (the simulator's). */
export interface StaticNodeSource extends NodeSource {
  /** Counts the pod as running on the node from now on; `generation` increases. */
  place(pod: unknown, node: string): void
}

/** A node source over fixed Node and Pod objects (pods count where `spec.nodeName` is set). */
export function staticNodeSource(
  nodes: readonly unknown[],
  pods: readonly unknown[] = [],
): StaticNodeSource {
  const byName = new Map<string, NodeView>()
  for (const n of nodes) {
    const name = objectName(n)
    if (name !== undefined) byName.set(name, nodeView(n, name))
  }
  const podsByNode = new Map<string, PodUsage[]>()
  const usedByNode = new Map<string, ResourceAmounts>()
  let generation = 0
  const place = (pod: unknown, node: string) => {
    const view = podView(pod)
    podsByNode.set(node, [...(podsByNode.get(node) ?? []), view])
    const used = usedByNode.get(node) ?? new Map()
    addInto(used, view.requests)
    usedByNode.set(node, used)
    generation++
  }
  for (const p of pods) {
    const node = assignedNode(p)
    if (node !== undefined) place(p, node)
  }
  return {
    get: (name) => byName.get(name),
    nodes: () => byName.values(),
    usage: {
      used: (node, resource) => usedByNode.get(node)?.get(resource) ?? 0,
      podsOn: (node) => podsByNode.get(node) ?? [],
      get generation() {
        return generation
      },
    },
    ready: () => true,
    unknownNodeMessage,
    place,
  }
}

/** The node a pod holds resources on: bound and not finished, else `undefined`. */
export function assignedNode(pod: unknown): string | undefined {
  const p = pod as { spec?: { nodeName?: unknown }; status?: { phase?: unknown } } | null
  const node = p?.spec?.nodeName
  const phase = p?.status?.phase
  if (typeof node !== 'string' || node === '') return undefined
  return phase === 'Succeeded' || phase === 'Failed' ? undefined : node
}
