import type { CompiledPolicy } from '../../src/policy/types.js'

/** A problem in a KubeSchedulerConfiguration, at a JSON-pointer-like path. */
export interface ConfigProblem {
  path: string
  message: string
}

type Extender = Record<string, unknown>

/** Fields of an `extenders[]` entry (kubescheduler.config.k8s.io/v1); names are case-sensitive. */
const extenderFields = new Set([
  'urlPrefix',
  'filterVerb',
  'preemptVerb',
  'prioritizeVerb',
  'weight',
  'bindVerb',
  'enableHTTPS',
  'tlsConfig',
  'httpTimeout',
  'nodeCacheCapable',
  'managedResources',
  'ignorable',
])

const tlsFields = new Set([
  'insecure',
  'serverName',
  'certFile',
  'keyFile',
  'caFile',
  'certData',
  'keyData',
  'caData',
])

const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

/**
 * kube-scheduler's extended resource name rule: a qualified name with a
 * domain prefix outside kubernetes.io, not starting with `requests.`.
 */
export function isExtendedResourceName(name: string): boolean {
  const slash = name.indexOf('/')
  if (slash === -1 || name.startsWith('requests.')) return false
  const prefix = name.slice(0, slash)
  const rest = name.slice(slash + 1)
  if (prefix === 'kubernetes.io' || prefix.endsWith('.kubernetes.io')) return false
  return (
    dnsSubdomain.test(prefix) &&
    prefix.length <= 253 &&
    rest.length <= 63 &&
    qualifiedNamePart.test(rest)
  )
}

/** A Go duration string (`5s`, `1m30s`, `500ms`) in seconds, or `undefined` if it is not one. */
export function goDurationSeconds(text: unknown): number | undefined {
  if (typeof text !== 'string' || text === '') return undefined
  const units: Record<string, number> = {
    ns: 1e-9,
    us: 1e-6,
    µs: 1e-6,
    ms: 1e-3,
    s: 1,
    m: 60,
    h: 3600,
  }
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy
  let total = 0
  let end = 0
  for (const m of text.matchAll(part)) {
    total += Number(m[1]) * (units[m[2] ?? ''] ?? Number.NaN)
    end = (m.index ?? 0) + m[0].length
  }
  return end === text.length && !Number.isNaN(total) ? total : undefined
}

/**
 * The upstream validation of a KubeSchedulerConfiguration's extenders
 * (shared/reference/extender-protocol.md §5) plus the parts of the
 * configuration kube-scheduler rejects outright: strict field names,
 * percentageOfNodesToScore in 0..100, unique profile names.
 */
export function upstreamProblems(config: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  const c = (config ?? {}) as Record<string, unknown>
  if (c.apiVersion !== 'kubescheduler.config.k8s.io/v1') {
    problems.push({ path: '/apiVersion', message: 'must be kubescheduler.config.k8s.io/v1' })
  }
  if (c.kind !== 'KubeSchedulerConfiguration') {
    problems.push({ path: '/kind', message: 'must be KubeSchedulerConfiguration' })
  }
  const percentage = c.percentageOfNodesToScore
  if (
    percentage !== undefined &&
    (!Number.isInteger(percentage) || (percentage as number) < 0 || (percentage as number) > 100)
  ) {
    problems.push({ path: '/percentageOfNodesToScore', message: 'not in valid range [0-100]' })
  }
  const profiles = (c.profiles ?? []) as { schedulerName?: string }[]
  const names = profiles.map((p) => p.schedulerName ?? 'default-scheduler')
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i)
      problems.push({ path: `/profiles/${i}/schedulerName`, message: 'duplicate' })
  })

  const extenders = (c.extenders ?? []) as Extender[]
  let binders = 0
  const managed = new Set<string>()
  extenders.forEach((e, i) => {
    const at = `/extenders/${i}`
    for (const key of Object.keys(e)) {
      if (!extenderFields.has(key))
        problems.push({ path: `${at}/${key}`, message: 'unknown field' })
    }
    const prioritize = typeof e.prioritizeVerb === 'string' && e.prioritizeVerb !== ''
    const weight = e.weight ?? 0
    if (prioritize && !(Number.isInteger(weight) && (weight as number) > 0)) {
      problems.push({ path: `${at}/weight`, message: 'must have a positive weight applied to it' })
    }
    if (typeof e.bindVerb === 'string' && e.bindVerb !== '') binders += 1
    if (binders > 1)
      problems.push({ path: `${at}/bindVerb`, message: 'only one extender can implement bind' })
    if (e.httpTimeout !== undefined && goDurationSeconds(e.httpTimeout) === undefined) {
      problems.push({ path: `${at}/httpTimeout`, message: 'not a duration' })
    }
    const tls = (e.tlsConfig ?? {}) as Record<string, unknown>
    for (const key of Object.keys(tls)) {
      if (!tlsFields.has(key))
        problems.push({ path: `${at}/tlsConfig/${key}`, message: 'unknown field' })
    }
    if (tls.insecure === true && (tls.caFile !== undefined || tls.caData !== undefined)) {
      problems.push({ path: `${at}/tlsConfig`, message: 'a CA cannot be combined with insecure' })
    }
    const resources = (e.managedResources ?? []) as { name?: string }[]
    resources.forEach((r, j) => {
      const name = r.name ?? ''
      if (!isExtendedResourceName(name)) {
        problems.push({
          path: `${at}/managedResources/${j}/name`,
          message: 'not an extended resource name',
        })
      }
      if (managed.has(name)) {
        problems.push({
          path: `${at}/managedResources/${j}/name`,
          message: 'duplicate extender managed resource name',
        })
      }
      managed.add(name)
    })
  })
  return problems
}

/** Most a node can get from kube-scheduler's in-tree score plugins together. */
export const inTreeScoreMax = 1200

/**
 * The smallest gap, in extender score points, between two pools a class
 * prefers differently. A best-fit pool spans lowestScore..score; pools a
 * class scores alike express no preference and are skipped.
 */
export function smallestPreferenceGap(policy: CompiledPolicy): number {
  let smallest = Number.POSITIVE_INFINITY
  for (const c of policy.classes) {
    const ranges = [...c.pools.values()]
      .map((r) => ({ low: r.lowestScore ?? r.score, high: r.score }))
      .sort((a, b) => b.high - a.high)
    for (let i = 1; i < ranges.length; i++) {
      const gap = (ranges[i - 1]?.low ?? 0) - (ranges[i]?.high ?? 0)
      if (gap > 0) smallest = Math.min(smallest, gap)
    }
  }
  return smallest
}

/**
 * The least weight at which the extender's preference outweighs every
 * in-tree plugin: kube-scheduler adds score × weight × 10, so the smallest
 * gap times weight times 10 must exceed {@link inTreeScoreMax}.
 */
export function leastWinningWeight(policy: CompiledPolicy): number {
  return Math.floor(inTreeScoreMax / (10 * smallestPreferenceGap(policy))) + 1
}

/**
 * This project's rules for the configurations it ships: how the extender must
 * be called for the policy to hold.
 */
export function projectProblems(config: unknown, policy: CompiledPolicy): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  const c = (config ?? {}) as Record<string, unknown>
  if (c.percentageOfNodesToScore !== 100) {
    problems.push({
      path: '/percentageOfNodesToScore',
      message: 'must be 100: the extender must see every feasible node',
    })
  }
  const extenders = ((c.extenders ?? []) as Extender[]).filter((e) =>
    String(e.urlPrefix ?? '').includes('hybrid-scheduler-extender'),
  )
  if (extenders.length !== 1)
    problems.push({ path: '/extenders', message: 'must call the extender once' })
  const least = leastWinningWeight(policy)
  extenders.forEach((e) => {
    const at = '/extenders/0'
    if (!/^https?:\/\//.test(String(e.urlPrefix)))
      problems.push({ path: `${at}/urlPrefix`, message: 'needs a scheme' })
    if (e.filterVerb !== 'filter')
      problems.push({ path: `${at}/filterVerb`, message: 'must be filter' })
    if (e.prioritizeVerb !== 'prioritize')
      problems.push({ path: `${at}/prioritizeVerb`, message: 'must be prioritize' })
    if (!Number.isInteger(e.weight) || (e.weight as number) < least) {
      problems.push({
        path: `${at}/weight`,
        message: `must be at least ${least} to outweigh the in-tree plugins`,
      })
    }
    if (e.nodeCacheCapable !== true)
      problems.push({ path: `${at}/nodeCacheCapable`, message: 'must be true' })
    const timeout = goDurationSeconds(e.httpTimeout)
    if (timeout === undefined || timeout <= 0 || timeout > 5) {
      problems.push({ path: `${at}/httpTimeout`, message: 'must be set explicitly, at most 5s' })
    }
    if (e.ignorable !== false) problems.push({ path: `${at}/ignorable`, message: 'must be false' })
    if (e.managedResources !== undefined) {
      problems.push({
        path: `${at}/managedResources`,
        message: 'must be unset: the extender decides for every pod',
      })
    }
    if (e.bindVerb !== undefined || e.preemptVerb !== undefined) {
      problems.push({ path: at, message: 'the extender implements no bind or preempt verb' })
    }
  })
  return problems
}
