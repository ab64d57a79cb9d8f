import type { NodeSource } from '../cluster/source.js'
import type {
  CompiledClass,
  CompiledOverflow,
  CompiledPolicy,
  CompiledPool,
  CompiledPoolRule,
} from '../policy/types.js'
import { classify, isRefusal, type ClassChoice, type Refusal } from './classify.js'
import { budgetCovers, clusterFigures, type ClusterFigures } from './cluster-figures.js'
import { formatAmount } from './quantity.js'
import type { NodeView, PodView } from './views.js'

export { classify, type ClassChoice } from './classify.js'

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
  | 'budget-exceeded'
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
  /** Where the score came from, e.g. `pool virtual scores 1` (filled when tracing). */
  scoreSource: string | undefined
  /** Policy path of the rule that decided, e.g. `/classes/3/pools/0` (when tracing). */
  rule: string | undefined
}

/** The engine's whole answer for a pod and its candidate nodes. */
export interface Decision {
  pod: string
  podClass: ClassChoice
  verdicts: NodeVerdict[]
  /** What the decision could not take into account (set when tracing). */
  notes?: string[]
}

export interface DecideOptions {
  /** Device usage per node; defaults to `cluster.usage`. */
  usage?: Usage
  /**
   * Every node and the pods on them, for overflow thresholds and budgets.
   * Without it pool utilisation reads as 0 % and budgets are not enforced.
   */
  cluster?: NodeSource
  /** Fill `scoreSource`, `rule` and `notes` (costs a string per node). */
  trace?: boolean
}

/** Note given when overflow or budgets could not be evaluated. */
export const noClusterNote =
  'no cluster state: pool utilisation reads as 0% and budgets are not enforced'

/** What the class's rule makes of one pool for this pod, worked out once per decision. */
interface PoolPlan {
  rule: CompiledPoolRule
  score: number
  /** Best-fit floor, `undefined` for a flat score (no best fit, or the pool is busy). */
  lowestScore: number | undefined
  /** Set when a budget turns the pool's nodes down. */
  refusal: Refusal | undefined
  refusalRule: string | undefined
  /** Why the score is what it is, beyond the rule itself (when tracing). */
  note: string
}

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
  const figures =
    options.cluster === undefined ? undefined : clusterFigures(policy, options.cluster)
  const plans = planPools(pod, cls, policy, figures, options.trace === true)
  const usage = options.usage ?? options.cluster?.usage
  const checks = poolChecks(pod, cls, plans, policy)
  const verdicts = nodes.map((node) =>
    judge(pod, node, cls, devices, checks, policy, usage, options.trace === true),
  )
  if (!options.trace) return { pod: podName, podClass: choice, verdicts }
  const limited = policy.budgets.length > 0 || policy.overflowResources.size > 0
  const notes = figures === undefined && limited ? [noClusterNote] : []
  return { pod: podName, podClass: choice, verdicts, notes }
}

function refuse(
  node: string,
  pool: string | undefined,
  r: Refusal,
  rule: string | undefined,
): NodeVerdict {
  const { outcome, code, message } = r
  return { node, pool, outcome, code, message, score: 0, scoreSource: undefined, rule }
}

/** Applies overflow and budgets to each pool the class allows, once per decision. */
function planPools(
  pod: PodView,
  cls: CompiledClass,
  policy: CompiledPolicy,
  figures: ClusterFigures | undefined,
  trace: boolean,
): Map<string, PoolPlan> {
  const plans = new Map<string, PoolPlan>()
  for (const rule of cls.rulesFor(pod.namespace).pools.values()) {
    const plan: PoolPlan = {
      rule,
      score: rule.score,
      lowestScore: rule.lowestScore,
      refusal: undefined,
      refusalRule: undefined,
      note: '',
    }
    if (rule.overflow !== undefined) applyOverflow(plan, rule.overflow, figures, trace)
    plans.set(rule.pool, plan)
  }
  if (figures !== undefined) {
    for (const b of policy.budgets) {
      const plan = plans.get(b.pool)
      if (plan === undefined || plan.refusal !== undefined) continue
      if (!budgetCovers(b, pod.namespace, cls.name)) continue
      const holder = b.per === 'namespace' ? pod.namespace : cls.name
      const held = figures.held(b, holder)
      const who = `${b.per} ${holder}`
      let message: string | undefined
      if (b.maxPods !== undefined && held.pods + 1 > b.maxPods) {
        message =
          `budget ${b.name}: ${who} already holds ${held.pods} of ${b.maxPods} ` +
          `pods on pool ${b.pool}`
      }
      const cpu = pod.requests.get('cpu') ?? 0
      if (message === undefined && b.maxCpu !== undefined && held.cpu + cpu > b.maxCpu) {
        message =
          `budget ${b.name}: ${who} already holds ${formatAmount(held.cpu)} of ` +
          `${formatAmount(b.maxCpu)} CPU on pool ${b.pool}, pod requests ${formatAmount(cpu)}`
      }
      if (message === undefined) continue
      plan.refusal = { code: 'budget-exceeded', outcome: 'fail', message }
      plan.refusalRule = `/budgets/${b.index}`
    }
  }
  return plans
}

/** Drops a busy pool to its overflow score. */
function applyOverflow(
  plan: PoolPlan,
  o: CompiledOverflow,
  figures: ClusterFigures | undefined,
  trace: boolean,
): void {
  const load = figures?.load(plan.rule.pool, o.resource)
  const share = load === undefined || load.allocatable <= 0 ? 0 : load.requested / load.allocatable
  const limit = `${percent(o.threshold)} threshold`
  if (share >= o.threshold) {
    plan.score = o.score
    plan.lowestScore = undefined
  }
  if (!trace) return
  if (load === undefined) {
    plan.note = `${o.resource} utilisation unknown without cluster state, read as 0%`
  } else if (share >= o.threshold) {
    const used = `${percent(share)} of its ${o.resource} requested`
    plan.note = `pool busy: ${used}, at or above the ${limit}: overflow score ${o.score}`
  } else {
    plan.note = `${percent(share)} of its ${o.resource} requested, below the ${limit}`
  }
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`
}

/** What a pool means for this pod, worked out once per decision instead of per node. */
interface PoolCheck {
  /** The back-end cannot run the pod (checked before device fit). */
  unsupported: Refusal | undefined
  /** The class may not use the pool, or a budget is full (checked after device fit). */
  after: Refusal | undefined
  plan: PoolPlan | undefined
}

function poolChecks(
  pod: PodView,
  cls: CompiledClass,
  plans: ReadonlyMap<string, PoolPlan>,
  policy: CompiledPolicy,
): PoolCheck[] {
  return policy.pools.map((pool) => {
    const features = pod.features.filter((f) => pool.unsupported.has(f))
    const unsupported: Refusal | undefined =
      features.length === 0
        ? undefined
        : {
            code: 'unsupported-feature',
            outcome: 'unresolvable',
            message: `pool ${pool.name} cannot run pods that use ${features.join(', ')}`,
          }
    const plan = plans.get(pool.name)
    const after: Refusal | undefined =
      plan === undefined
        ? {
            code: 'pool-not-allowed',
            outcome: 'unresolvable',
            message: `pool ${pool.name} is not allowed for workload class ${cls.name}`,
          }
        : plan.refusal
    return { unsupported, after, plan }
  })
}

const noPool: Refusal = {
  code: 'no-pool',
  outcome: 'unresolvable',
  message: 'node matches no pool of the policy',
}

function judge(
  pod: PodView,
  node: NodeView,
  cls: CompiledClass,
  devices: [string, number][],
  checks: readonly PoolCheck[],
  policy: CompiledPolicy,
  usage: Usage | undefined,
  trace: boolean,
): NodeVerdict {
  const pool = policy.poolOf(node)
  if (pool === undefined) return refuse(node.name, undefined, noPool, trace ? '/pools' : undefined)
  const check = checks[pool.index]!
  if (check.unsupported !== undefined) {
    const rule = trace ? `/pools/${pool.index}/unsupported` : undefined
    return refuse(node.name, pool.name, check.unsupported, rule)
  }
  const fit = devices.length === 0 ? noDevices : deviceFit(node, devices, usage)
  if ('code' in fit) return refuse(node.name, pool.name, fit, trace ? '/devices' : undefined)

  const plan = check.plan
  if (check.after !== undefined || plan === undefined) {
    const rule = !trace
      ? undefined
      : plan === undefined
        ? cls.rulesFor(pod.namespace).path
        : plan.refusalRule
    return refuse(node.name, pool.name, check.after!, rule)
  }
  const score = scoreOf(plan, pool, fit.tightness)
  return {
    node: node.name,
    pool: pool.name,
    outcome: 'pass',
    code: undefined,
    message: '',
    score,
    scoreSource: trace ? describeScore(plan, pool, fit.tightness, score) : undefined,
    rule: trace ? plan.rule.path : undefined,
  }
}

/**
 * The refusal for a node with too few devices in total. Thousands of CPU
 * nodes lack the GPU a pod asks for, so the few distinct refusals are kept
 * rather than built per node.
 */
function lacking(resource: string, wanted: number, total: number): Refusal {
  let byWanted = lackingMemo.get(resource)
  if (byWanted === undefined) {
    if (lackingMemo.size >= 1_000) lackingMemo.clear()
    lackingMemo.set(resource, (byWanted = new Map()))
  }
  let byTotal = byWanted.get(wanted)
  if (byTotal === undefined) byWanted.set(wanted, (byTotal = new Map()))
  let refusal = byTotal.get(total)
  if (refusal === undefined) {
    const amounts = `pod requests ${formatAmount(wanted)}, node has ${formatAmount(total)}`
    refusal = {
      code: 'insufficient-device',
      outcome: 'unresolvable',
      message: `insufficient ${resource}: ${amounts}`,
    }
    // Bounded: resource names and counts come from the policy's devices and real nodes.
    if (byTotal.size < 1_000) byTotal.set(total, refusal)
  }
  return refusal
}

const lackingMemo = new Map<string, Map<number, Map<number, Refusal>>>()

/** The fit of a pod that requests no device. */
const noDevices = { tightness: undefined }

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
    if (total < wanted) return lacking(resource, wanted, total)
    const asked = `pod requests ${formatAmount(wanted)}`
    const used = usage === undefined ? 0 : usage.used(node.name, resource)
    const free = Math.max(0, total - used)
    if (free < wanted) {
      return {
        code: 'device-busy',
        outcome: 'fail',
        message:
          `insufficient free ${resource}: ${asked}, ` +
          `${formatAmount(free)} of ${formatAmount(total)} free`,
      }
    }
    tightness = Math.max(tightness ?? 0, wanted / free)
  }
  return { tightness }
}

function scoreOf(plan: PoolPlan, pool: CompiledPool, tightness: number | undefined): number {
  // Virtual capacity is fake: a virtual pool's score never depends on it.
  if (plan.lowestScore === undefined || tightness === undefined || pool.virtual) return plan.score
  return plan.lowestScore + Math.round((plan.score - plan.lowestScore) * tightness)
}

function describeScore(
  plan: PoolPlan,
  pool: CompiledPool,
  tightness: number | undefined,
  score: number,
): string {
  const note = plan.note === '' ? '' : ` (${plan.note})`
  if (plan.lowestScore === undefined || tightness === undefined || pool.virtual) {
    return `pool ${pool.name} scores ${score} for this class${note}`
  }
  const share = Math.round(tightness * 100)
  return (
    `best fit: takes ${share}% of free devices, ` +
    `scaled between ${plan.lowestScore} and ${plan.score}${note}`
  )
}
