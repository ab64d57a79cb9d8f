import type { Problem } from '../errors.js'
import { parseQuantity } from '../engine/quantity.js'
import type { HostFeature, NodeView, PodIdentity } from '../engine/views.js'
import type {
  BudgetDoc,
  CompiledBudget,
  CompiledClass,
  CompiledPolicy,
  CompiledPool,
  CompiledPoolRule,
  CompiledRuleSet,
  LabelSelectorDoc,
  NodeConditionDoc,
  PolicyDocument,
  PoolRuleDoc,
  ResourceSetDoc,
} from './types.js'

/** Cross-references the schema cannot express; every problem with its path. */
export function checkReferences(doc: PolicyDocument): Problem[] {
  const problems: Problem[] = []
  const pools = new Map<string, boolean>()
  doc.pools.forEach((pool, i) => {
    if (pools.has(pool.name)) {
      problems.push({ path: `/pools/${i}/name`, message: `pool "${pool.name}" is defined twice` })
    }
    pools.set(pool.name, pool.virtual === true)
  })
  const classes = new Set<string>()
  doc.classes.forEach((cls, i) => {
    if (classes.has(cls.name)) {
      problems.push({ path: `/classes/${i}/name`, message: `class "${cls.name}" is defined twice` })
    }
    classes.add(cls.name)
    problems.push(...checkRules(cls.pools, `/classes/${i}/pools`, pools))
    cls.overrides?.forEach((o, j) => {
      problems.push(...checkRules(o.pools, `/classes/${i}/overrides/${j}/pools`, pools))
    })
  })
  if (doc.defaultClass !== undefined && !classes.has(doc.defaultClass)) {
    problems.push({
      path: '/defaultClass',
      message: `class "${doc.defaultClass}" is not defined in classes`,
    })
  }
  problems.push(...checkBudgets(doc.budgets ?? [], pools, classes))
  return problems
}

function checkRules(
  rules: PoolRuleDoc[],
  base: string,
  pools: ReadonlyMap<string, boolean>,
): Problem[] {
  const problems: Problem[] = []
  const seen = new Set<string>()
  rules.forEach((rule, j) => {
    const path = `${base}/${j}`
    if (!pools.has(rule.pool)) {
      const message = `pool "${rule.pool}" is not defined in pools`
      problems.push({ path: `${path}/pool`, message })
    }
    if (seen.has(rule.pool)) {
      problems.push({ path: `${path}/pool`, message: `pool "${rule.pool}" is listed twice` })
    }
    seen.add(rule.pool)
    const virtual = pools.get(rule.pool) === true
    if (rule.bestFit !== undefined && virtual) {
      problems.push({
        path: `${path}/bestFit`,
        message: 'bestFit is not allowed on a virtual pool: its capacity is not real',
      })
    }
    if (rule.bestFit !== undefined && rule.bestFit.lowestScore > rule.score) {
      problems.push({ path: `${path}/bestFit/lowestScore`, message: 'must not exceed score' })
    }
    if (rule.overflow !== undefined && virtual) {
      problems.push({
        path: `${path}/overflow`,
        message: 'overflow is not allowed on a virtual pool: its capacity is not real',
      })
    }
    if (rule.overflow !== undefined && rule.overflow.score > rule.score) {
      problems.push({ path: `${path}/overflow/score`, message: 'must not exceed score' })
    }
  })
  return problems
}

function checkBudgets(
  budgets: BudgetDoc[],
  pools: ReadonlyMap<string, boolean>,
  classes: ReadonlySet<string>,
): Problem[] {
  const problems: Problem[] = []
  const names = new Set<string>()
  budgets.forEach((b, i) => {
    const path = `/budgets/${i}`
    if (names.has(b.name)) {
      problems.push({ path: `${path}/name`, message: `budget "${b.name}" is defined twice` })
    }
    names.add(b.name)
    if (!pools.has(b.pool)) {
      problems.push({ path: `${path}/pool`, message: `pool "${b.pool}" is not defined in pools` })
    }
    b.classes?.forEach((c, j) => {
      if (!classes.has(c)) {
        problems.push({
          path: `${path}/classes/${j}`,
          message: `class "${c}" is not defined in classes`,
        })
      }
    })
    if (b.maxPods === undefined && b.maxCpu === undefined) {
      problems.push({ path, message: 'a budget needs maxPods or maxCpu' })
    }
    if (b.maxCpu !== undefined && parseQuantity(b.maxCpu) === undefined) {
      const message = 'must be a CPU quantity such as 16 or 500m'
      problems.push({ path: `${path}/maxCpu`, message })
    }
  })
  return problems
}

/** Compiles a validated, reference-checked document into plain predicates and tables. */
export function compilePolicy(
  doc: PolicyDocument,
  meta: { hash: string; source: string },
): CompiledPolicy {
  const isDevice = resourcePredicate(doc.devices ?? {})
  const pools = doc.pools.map((p, index): CompiledPool => ({
    name: p.name,
    index,
    virtual: p.virtual === true,
    unsupported: new Set<HostFeature>(p.unsupported ?? []),
    matches: nodeMatcher(p.match ?? {}, isDevice),
  }))
  const classes = doc.classes.map((c, index) => compileClass(c, index, isDevice))
  const classByName = new Map(classes.map((c) => [c.name, c]))

  return {
    name: doc.metadata?.name ?? 'unnamed',
    hash: meta.hash,
    source: meta.source,
    pools,
    classes,
    classByName,
    classAnnotation: doc.classAnnotation ?? 'hybrid-scheduler.io/workload-class',
    defaultClass: doc.defaultClass === undefined ? undefined : classByName.get(doc.defaultClass),
    isDevice,
    poolOf(node) {
      const memo = node.poolMemo
      if (memo !== undefined && memo.policy === pools) return memo.pool as CompiledPool | undefined
      const pool = pools.find((p) => p.matches(node))
      node.poolMemo = { policy: pools, pool }
      return pool
    },
    budgets: (doc.budgets ?? []).map(compileBudget),
    overflowResources: overflowResources(doc),
    document: doc,
  }
}

type ClassDoc = PolicyDocument['classes'][number]

function compileClass(c: ClassDoc, index: number, isDevice: (r: string) => boolean) {
  const own: CompiledRuleSet = {
    pools: compileRules(c.pools, `/classes/${index}/pools`),
    path: `/classes/${index}/pools`,
  }
  const overrides = (c.overrides ?? []).map((o, j) => {
    const path = `/classes/${index}/overrides/${j}/pools`
    const rules = { pools: compileRules(o.pools, path), path }
    return { namespaces: new Set(o.namespaces), rules }
  })
  const cls: CompiledClass = {
    name: c.name,
    index,
    matches: podMatcher(c.match ?? {}, isDevice),
    pools: own.pools,
    rulesFor:
      overrides.length === 0
        ? () => own
        : (ns) => overrides.find((o) => o.namespaces.has(ns))?.rules ?? own,
  }
  return cls
}

function compileRules(rules: PoolRuleDoc[], base: string): Map<string, CompiledPoolRule> {
  const out = new Map<string, CompiledPoolRule>()
  rules.forEach((r, j) => {
    const o = r.overflow
    out.set(r.pool, {
      pool: r.pool,
      score: r.score,
      lowestScore: r.bestFit?.lowestScore,
      path: `${base}/${j}`,
      overflow:
        o === undefined
          ? undefined
          : { resource: o.resource ?? 'cpu', threshold: o.thresholdPercent / 100, score: o.score },
    })
  })
  return out
}

function compileBudget(b: BudgetDoc, index: number): CompiledBudget {
  return {
    name: b.name,
    index,
    pool: b.pool,
    per: b.per ?? 'namespace',
    namespaces: b.namespaces === undefined ? undefined : new Set(b.namespaces),
    classes: b.classes === undefined ? undefined : new Set(b.classes),
    maxPods: b.maxPods,
    maxCpu: b.maxCpu === undefined ? undefined : parseQuantity(b.maxCpu),
  }
}

/** Every (pool, resource) pair an overflow rule reads, so usage sums only those. */
function overflowResources(doc: PolicyDocument): Map<string, string[]> {
  const out = new Map<string, string[]>()
  const rules = doc.classes.flatMap((c) => [c.pools, ...(c.overrides ?? []).map((o) => o.pools)])
  for (const rule of rules.flat()) {
    if (rule.overflow === undefined) continue
    const resource = rule.overflow.resource ?? 'cpu'
    const list = out.get(rule.pool) ?? []
    if (!list.includes(resource)) list.push(resource)
    out.set(rule.pool, list)
  }
  return out
}

/** A memoised test of resource names against names and prefixes. */
function resourcePredicate(set: ResourceSetDoc): (resource: string) => boolean {
  const names = new Set(set.names ?? [])
  const prefixes = set.prefixes ?? []
  const memo = new Map<string, boolean>()
  return (resource) => {
    let hit = memo.get(resource)
    if (hit === undefined) {
      hit = names.has(resource) || prefixes.some((p) => resource.startsWith(p))
      if (memo.size < 10_000) memo.set(resource, hit)
    }
    return hit
  }
}

function anyAmount(amounts: ReadonlyMap<string, number>, test: (r: string) => boolean): boolean {
  for (const [name, amount] of amounts) if (amount > 0 && test(name)) return true
  return false
}

function nodeCondition(c: NodeConditionDoc, isDevice: (r: string) => boolean) {
  const tests: ((n: NodeView) => boolean)[] = []
  if (c.label !== undefined) {
    const { key, values } = c.label
    const allowed = values === undefined ? undefined : new Set(values)
    tests.push((n) => {
      const v = n.labels.get(key)
      return v !== undefined && (allowed === undefined || allowed.has(v))
    })
  }
  if (c.taint !== undefined) {
    const { key, value, effect } = c.taint
    tests.push((n) =>
      n.taints.some(
        (t) =>
          t.key === key &&
          (value === undefined || t.value === value) &&
          (effect === undefined || t.effect === effect),
      ),
    )
  }
  if (c.advertises !== undefined) {
    const test = resourcePredicate(c.advertises)
    tests.push((n) => anyAmount(n.allocatable, test))
  }
  if (c.advertisesDevice !== undefined) {
    const want = c.advertisesDevice
    tests.push((n) => anyAmount(n.allocatable, isDevice) === want)
  }
  return (n: NodeView) => tests.every((t) => t(n))
}

function nodeMatcher(
  match: { any?: NodeConditionDoc[]; all?: NodeConditionDoc[] },
  isDevice: (r: string) => boolean,
): (n: NodeView) => boolean {
  if (match.any !== undefined) {
    const tests = match.any.map((c) => nodeCondition(c, isDevice))
    return (n) => tests.some((t) => t(n))
  }
  if (match.all !== undefined) {
    const tests = match.all.map((c) => nodeCondition(c, isDevice))
    return (n) => tests.every((t) => t(n))
  }
  return () => true
}

function selectorMatcher(sel: LabelSelectorDoc): (labels: ReadonlyMap<string, string>) => boolean {
  const pairs = Object.entries(sel.matchLabels ?? {})
  const exprs = (sel.matchExpressions ?? []).map((e) => ({ ...e, set: new Set(e.values ?? []) }))
  return (labels) =>
    pairs.every(([k, v]) => labels.get(k) === v) &&
    exprs.every((e) => {
      const v = labels.get(e.key)
      switch (e.operator) {
        case 'In':
          return v !== undefined && e.set.has(v)
        case 'NotIn':
          return v === undefined || !e.set.has(v)
        case 'Exists':
          return v !== undefined
        default:
          return v === undefined
      }
    })
}

function podMatcher(
  match: NonNullable<PolicyDocument['classes'][number]['match']>,
  isDevice: (r: string) => boolean,
): (pod: PodIdentity) => boolean {
  const tests: ((p: PodIdentity) => boolean)[] = []
  if (match.ownerKinds !== undefined) {
    const kinds = new Set(match.ownerKinds)
    tests.push((p) => kinds.has(p.ownerKind ?? 'None'))
  }
  if (match.namespaces !== undefined) {
    const namespaces = new Set(match.namespaces)
    tests.push((p) => namespaces.has(p.namespace))
  }
  if (match.labels !== undefined) {
    const selector = selectorMatcher(match.labels)
    tests.push((p) => selector(p.labels))
  }
  if (match.requests !== undefined) {
    const test = resourcePredicate(match.requests)
    tests.push((p) => anyAmount(p.requests, test))
  }
  if (match.requestsDevice !== undefined) {
    const want = match.requestsDevice
    tests.push((p) => anyAmount(p.requests, isDevice) === want)
  }
  return (p) => tests.every((t) => t(p))
}
