import { formatAmount } from './quantity.js'
import type { NodeView, PodView } from './views.js'
import type { CompiledClass, CompiledPolicy, CompiledPool, CompiledPoolRule } from '../policy/types.js'

/**
 * Why a node was turned down. A closed set: it is the `reason` label of the
 * rejection metric, while the message beside it is what kube-scheduler shows.
 */
export type ReasonCode =
  | 'unknown-class'
  | 'no-class'
  | 'no-pool'
  | 'unsupported-feature'
  | 'insufficient-device'
  | 'device-busy'
  | 'pool-not-allowed'
  | 'unknown-node'

/** `pass`: feasible; `fail`: busy now (preemption may help); `unresolvable`: never fits. */
export type Outcome = 'pass' | 'fail' | 'unresolvable'

/** How many of a resource the pods already on a node request. */
export interface Usage {
  used(node: string, resource: string): number
}

/** The engine's answer for one node. */
export interface NodeVerdict {
  node: string
  /** Pool the node belongs to, `undefined` when no pool matches. */
  pool: string | undefined
  outcome: Outcome
  code: ReasonCode | undefined
  /** Short, stable reason for FailedNodes (empty on pass). */
  message: string
  /** 0..10; 0 for nodes that do not pass. */
  score: number
  /** Where the score came from, e.g. `pool virtual: 1` (filled when tracing). */
  scoreSource: string | undefined
  /** Policy path of the rule that decided, e.g. `/classes/3/pools/0` (when tracing). */
  rule: string | undefined
}

/** How the pod's class was chosen. */
export interface ClassChoice {
  /** Class name, or `undefined` when the pod has none (an error for every node). */
  name: string | undefined
  via: 'annotation' | 'match' | 'default' | 'none'
  /** Policy path of the class that chose it, e.g. `/classes/1`. */
  path: string | undefined
}

/** The engine's whole answer for a pod and its candidate nodes. */
export interface Decision {
  pod: string
  podClass: ClassChoice
  verdicts: NodeVerdict[]
}

export interface DecideOptions {
  usage?: Usage
  /** Fill `scoreSource` and `rule` on each verdict (costs a string per node). */
  trace?: boolean
}

interface Refusal {
  code: ReasonCode
  message: string
  outcome: Outcome
}

/** Chooses the pod's class: annotation first, then the first matching class, then the default. */
export function classify(pod: PodView, policy: CompiledPolicy): ClassChoice | Refusal {
  const named = pod.annotations.get(policy.classAnnotation)
  if (named !== undefined && named !== '') {
    const cls = policy.classByName.get(named)
    if (cls !== undefined) return { name: cls.name, via: 'annotation', path: `/classes/${cls.index}` }
    const shown = JSON.stringify(named.length > 63 ? `${named.slice(0, 63)}…` : named)
    return {
      code: 'unknown-class',
      outcome: 'unresolvable',
      message: `workload class ${shown} named by annotation ${policy.classAnnotation} is not defined by the policy`,
    }
  }
  const cls = policy.classes.find((c) => c.matches(pod)) ?? policy.defaultClass
  if (cls === undefined) {
    return { code: 'no-class', outcome: 'unresolvable', message: 'pod matches no workload class of the policy' }
  }
  const via = cls === policy.defaultClass && !cls.matches(pod) ? 'default' : 'match'
  return { name: cls.name, via, path: via === 'default' ? '/defaultClass' : `/classes/${cls.index}` }
}

const isRefusal = (c: ClassChoice | Refusal): c is Refusal => 'code' in c

/**
 * Decides, for one pod, every candidate node: pass, fail or unresolvable with
 * a reason, and a score 0..10. Pure: the same inputs give the same answer.
 */
export function decide(
  pod: PodView,
  nodes: readonly NodeView[],
  policy: CompiledPolicy,
  options: DecideOptions = {},
): Decision {
  const podName = `${pod.namespace}/${pod.name}`
  const choice = classify(pod, policy)
  if (isRefusal(choice)) {
    return {
      pod: podName,
      podClass: { name: undefined, via: 'none', path: undefined },
      verdicts: nodes.map((n) => refuse(n.name, policy.poolOf(n)?.name, choice, undefined)),
    }
  }
  const cls = policy.classByName.get(choice.name ?? '') as CompiledClass
  const devices = [...pod.requests].filter(([name]) => policy.isDevice(name))
  const verdicts = nodes.map((node) => judge(pod, node, cls, devices, policy, options))
  return { pod: podName, podClass: choice, verdicts }
}

function refuse(node: string, pool: string | undefined, r: Refusal, rule: string | undefined): NodeVerdict {
  return { node, pool, outcome: r.outcome, code: r.code, message: r.message, score: 0, scoreSource: undefined, rule }
}

function judge(
  pod: PodView,
  node: NodeView,
  cls: CompiledClass,
  devices: [string, number][],
  policy: CompiledPolicy,
  options: DecideOptions,
): NodeVerdict {
  const pool = policy.poolOf(node)
  if (pool === undefined) {
    const r: Refusal = { code: 'no-pool', outcome: 'unresolvable', message: 'node matches no pool of the policy' }
    return refuse(node.name, undefined, r, options.trace ? '/pools' : undefined)
  }
  const unsupported = pod.features.filter((f) => pool.unsupported.has(f))
  if (unsupported.length > 0) {
    const r: Refusal = {
      code: 'unsupported-feature',
      outcome: 'unresolvable',
      message: `pool ${pool.name} cannot run pods that use ${unsupported.join(', ')}`,
    }
    return refuse(node.name, pool.name, r, options.trace ? `/pools/${pool.index}/unsupported` : undefined)
  }
  const fit = deviceFit(node, devices, options.usage)
  if ('code' in fit) return refuse(node.name, pool.name, fit, options.trace ? '/devices' : undefined)

  const rule = cls.pools.get(pool.name)
  if (rule === undefined) {
    const r: Refusal = {
      code: 'pool-not-allowed',
      outcome: 'unresolvable',
      message: `pool ${pool.name} is not allowed for workload class ${cls.name}`,
    }
    return refuse(node.name, pool.name, r, options.trace ? `/classes/${cls.index}/pools` : undefined)
  }
  const score = scoreOf(rule, pool, fit.tightness)
  return {
    node: node.name,
    pool: pool.name,
    outcome: 'pass',
    code: undefined,
    message: '',
    score,
    scoreSource: options.trace ? describeScore(rule, pool, fit.tightness, score) : undefined,
    rule: options.trace ? rule.path : undefined,
  }
}

/**
 * Checks each requested device against the node. Tightness is the largest
 * share of the available devices the pod would take (1 = exact fit).
 */
function deviceFit(
  node: NodeView,
  devices: [string, number][],
  usage: Usage | undefined,
): { tightness: number | undefined } | Refusal {
  let tightness: number | undefined
  for (const [resource, wanted] of devices) {
    const total = node.allocatable.get(resource) ?? 0
    if (total < wanted) {
      return {
        code: 'insufficient-device',
        outcome: 'unresolvable',
        message: `insufficient ${resource}: pod requests ${formatAmount(wanted)}, node has ${formatAmount(total)}`,
      }
    }
    const free = usage === undefined ? total : Math.max(0, total - usage.used(node.name, resource))
    if (free < wanted) {
      return {
        code: 'device-busy',
        outcome: 'fail',
        message: `insufficient free ${resource}: pod requests ${formatAmount(wanted)}, ${formatAmount(free)} of ${formatAmount(total)} free`,
      }
    }
    tightness = Math.max(tightness ?? 0, wanted / free)
  }
  return { tightness }
}

function scoreOf(rule: CompiledPoolRule, pool: CompiledPool, tightness: number | undefined): number {
  // Virtual capacity is fake: a virtual pool's score never depends on it.
  if (rule.lowestScore === undefined || tightness === undefined || pool.virtual) return rule.score
  return rule.lowestScore + Math.round((rule.score - rule.lowestScore) * tightness)
}

function describeScore(
  rule: CompiledPoolRule,
  pool: CompiledPool,
  tightness: number | undefined,
  score: number,
): string {
  if (rule.lowestScore === undefined || tightness === undefined || pool.virtual) {
    return `pool ${pool.name} scores ${score} for this class`
  }
  const percent = Math.round((tightness ?? 0) * 100)
  return `best fit: takes ${percent}% of free devices, scaled between ${rule.lowestScore} and ${rule.score}`
}
