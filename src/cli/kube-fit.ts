import type { ClusterUsage } from '../cluster/source.js'
import type { NodeView, PodView } from '../engine/views.js'

type Json = Record<string, unknown>

const asObject = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {}
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])

/**
 * The part of kube-scheduler's own filtering the simulator reproduces before
 * asking the extender: unschedulable nodes, node selector and required node
 * affinity, untolerated NoSchedule/NoExecute taints, resource fit (every
 * requested resource against allocatable minus what running pods request)
 * and the pod count. Returns the reason a node is out, worded as
 * kube-scheduler words it, or `undefined` when the node fits.
 */
export function kubeFit(
  pod: Json,
  view: PodView,
  nodeObject: Json,
  node: NodeView,
  usage: ClusterUsage,
): string | undefined {
  const spec = asObject(pod.spec)
  if (asObject(nodeObject.spec).unschedulable === true) return 'node(s) were unschedulable'
  if (!selectorFits(spec, node)) return "node(s) didn't match Pod's node affinity/selector"
  const tolerations = asArray(spec.tolerations).map(asObject)
  const taint = node.taints.find(
    (t) => t.effect !== 'PreferNoSchedule' && !tolerations.some((o) => tolerates(o, t)),
  )
  if (taint !== undefined) return `node(s) had untolerated taint {${taint.key}: ${taint.value}}`
  for (const [resource, wanted] of view.requests) {
    const free = (node.allocatable.get(resource) ?? 0) - usage.used(node.name, resource)
    if (free < wanted) return `Insufficient ${resource}`
  }
  const pods = node.allocatable.get('pods')
  if (pods !== undefined && [...usage.podsOn(node.name)].length + 1 > pods) return 'Too many pods'
  return undefined
}

function tolerates(o: Json, taint: { key: string; value: string; effect: string }): boolean {
  if (o.effect !== undefined && o.effect !== '' && o.effect !== taint.effect) return false
  if (o.operator === 'Exists') return o.key === undefined || o.key === '' || o.key === taint.key
  return o.key === taint.key && (o.value ?? '') === taint.value
}

function selectorFits(spec: Json, node: NodeView): boolean {
  const selector = asObject(spec.nodeSelector)
  for (const [key, value] of Object.entries(selector)) {
    if (node.labels.get(key) !== value) return false
  }
  const required = asObject(
    asObject(asObject(spec.affinity).nodeAffinity).requiredDuringSchedulingIgnoredDuringExecution,
  )
  const terms = asArray(required.nodeSelectorTerms).map(asObject)
  if (terms.length === 0) return true
  const label = (key: string) => node.labels.get(key)
  const field = (key: string) => (key === 'metadata.name' ? node.name : undefined)
  return terms.some(
    (term) =>
      asArray(term.matchExpressions).every((e) => expression(asObject(e), label)) &&
      asArray(term.matchFields).every((e) => expression(asObject(e), field)),
  )
}

function expression(e: Json, read: (key: string) => string | undefined): boolean {
  const value = read(String(e.key))
  const values = asArray(e.values).map(String)
  switch (e.operator) {
    case 'In':
      return value !== undefined && values.includes(value)
    case 'NotIn':
      return value === undefined || !values.includes(value)
    case 'Exists':
      return value !== undefined
    case 'DoesNotExist':
      return value === undefined
    case 'Gt':
      return value !== undefined && Number(value) > Number(values[0])
    case 'Lt':
      return value !== undefined && Number(value) < Number(values[0])
    default:
      return false
  }
}
