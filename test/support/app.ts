import type { FastifyInstance } from 'fastify'
import { staticNodeSource, type NodeSource } from '../../src/cluster/source.js'
import { createMetrics, type Metrics } from '../../src/metrics.js'
import { loadPolicyFile } from '../../src/policy/load.js'
import { PolicyStore } from '../../src/policy/store.js'
import { buildApp } from '../../src/server/app.js'
import { defaultPolicyPath } from '../../src/cli/serve.js'

/** The shipped default policy, compiled. */
export const defaultPolicy = () => loadPolicyFile(defaultPolicyPath)

/** An app on the default policy; `nodes` feeds names-only requests. */
export function testApp(opts: { nodes?: unknown[]; source?: NodeSource } = {}): {
  app: FastifyInstance
  metrics: Metrics
} {
  const metrics = createMetrics({ processMetrics: false })
  const source =
    opts.source ?? (opts.nodes === undefined ? undefined : staticNodeSource(opts.nodes))
  const app = buildApp({
    policy: new PolicyStore(defaultPolicy(), metrics),
    metrics,
    nodes: source,
  })
  return { app, metrics }
}

/** What a filter plus prioritize round gives, in an easy shape to assert on. */
export interface Outcome {
  passed: string[]
  failed: Record<string, string>
  unresolvable: Record<string, string>
  scores: Record<string, number>
  filterBody: Record<string, any>
}

/** How a test reaches the service: `inject()`, or HTTP to a real process. */
export type Poster = (url: string, body: unknown) => Promise<{ statusCode: number; body: string }>

/** Posts through fastify's inject(). */
export const injector =
  (app: FastifyInstance): Poster =>
  async (url, body) => {
    const res = await app.inject({ method: 'POST', url, payload: body as object })
    return { statusCode: res.statusCode, body: res.body }
  }

/** Posts over HTTP to a listening service at `base`. */
export const httpPoster =
  (base: string): Poster =>
  async (url, body) => {
    const headers = { 'content-type': 'application/json' }
    const res = await fetch(`${base}${url}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers,
    })
    return { statusCode: res.status, body: await res.text() }
  }

/** Posts the same body to /filter and /prioritize and checks the reply invariants. */
export async function filterAndPrioritize(
  target: FastifyInstance | Poster,
  body: Record<string, any>,
  names: string[],
): Promise<Outcome> {
  const post = typeof target === 'function' ? target : injector(target)
  const f = await post('/filter', body)
  const p = await post('/prioritize', body)
  if (f.statusCode !== 200 || p.statusCode !== 200) {
    throw new Error(`status ${f.statusCode}/${p.statusCode}: ${f.body} ${p.body}`)
  }
  const fr = JSON.parse(f.body)
  if (fr.Error !== '') throw new Error(`filter error: ${fr.Error}`)
  const passed: string[] =
    fr.Nodes !== null ? fr.Nodes.items.map((n: any) => n.metadata.name) : fr.NodeNames
  const failed = fr.FailedNodes as Record<string, string>
  const unresolvable = fr.FailedAndUnresolvableNodes as Record<string, string>
  const seen = [...passed, ...Object.keys(failed), ...Object.keys(unresolvable)].sort()
  if (JSON.stringify(seen) !== JSON.stringify([...names].sort())) {
    throw new Error(`filter reply does not hold each input node once: ${JSON.stringify(seen)}`)
  }
  const scores: Record<string, number> = {}
  for (const { Host, Score } of JSON.parse(p.body) as { Host: string; Score: number }[]) {
    if (!Number.isInteger(Score) || Score < 0 || Score > 10) throw new Error(`bad score ${Score}`)
    if (Host in scores) throw new Error(`host ${Host} scored twice`)
    scores[Host] = Score
  }
  if (JSON.stringify(Object.keys(scores).sort()) !== JSON.stringify([...names].sort())) {
    throw new Error(`prioritize reply does not score each input node once`)
  }
  return { passed, failed, unresolvable, scores, filterBody: fr }
}
