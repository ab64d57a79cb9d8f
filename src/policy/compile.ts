import type { Problem } from '../errors.js'
import type { HostFeature, NodeView, PodView } from '../engine/views.js'
import type {
  CompiledClass,
  CompiledPolicy,
  CompiledPool,
  CompiledPoolRule,
  LabelSelectorDoc,
  NodeConditionDoc,
  PolicyDocument,
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
    const seen = new Set<string>()
    cls.pools.forEach((rule, j) => {
      const path = `/classes/${i}/pools/${j}`
      if (!pools.has(rule.pool)) {
        problems.push({ path: `${path}/pool`, message: `pool "${rule.pool}" is not defined in pools` })
      }
      if (seen.has(rule.pool)) {
        problems.push({ path: `${path}/pool`, message: `pool "${rule.pool}" is listed twice` })
      }
      seen.add(rule.pool)
      if (rule.bestFit !== undefined && pools.get(rule.pool) === true) {
        problems.push({
          path: `${path}/bestFit`,
          message: 'bestFit is not allowed on a virtual pool: its capacity is not real',
        })
      }
      if (rule.bestFit !== undefined && rule.bestFit.lowestScore > rule.score) {
        problems.push({ path: `${path}/bestFit/lowestScore`, message: 'must not exceed score' })
      }
    })
  })
  if (doc.defaultClass !== undefined && !classes.has(doc.defaultClass)) {
    problems.push({
      path: '/defaultClass',
      message: `class "${doc.defaultClass}" is not defined in classes`,
    })
  }
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
  const classes = doc.classes.map((c, index): CompiledClass => {
    const rules = new Map<string, CompiledPoolRule>()
    c.pools.forEach((r, j) => {
      rules.set(r.pool, {
        pool: r.pool,
        score: r.score,
        lowestScore: r.bestFit?.lowestScore,
        path: `/classes/${index}/pools/${j}`,
      })
    })
    return { name: c.name, index, matches: podMatcher(c.match ?? {}, isDevice), pools: rules }
  })
  const classByName = new Map(classes.map((c) => [c.name, c]))
  const poolMemo = new WeakMap<NodeView, CompiledPool | null>()

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
      let pool = poolMemo.get(node)
      if (pool === undefined) {
        pool = pools.find((p) => p.matches(node)) ?? null
        poolMemo.set(node, pool)
      }
      return pool ?? undefined
    },
    document: doc,
  }
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
): (pod: PodView) => boolean {
  const tests: ((p: PodView) => boolean)[] = []
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
