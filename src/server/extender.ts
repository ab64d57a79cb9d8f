import { decide, type Decision, type Outcome } from '../engine/decide.js'
import { nodeView, podView, type NodeView } from '../engine/views.js'
import type { NodeSource } from '../cluster/source.js'
import { unknownNodeMessage } from '../cluster/source.js'
import type { Metrics } from '../metrics.js'
import type { CompiledPolicy } from '../policy/types.js'
import type { DecodedArgs } from '../wire/decode.js'
import type { Preverdict } from '../wire/encode.js'
import { scannedNodeView } from '../wire/scan.js'

/** A decision together with the nodes that never reached the engine. */
export interface Answer {
  decision: Decision
  unknown: Preverdict[]
}

/**
 * Resolves the request's candidates (objects from the body, or names through
 * the node source) and asks the engine. Names nobody knows are answered here.
 */
export function answer(
  args: DecodedArgs,
  policy: CompiledPolicy,
  source: NodeSource | undefined,
  trace = false,
): Answer {
  const pod = podView(args.pod)
  const views: NodeView[] = []
  const unknown: Preverdict[] = []
  if (args.nodes !== null) {
    for (const [name, object] of args.nodes)
      views.push(scannedNodeView(object) ?? nodeView(object, name))
  } else {
    const message = source?.unknownNodeMessage ?? unknownNodeMessage
    // A repeated name counts once: known nodes are marked with this request,
    // cheaper than a set of thousands of names; unknown ones are few.
    const request = {}
    const unknownNames = new Set<string>()
    for (const name of args.nodeNames ?? []) {
      const view = source?.get(name)
      if (view === undefined) {
        if (!unknownNames.has(name)) unknown.push({ node: name, message })
        unknownNames.add(name)
      } else if (view.seenBy !== request) {
        view.seenBy = request
        views.push(view)
      }
    }
  }
  const decision = decide(pod, views, policy, { cluster: source, trace })
  return { decision, unknown }
}

const outcomes: readonly Outcome[] = ['pass', 'fail', 'unresolvable']

/** Counts a filter answer into the decision, verdict and rejection metrics. */
export function recordFilter(metrics: Metrics, { decision, unknown }: Answer): void {
  const cls = decision.podClass.name ?? 'none'
  metrics.decisions.inc({ verb: 'filter', class: cls })
  // Counted per pool first, so the loop over thousands of nodes builds no strings.
  const perPool = new Map<string, Record<Outcome, number>>()
  const reasons = new Map<string, number>()
  for (const v of decision.verdicts) {
    const pool = v.pool ?? 'none'
    let counts = perPool.get(pool)
    if (counts === undefined) perPool.set(pool, (counts = { pass: 0, fail: 0, unresolvable: 0 }))
    counts[v.outcome]++
    if (v.code !== undefined) reasons.set(v.code, (reasons.get(v.code) ?? 0) + 1)
  }
  if (unknown.length > 0) {
    const counts = perPool.get('none') ?? { pass: 0, fail: 0, unresolvable: 0 }
    counts.fail += unknown.length
    perPool.set('none', counts)
    reasons.set('unknown-node', (reasons.get('unknown-node') ?? 0) + unknown.length)
  }
  for (const [pool, counts] of perPool) {
    for (const outcome of outcomes) {
      if (counts[outcome] > 0)
        metrics.nodeVerdicts.inc({ class: cls, pool, outcome }, counts[outcome])
    }
  }
  for (const [reason, n] of reasons) metrics.rejections.inc({ reason }, n)
}
