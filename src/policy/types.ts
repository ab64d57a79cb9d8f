import type { HostFeature, NodeView, PodIdentity } from '../engine/views.js'

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
  /** With an overflow condition, when the pool counts as busy and what it scores then. */
  overflow: CompiledOverflow | undefined
}

/** A pool rule's overflow condition. */
export interface CompiledOverflow {
  resource: string
  /** Busy at or above this requested share of the pool's allocatable, 0..1. */
  threshold: number
  /** Score of the pool's nodes while the pool is busy. */
  score: number
}

/** The pool rules a class applies to a pod: its own, or an override's. */
export interface CompiledRuleSet {
  pools: ReadonlyMap<string, CompiledPoolRule>
  /** Policy path of the list, e.g. `/classes/1/pools` or `/classes/1/overrides/0/pools`. */
  path: string
}

/** A burst budget after compilation. */
export interface CompiledBudget {
  name: string
  index: number
  pool: string
  per: 'namespace' | 'class'
  namespaces: ReadonlySet<string> | undefined
  classes: ReadonlySet<string> | undefined
  maxPods: number | undefined
  /** In cores. */
  maxCpu: number | undefined
}

/** A workload class after compilation. */
export interface CompiledClass {
  name: string
  index: number
  matches: (pod: PodIdentity) => boolean
  pools: ReadonlyMap<string, CompiledPoolRule>
  /** The rules for a pod in this namespace: an override's, else the class's own. */
  rulesFor: (namespace: string) => CompiledRuleSet
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
  budgets: readonly CompiledBudget[]
  /** Pool → resources whose utilisation some overflow rule reads. */
  overflowResources: ReadonlyMap<string, readonly string[]>
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
    pools: PoolRuleDoc[]
    overrides?: { namespaces: string[]; pools: PoolRuleDoc[] }[]
  }[]
  budgets?: BudgetDoc[]
}

/** A pool rule as written in the policy. */
export interface PoolRuleDoc {
  pool: string
  score: number
  bestFit?: { lowestScore: number }
  overflow?: { resource?: string; thresholdPercent: number; score: number }
}

/** A burst budget as written in the policy. */
export interface BudgetDoc {
  name: string
  description?: string
  pool: string
  per?: 'namespace' | 'class'
  namespaces?: string[]
  classes?: string[]
  maxPods?: number
  maxCpu?: string | number
}
