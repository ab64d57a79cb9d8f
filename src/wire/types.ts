/**
 * The extender v1 wire types (k8s.io/kube-scheduler/extender/v1). The Go
 * structs carry no JSON tags, so the keys are the Go field names; nothing is
 * omitempty, so unset fields travel as `null`.
 */

/** A v1.NodeList as kube-scheduler sends it: no kind, empty metadata. */
export interface NodeList {
  metadata: Record<string, unknown>
  items: unknown[]
}

/** Body of filter and prioritize. */
export interface ExtenderArgs {
  Pod: unknown
  Nodes: NodeList | null
  NodeNames: string[] | null
}

/** Reply of filter. */
export interface ExtenderFilterResult {
  Nodes: NodeList | null
  NodeNames: string[] | null
  FailedNodes: Record<string, string>
  FailedAndUnresolvableNodes: Record<string, string>
  Error: string
}

/** One element of the prioritize reply (a bare array). */
export interface HostPriority {
  Host: string
  /** Integer 0..10 (MinExtenderPriority..MaxExtenderPriority). */
  Score: number
}

/** Highest score kube-scheduler expects from an extender. */
export const maxExtenderPriority = 10
