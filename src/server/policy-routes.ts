import type { FastifyInstance } from 'fastify'
import type { NodeSource } from '../cluster/source.js'
import { explain } from '../engine/explain.js'
import type { PolicyStore } from '../policy/store.js'
import type { CompiledPolicy } from '../policy/types.js'
import { decodeExtenderArgs } from '../wire/decode.js'
import { answer } from './extender.js'

/**
 * `GET /policy`: the active policy (name, hash, source, load time, pools and
 * classes). `POST /explain`: an ExtenderArgs body answered with why each node
 * passes or not and where its score comes from, as `explain --output json`.
 */
export function registerPolicyRoutes(
  app: FastifyInstance,
  opts: { policy: PolicyStore; nodes?: NodeSource },
): void {
  app.get('/policy', async () => describePolicy(opts.policy.current, opts.policy.loadedAt))
  app.post('/explain', async (req) => {
    const policy = opts.policy.current
    const args = decodeExtenderArgs(req.body)
    const a = answer(args, policy, opts.nodes, true)
    return explain(a.decision, policy, a.unknown)
  })
}

/** What `GET /policy` answers: the active policy and what it defines. */
export function describePolicy(policy: CompiledPolicy, loadedAt: Date) {
  const doc = policy.document
  return {
    name: policy.name,
    hash: policy.hash,
    source: policy.source,
    loadedAt: loadedAt.toISOString(),
    pools: doc.pools.map((p) => ({ name: p.name, virtual: p.virtual === true })),
    classes: doc.classes.map((c) => ({
      name: c.name,
      pools: c.pools.map((r) => r.pool),
      overrides: (c.overrides ?? []).map((o) => ({
        namespaces: o.namespaces,
        pools: o.pools.map((r) => r.pool),
      })),
    })),
    defaultClass: doc.defaultClass ?? null,
    budgets: (doc.budgets ?? []).map((b) => b.name),
  }
}
