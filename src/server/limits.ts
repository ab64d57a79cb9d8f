import type { FastifyInstance } from 'fastify'
import type { Metrics } from '../metrics.js'

/**
 * What the service accepts and how long it waits. Every field has a serve
 * flag (docs/operations.md); 0 turns a limit off where noted.
 */
export interface Limits {
  /** Largest request body, bytes; larger gets 413 HX_REQUEST_TOO_LARGE. Default 128 MiB. */
  maxBodyBytes: number
  /**
   * Deepest JSON nesting of a body (`{}` is 1); deeper gets 400
   * HX_REQUEST_TOO_DEEP. 0: no check. Default 64.
   */
  maxJsonDepth: number
  /**
   * Extender requests (filter, prioritize) in flight at once, counted from
   * their first byte to their answer; one more gets 503 HX_OVERLOADED.
   * Metrics and probes are never refused. 0: no cap. Default 512.
   */
  maxConcurrentRequests: number
  /** Time to receive a request's headers, milliseconds (HTTP/1.1). Default 10,000. */
  headerTimeoutMs: number
  /** Time to receive a whole request, milliseconds (HTTP/1.1); 0: none. Default 30,000. */
  requestTimeoutMs: number
  /**
   * Idle time before a kept-alive connection is closed, milliseconds (HTTP/1.1
   * keep-alive and HTTP/2 sessions). Longer than the 90 s for which Go's
   * client (kube-scheduler) keeps idle connections, so the client closes
   * first and never sends a request on a connection being closed. Default 120,000.
   */
  keepAliveTimeoutMs: number
}

/** 5,000 full Node objects are about 20 MiB. */
export const defaultLimits: Limits = {
  maxBodyBytes: 128 * 1024 * 1024,
  maxJsonDepth: 64,
  maxConcurrentRequests: 512,
  headerTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 120_000,
}

/** The fastify server options that carry the limits. */
export function serverLimitOptions(limits: Limits) {
  const { requestTimeoutMs, headerTimeoutMs } = limits
  return {
    bodyLimit: limits.maxBodyBytes,
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http2SessionTimeout: limits.keepAliveTimeoutMs,
    // Sockets silent this long close, whatever the protocol: over TLS the
    // HTTP/1.1 header and request timeouts below do not apply.
    connectionTimeout: limits.keepAliveTimeoutMs,
    // Plain HTTP/1.1 only (fastify hands these to http.createServer). Node
    // refuses a header timeout above the request timeout, and checks both
    // every connectionsCheckingInterval (30 s by default): a quarter of the
    // header timeout keeps the limit near what was asked.
    http: {
      headersTimeout:
        requestTimeoutMs > 0 ? Math.min(headerTimeoutMs, requestTimeoutMs) : headerTimeoutMs,
      connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(headerTimeoutMs / 4))),
    },
  }
}

/**
 * Caps extender requests in flight. A request over the cap is answered 503
 * with Retry-After before its body is read. The count drops when the
 * response closes, however it ends (answered, aborted, timed out).
 */
export function capConcurrency(
  app: FastifyInstance,
  max: number,
  metrics: Metrics,
  isVerb: (url: string) => string | undefined,
): void {
  let inFlight = 0
  metrics.requestsInFlight.set(0)
  app.addHook('onRequest', async (req, reply) => {
    const verb = req.method === 'POST' ? isVerb(req.url) : undefined
    if (verb === undefined) return
    if (max > 0 && inFlight >= max) {
      metrics.requests.inc({ verb, result: 'overloaded' })
      const message = `more than ${max} extender requests in flight; retry`
      return reply.code(503).header('retry-after', '1').send({ code: 'HX_OVERLOADED', message })
    }
    inFlight++
    metrics.requestsInFlight.set(inFlight)
    reply.raw.once('close', () => {
      inFlight--
      metrics.requestsInFlight.set(inFlight)
    })
  })
}
