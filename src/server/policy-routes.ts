import type { FastifyInstance } from 'fastify'
import type { NodeSource } from '../cluster/source.js'
import { describePolicy, explain } from '../engine/explain.js'
import type { PolicyStore } from '../policy/store.js'
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
