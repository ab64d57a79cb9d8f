import type { CompiledPolicy } from '../policy/types.js'
import type { Decision, Outcome } from './decide.js'

/** One node of an explanation. */
export interface ExplainedNode {
  node: string
  pool: string | null
  verdict: Outcome
  /** Reason code of a refusal, `null` on pass. */
  code: string | null
  /** The reason kube-scheduler shows, `null` on pass. */
  reason: string | null
  score: number
  /** Where the score came from, `null` for nodes that do not pass. */
  scoreSource: string | null
  /** Policy path of the rule that decided. */
  rule: string | null
}

/** Why a pod goes where it goes: what `explain` prints and `POST /explain` answers. */
export interface Explanation {
  policy: { name: string; hash: string; source: string }
  pod: string
  class: { name: string | null; via: string; rule: string | null }
  /** What the decision could not take into account. */
  notes: string[]
  nodes: ExplainedNode[]
  /** The passing nodes with the highest score (several on a tie), best first by name. */
  best: string[]
}

/** A node turned down before the engine saw it (a name the node source does not know). */
export interface UnknownNode {
  node: string
  message: string
}

/** Builds the explanation of a traced decision. */
export function explain(
  decision: Decision,
  policy: CompiledPolicy,
  unknown: readonly UnknownNode[] = [],
): Explanation {
  const nodes: ExplainedNode[] = decision.verdicts.map((v) => ({
    node: v.node,
    pool: v.pool ?? null,
    verdict: v.outcome,
    code: v.code ?? null,
    reason: v.outcome === 'pass' ? null : v.message,
    score: v.score,
    scoreSource: v.scoreSource ?? null,
    rule: v.rule ?? null,
  }))
  for (const u of unknown) {
    nodes.push({
      node: u.node,
      pool: null,
      verdict: 'fail',
      code: 'unknown-node',
      reason: u.message,
      score: 0,
      scoreSource: null,
      rule: null,
    })
  }
  const passing = nodes.filter((n) => n.verdict === 'pass')
  const top = Math.max(...passing.map((n) => n.score))
  const best = passing.filter((n) => n.score === top).map((n) => n.node)
  const { name, via, path } = decision.podClass
  return {
    policy: { name: policy.name, hash: policy.hash, source: policy.source },
    pod: decision.pod,
    class: { name: name ?? null, via, rule: path ?? null },
    notes: decision.notes ?? [],
    nodes,
    best: best.sort(),
  }
}
