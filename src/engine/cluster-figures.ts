import type { NodeSource } from '../cluster/source.js'
import type { CompiledBudget, CompiledPolicy } from '../policy/types.js'
import { classNameOf } from './classify.js'

/** How much of a resource a pool's pods request, against what its nodes offer. */
export interface PoolLoad {
  requested: number
  allocatable: number
}

/** What one holder (a namespace or a class) holds under a budget. */
export interface BudgetHeld {
  pods: number
  /** In cores. */
  cpu: number
}

/**
 * The cluster-wide figures overflow rules and budgets read, summed over every
 * node of each pool (not only the request's candidates).
 */
export interface ClusterFigures {
  load(pool: string, resource: string): PoolLoad
  held(budget: CompiledBudget, holder: string): BudgetHeld
}

interface Memo {
  generation: number
  figures: ClusterFigures
}

const memo = new WeakMap<CompiledPolicy, WeakMap<NodeSource, Memo>>()
const none: BudgetHeld = { pods: 0, cpu: 0 }
const empty: PoolLoad = { requested: 0, allocatable: 0 }

/**
 * The figures for this policy and cluster state, computed once per
 * `usage.generation`: requests read them without walking the cluster again.
 */
export function clusterFigures(policy: CompiledPolicy, source: NodeSource): ClusterFigures {
  let bySource = memo.get(policy)
  if (bySource === undefined) {
    bySource = new WeakMap()
    memo.set(policy, bySource)
  }
  const generation = source.usage.generation
  const hit = bySource.get(source)
  if (hit !== undefined && hit.generation === generation) return hit.figures
  const figures = compute(policy, source)
  bySource.set(source, { generation, figures })
  return figures
}

/** True when the budget caps pods of this namespace and class. */
export function budgetCovers(b: CompiledBudget, namespace: string, cls: string | undefined) {
  return (
    (b.namespaces === undefined || b.namespaces.has(namespace)) &&
    (b.classes === undefined || (cls !== undefined && b.classes.has(cls)))
  )
}

function compute(policy: CompiledPolicy, source: NodeSource): ClusterFigures {
  const loads = new Map<string, Map<string, PoolLoad>>()
  for (const [pool, resources] of policy.overflowResources) {
    loads.set(pool, new Map(resources.map((r) => [r, { requested: 0, allocatable: 0 }])))
  }
  const budgetsByPool = new Map<string, CompiledBudget[]>()
  for (const b of policy.budgets) {
    budgetsByPool.set(b.pool, [...(budgetsByPool.get(b.pool) ?? []), b])
  }
  const held = policy.budgets.map(() => new Map<string, BudgetHeld>())

  if (loads.size > 0 || budgetsByPool.size > 0) {
    const { usage } = source
    for (const node of source.nodes()) {
      const pool = policy.poolOf(node)
      if (pool === undefined) continue
      for (const [resource, load] of loads.get(pool.name) ?? []) {
        load.allocatable += node.allocatable.get(resource) ?? 0
        load.requested += usage.used(node.name, resource)
      }
      const budgets = budgetsByPool.get(pool.name)
      if (budgets === undefined) continue
      for (const pod of usage.podsOn(node.name)) {
        const cls = classNameOf(pod, policy)
        for (const b of budgets) {
          if (!budgetCovers(b, pod.namespace, cls)) continue
          const holder = b.per === 'namespace' ? pod.namespace : cls
          if (holder === undefined) continue
          const tally = held[b.index]!
          const h = tally.get(holder) ?? { pods: 0, cpu: 0 }
          h.pods++
          h.cpu += pod.requests.get('cpu') ?? 0
          tally.set(holder, h)
        }
      }
    }
  }
  return {
    load: (pool, resource) => loads.get(pool)?.get(resource) ?? empty,
    held: (budget, holder) => held[budget.index]?.get(holder) ?? none,
  }
}
