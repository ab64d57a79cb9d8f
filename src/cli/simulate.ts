import { assignedNode } from '../cluster/source.js'
import { decide } from '../engine/decide.js'
import { formatAmount } from '../engine/quantity.js'
import { nodeView, podView, type NodeView } from '../engine/views.js'
import { loadPolicyFile } from '../policy/load.js'
import type { CompiledPolicy } from '../policy/types.js'
import { outputFormat, parseFlags, required } from './args.js'
import { readSnapshot, type Snapshot } from './inputs.js'
import { kubeFit } from './kube-fit.js'
import type { Io } from './main.js'
import { podsFor, readObjects } from './objects.js'
import { renderTable } from './table.js'

const help = `usage: hybrid-extender simulate --policy FILE --cluster SNAPSHOT.yaml [options]

Places pending pods one by one as kube-scheduler would with this extender:
its own checks first (node selector and affinity, taints, resource fit, pod
count), then the policy's filter, then the best score; usage is updated
after each placement. Pending pods are the snapshot's pods without a node,
then those of --pods (Pods, or workloads expanded to their replicas).

  --policy FILE    placement policy
  --cluster FILE   what kubectl get nodes,pods -o yaml prints (a v1 List)
  --pods FILE      more pending pods or workloads, in order
  --output F       text (default) or json

Ties between equally scored nodes go to the node with the smallest share of
its CPU requested (kube-scheduler's default spreading), then by name.

exit status: 0 every pod placed, 1 some pod cannot be placed or bad input,
2 bad command line
`

/** Where one pending pod went. */
export interface Placement {
  pod: string
  class: string | null
  node: string | null
  pool: string | null
  score: number | null
  /** Why the pod cannot be placed, `null` when placed. */
  reason: string | null
}

/** One pool after the simulation. */
export interface PoolSummary {
  pool: string
  virtual: boolean
  nodes: number
  pods: number
  placed: number
  cpuRequested: number
  cpuAllocatable: number
  devices: Record<string, { used: number; allocatable: number }>
}

export interface Simulation {
  policy: { name: string; hash: string }
  placements: Placement[]
  pools: PoolSummary[]
}

type Json = Record<string, unknown>

const asObject = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {}
const finished = (pod: Json) => ['Succeeded', 'Failed'].includes(String(asObject(pod.status).phase))

/** Runs the simulation over a snapshot and the pending pods, in order. */
export function simulate(
  policy: CompiledPolicy,
  snapshot: Snapshot,
  extra: readonly Json[],
): Simulation {
  const { source } = snapshot
  const objects = new Map(snapshot.nodes.map((n) => [nodeView(n).name, n]))
  const views = [...source.nodes()]
  const pending = snapshot.pods.filter((p) => assignedNode(p) === undefined && !finished(p))
  const cpuShare = (node: string) => {
    const allocatable = source.get(node)?.allocatable.get('cpu') ?? 0
    return allocatable > 0 ? source.usage.used(node, 'cpu') / allocatable : 1
  }

  const placements: Placement[] = []
  for (const pod of [...pending, ...extra]) {
    const view = podView(pod)
    const outs = new Map<string, number>()
    const candidates: NodeView[] = []
    for (const node of views) {
      const reason = kubeFit(pod, view, objects.get(node.name) ?? {}, node, source.usage)
      if (reason === undefined) candidates.push(node)
      else outs.set(reason, (outs.get(reason) ?? 0) + 1)
    }
    const decision = decide(view, candidates, policy, { cluster: source })
    for (const v of decision.verdicts) {
      if (v.outcome !== 'pass') outs.set(v.message, (outs.get(v.message) ?? 0) + 1)
    }
    const best = decision.verdicts
      .filter((v) => v.outcome === 'pass')
      .sort(
        (a, b) =>
          b.score - a.score || cpuShare(a.node) - cpuShare(b.node) || a.node.localeCompare(b.node),
      )[0]
    const base = { pod: decision.pod, class: decision.podClass.name ?? null }
    if (best === undefined) {
      const why = [...outs].map(([reason, n]) => `${n} ${reason}`).join('; ')
      const reason = `0/${views.length} nodes are available: ${why}`
      placements.push({ ...base, node: null, pool: null, score: null, reason })
      continue
    }
    source.place({ ...pod, spec: { ...asObject(pod.spec), nodeName: best.node } }, best.node)
    const pool = best.pool ?? null
    placements.push({ ...base, node: best.node, pool, score: best.score, reason: null })
  }
  const pools = summarise(policy, snapshot, placements)
  return { policy: { name: policy.name, hash: policy.hash }, placements, pools }
}

/** Per pool: nodes, pods (running and placed), CPU and devices requested. */
function summarise(
  policy: CompiledPolicy,
  { source }: Snapshot,
  placements: readonly Placement[],
): PoolSummary[] {
  const pools = new Map<string, PoolSummary>()
  for (const p of policy.pools) {
    pools.set(p.name, {
      pool: p.name,
      virtual: p.virtual,
      nodes: 0,
      pods: 0,
      placed: 0,
      cpuRequested: 0,
      cpuAllocatable: 0,
      devices: {},
    })
  }
  for (const node of source.nodes()) {
    const s = pools.get(policy.poolOf(node)?.name ?? '')
    if (s === undefined) continue
    s.nodes++
    s.pods += [...source.usage.podsOn(node.name)].length
    s.cpuRequested += source.usage.used(node.name, 'cpu')
    s.cpuAllocatable += node.allocatable.get('cpu') ?? 0
    for (const [resource, amount] of node.allocatable) {
      if (!policy.isDevice(resource)) continue
      const d = (s.devices[resource] ??= { used: 0, allocatable: 0 })
      d.used += source.usage.used(node.name, resource)
      d.allocatable += amount
    }
  }
  for (const p of placements) {
    const s = pools.get(p.pool ?? '')
    if (s !== undefined) s.placed++
  }
  return [...pools.values()]
}

/** `hybrid-extender simulate` */
export async function simulateCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, {
    policy: { type: 'string' },
    cluster: { type: 'string' },
    pods: { type: 'string' },
    output: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help === true) {
    io.out(help)
    return 0
  }
  const format = outputFormat(values.output)
  const policy = loadPolicyFile(required(values.policy, '--policy'))
  const snapshot = readSnapshot(required(values.cluster, '--cluster'))
  const extra = values.pods === undefined ? [] : readObjects(values.pods).flatMap(podsFor)
  const result = simulate(policy, snapshot, extra)
  io.out(format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderSimulation(result))
  return result.placements.every((p) => p.node !== null) ? 0 : 1
}

/** The simulation for people: one table of pods, one of pools. */
export function renderSimulation(s: Simulation): string {
  const pods = s.placements.map((p) => [
    p.pod,
    p.class ?? '-',
    p.node ?? '-',
    p.pool ?? '-',
    p.score === null ? '-' : String(p.score),
    p.reason ?? '',
  ])
  const pools = s.pools.map((p) => [
    p.pool,
    String(p.nodes),
    String(p.pods),
    String(p.placed),
    p.virtual
      ? `${formatAmount(p.cpuRequested)} (virtual)`
      : `${formatAmount(p.cpuRequested)}/${formatAmount(p.cpuAllocatable)}`,
    Object.entries(p.devices)
      .map(([r, d]) => `${r} ${formatAmount(d.used)}/${formatAmount(d.allocatable)}`)
      .join(', ') || '-',
  ])
  const placed = s.placements.filter((p) => p.node !== null).length
  return (
    renderTable(['POD', 'CLASS', 'NODE', 'POOL', 'SCORE', 'WHY NOT PLACED'], pods) +
    '\n' +
    renderTable(['POOL', 'NODES', 'PODS', 'PLACED', 'CPU', 'DEVICES'], pools) +
    `\n${placed} of ${s.placements.length} pending pods placed (policy ${s.policy.name})\n`
  )
}
