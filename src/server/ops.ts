import type { FastifyInstance } from 'fastify'
import { buildApp, type AppOptions } from './app.js'

/** Paths served on the operations port: metrics and the probes. */
export const opsPaths = ['/metrics', '/healthz', '/readyz'] as const

/**
 * The plain-HTTP operations listener behind `--metrics-port`: the same app,
 * answering only the metrics and probe paths, so kubelet probes and
 * Prometheus need no client certificate while the verbs stay behind TLS.
 */
export function buildOpsApp(opts: Omit<AppOptions, 'https'>): FastifyInstance {
  const app = buildApp(opts)
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0] ?? ''
    if (req.method === 'GET' && (opsPaths as readonly string[]).includes(path)) return
    const message = `not served on this port: ${path}`
    return reply.code(404).send({ code: 'HX_NOT_FOUND', message })
  })
  return app
}
