import { addInto, type ResourceAmounts } from '../engine/resources.js'
import { MapInterner, StringPool } from './intern.js'
import { samePod, sameNode, type NodeRecord, type PodRecord } from './records.js'
import type { ClusterUsage, PodUsage } from './source.js'

/** The pods holding resources on one node, and the sum of their requests. */
interface NodeUsage {
  /** The node's name, kept once and shared by its pods' records. */
  node: string
  pods: Set<PodRecord>
  used: ResourceAmounts
}

/**
 * The cache's contents: node records by name, pod records by namespace and
 * name, and per node the pods holding resources there with their sum.
 * Changed only through the methods below, each of which keeps the per-node
 * sums exact and bumps {@link generation} when anything changed.
 */
export class ClusterState implements ClusterUsage {
  private gen = 0
  private readonly nodesByName = new Map<string, NodeRecord>()
  private readonly podsByNamespace = new Map<string, Map<string, PodRecord>>()
  private podCount = 0
  private readonly usageByNode = new Map<string, NodeUsage>()
  private readonly labelMaps = new MapInterner<string>()
  private readonly requestMaps = new MapInterner<number>()
  private readonly strings = new StringPool()

  /** Increases on every change of a node or pod. */
  get generation(): number {
    return this.gen
  }

  /** Number of nodes and pods held. */
  get counts(): { nodes: number; pods: number } {
    return { nodes: this.nodesByName.size, pods: this.podCount }
  }

  /** Distinct shared maps held, for the memory benchmark. */
  get sharedMaps(): { labels: number; requests: number } {
    return { labels: this.labelMaps.size, requests: this.requestMaps.size }
  }

  node(name: string): NodeRecord | undefined {
    return this.nodesByName.get(name)
  }

  nodes(): Iterable<NodeRecord> {
    return this.nodesByName.values()
  }

  pod(namespace: string, name: string): PodRecord | undefined {
    return this.podsByNamespace.get(namespace)?.get(name)
  }

  used(node: string, resource: string): number {
    return this.usageByNode.get(node)?.used.get(resource) ?? 0
  }

  podsOn(node: string): Iterable<PodUsage> {
    return this.usageByNode.get(node)?.pods ?? []
  }

  /**
   * Adds or replaces a node. A record that gives the engine the same view as
   * the one held is dropped, so the held view (and what is memoised on it) stays.
   */
  setNode(record: NodeRecord): void {
    const old = this.nodesByName.get(record.name)
    if (old !== undefined && sameNode(old, record)) return
    this.nodesByName.set(record.name, record)
    this.gen++
  }

  deleteNode(name: string): void {
    if (this.nodesByName.delete(name)) this.gen++
  }

  /** Adds or replaces a pod, moving its requests between nodes as needed. */
  setPod(record: PodRecord): void {
    let byName = this.podsByNamespace.get(record.namespace)
    const old = byName?.get(record.name)
    this.share(record)
    if (byName === undefined) {
      byName = new Map()
      this.podsByNamespace.set(record.namespace, byName)
    }
    byName.set(record.name, record)
    if (old === undefined) this.podCount++
    else this.forget(old)
    this.hold(record)
    if (old === undefined || !samePod(old, record)) this.gen++
  }

  deletePod(namespace: string, name: string): void {
    const byName = this.podsByNamespace.get(namespace)
    const old = byName?.get(name)
    if (byName === undefined || old === undefined) return
    byName.delete(name)
    if (byName.size === 0) this.podsByNamespace.delete(namespace)
    this.podCount--
    this.forget(old)
    this.gen++
  }

  /** Replaces the record's strings and maps with the shared copies. */
  private share(record: PodRecord): void {
    record.namespace = this.strings.intern(record.namespace)
    record.phase = this.strings.intern(record.phase)
    if (record.ownerKind !== null) record.ownerKind = this.strings.intern(record.ownerKind)
    record.labels = this.labelMaps.acquire(record.labels)
    record.annotations = this.labelMaps.acquire(record.annotations)
    record.requests = this.requestMaps.acquire(record.requests) as ResourceAmounts
    const node = record.node === undefined ? undefined : this.usageByNode.get(record.node)
    if (node !== undefined) record.node = node.node
  }

  private hold(record: PodRecord): void {
    if (!record.holds || record.node === undefined) return
    let usage = this.usageByNode.get(record.node)
    if (usage === undefined) {
      usage = { node: record.node, pods: new Set(), used: new Map() }
      this.usageByNode.set(record.node, usage)
    }
    usage.pods.add(record)
    addInto(usage.used, record.requests)
  }

  /** Releases a record's shared maps and its requests on its node. */
  private forget(record: PodRecord): void {
    this.labelMaps.release(record.labels)
    this.labelMaps.release(record.annotations)
    this.requestMaps.release(record.requests)
    if (record.node === undefined) return
    const usage = this.usageByNode.get(record.node)
    if (usage === undefined || !usage.pods.delete(record)) return
    if (usage.pods.size === 0) {
      this.usageByNode.delete(record.node)
      return
    }
    // Summed again rather than subtracted: fractional quantities (CPU) would drift.
    usage.used = new Map()
    for (const p of usage.pods) addInto(usage.used, p.requests)
  }
}
