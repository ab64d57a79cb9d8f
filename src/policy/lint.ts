import type { Problem } from '../errors.js'
import type { PolicyDocument, PoolRuleDoc } from './types.js'

type PodMatchDoc = NonNullable<PolicyDocument['classes'][number]['match']>

/**
 * Finds what a valid policy says that can never take effect: pools no node or
 * no class can reach, classes no pod can reach, classes with no pool. These
 * are warnings: the policy still loads.
 */
export function lintPolicy(doc: PolicyDocument): Problem[] {
  return [...lintPools(doc), ...lintClasses(doc), ...lintBudgets(doc)]
}

function lintPools(doc: PolicyDocument): Problem[] {
  const problems: Problem[] = []
  const used = new Set(allRules(doc).map((r) => r.pool))
  const catchAll = doc.pools.findIndex((p) => isEmpty(p.match))
  doc.pools.forEach((pool, i) => {
    if (catchAll >= 0 && i > catchAll) {
      const earlier = doc.pools[catchAll]?.name
      problems.push({
        path: `/pools/${i}/match`,
        message:
          `pool "${pool.name}" can never match a node: ` +
          `pool "${earlier}" before it matches every node`,
      })
    }
    if (!used.has(pool.name)) {
      problems.push({
        path: `/pools/${i}/name`,
        message: `pool "${pool.name}" is allowed for no class: its nodes are refused to every pod`,
      })
    }
  })
  return problems
}

function lintClasses(doc: PolicyDocument): Problem[] {
  const problems: Problem[] = []
  const hasDevices = (doc.devices?.names?.length ?? 0) + (doc.devices?.prefixes?.length ?? 0) > 0
  doc.classes.forEach((cls, i) => {
    const match = cls.match ?? {}
    const shadow = doc.classes.slice(0, i).find((earlier) => covers(earlier.match ?? {}, match))
    if (shadow !== undefined && cls.name !== doc.defaultClass) {
      problems.push({
        path: `/classes/${i}/match`,
        message:
          `class "${cls.name}" can never match a pod: class "${shadow.name}" before it ` +
          'matches every pod it would (only the class annotation can select it)',
      })
    }
    if (match.requestsDevice === true && !hasDevices) {
      problems.push({
        path: `/classes/${i}/match/requestsDevice`,
        message: `class "${cls.name}" needs a device request but the policy defines no devices`,
      })
    }
    if (cls.pools.length === 0) {
      problems.push({
        path: `/classes/${i}/pools`,
        message: `class "${cls.name}" allows no pool: its pods are refused on every node`,
      })
    }
    cls.overrides?.forEach((o, j) => {
      if (o.pools.length > 0) return
      problems.push({
        path: `/classes/${i}/overrides/${j}/pools`,
        message:
          `this override of class "${cls.name}" allows no pool: ` +
          'its pods are refused on every node',
      })
    })
  })
  return problems
}

function lintBudgets(doc: PolicyDocument): Problem[] {
  const problems: Problem[] = []
  doc.budgets?.forEach((b, i) => {
    const classes = doc.classes.filter((c) => b.classes === undefined || b.classes.includes(c.name))
    const rules = classes.flatMap((c) => [c.pools, ...(c.overrides ?? []).map((o) => o.pools)])
    if (rules.flat().some((r) => r.pool === b.pool)) return
    problems.push({
      path: `/budgets/${i}/pool`,
      message: `budget "${b.name}" caps pool "${b.pool}", which none of its classes may use`,
    })
  })
  return problems
}

function allRules(doc: PolicyDocument): PoolRuleDoc[] {
  return doc.classes.flatMap((c) => [...c.pools, ...(c.overrides ?? []).flatMap((o) => o.pools)])
}

function isEmpty(match: object | undefined): boolean {
  return match === undefined || Object.keys(match).length === 0
}

/** True when every pod matching `inner` also matches `outer`, judged key by key. */
function covers(outer: PodMatchDoc, inner: PodMatchDoc): boolean {
  return (Object.keys(outer) as (keyof PodMatchDoc)[]).every((key) => {
    const o = outer[key]
    const i = inner[key]
    if (o === undefined) return true
    if (i === undefined) return false
    if (key === 'ownerKinds' || key === 'namespaces') {
      return (i as string[]).every((v) => (o as string[]).includes(v))
    }
    return JSON.stringify(o) === JSON.stringify(i)
  })
}
