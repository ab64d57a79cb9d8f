import type { HostFeature, NodeView, PodView } from '../engine/views.js'

/** A node pool after compilation. */
export interface CompiledPool {
  name: string
  index: number
  virtual: boolean
  unsupported: ReadonlySet<HostFeature>
  matches: (node: NodeView) => boolean
}

/** One pool a class may use, with its score. */
export interface CompiledPoolRule {
  pool: string
  /** Score 0..10 of this pool's nodes. */
  score: number
  /** With best fit, the score of the loosest fit; `undefined` for a flat score. */
  lowestScore: number | undefined
  /** Where the rule sits in the policy, e.g. `/classes/1/pools/0`. */
  path: string
}

/** A workload class after compilation. */
export interface CompiledClass {
  name: string
  index: number
  matches: (pod: PodView) => boolean
  pools: ReadonlyMap<string, CompiledPoolRule>
}

/** An immutable, compiled policy: evaluation never goes back to the YAML. */
export interface CompiledPolicy {
  name: string
  /** sha256 of the policy file's bytes, hex. */
  hash: string
  /** Where the policy was read from (a path, or a label for in-memory sources). */
  source: string
  pools: readonly CompiledPool[]
  classes: readonly CompiledClass[]
  classByName: ReadonlyMap<string, CompiledClass>
  classAnnotation: string
  defaultClass: CompiledClass | undefined
  /** True when the resource name is one of the policy's accelerator devices. */
  isDevice: (resource: string) => boolean
  /** The pool a node belongs to (memoised per node object), `undefined` if none. */
  poolOf: (node: NodeView) => CompiledPool | undefined
  /** The policy as parsed from YAML, for tools that report on it. */
  document: PolicyDocument
}

/** A resource set as written in the policy. */
export interface ResourceSetDoc {
  names?: string[]
  prefixes?: string[]
}

/** A node condition as written in the policy. */
export interface NodeConditionDoc {
  label?: { key: string; values?: string[] }
  taint?: { key: string; value?: string; effect?: string }
  advertises?: ResourceSetDoc
  advertisesDevice?: boolean
}

/** A label selector as written in the policy. */
export interface LabelSelectorDoc {
  matchLabels?: Record<string, string>
  matchExpressions?: { key: string; operator: string; values?: string[] }[]
}

/** The policy document after schema validation. */
export interface PolicyDocument {
  apiVersion: string
  kind: string
  metadata?: { name?: string }
  devices?: ResourceSetDoc
  pools: {
    name: string
    description?: string
    virtual?: boolean
    match?: { any?: NodeConditionDoc[]; all?: NodeConditionDoc[] }
    unsupported?: HostFeature[]
  }[]
  classAnnotation?: string
  defaultClass?: string
  classes: {
    name: string
    description?: string
    match?: {
      ownerKinds?: string[]
      namespaces?: string[]
      labels?: LabelSelectorDoc
      requests?: ResourceSetDoc
      requestsDevice?: boolean
    }
    pools: { pool: string; score: number; bestFit?: { lowestScore: number } }[]
  }[]
}
