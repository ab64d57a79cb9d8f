import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify'
import type { NodeSource } from '../cluster/source.js'
import { ExtenderError } from '../errors.js'
import type { Metrics } from '../metrics.js'
import type { PolicyStore } from '../policy/store.js'
import { decodeExtenderArgs } from '../wire/decode.js'
import {
  filterError,
  filterResult,
  hasNoEscapes,
  serializeFilterResult,
  serializePriorities,
} from '../wire/encode.js'
import { readBody } from './body.js'
import { answer, recordFilter } from './extender.js'
import { capConcurrency, defaultLimits, serverLimitOptions, type Limits } from './limits.js'
import {
  notReadyMessage,
  passFilter,
  passPrioritize,
  waitsForCache,
  type NotReadyMode,
} from './not-ready.js'
import type { HttpsOptions } from './tls.js'
import { registerPolicyRoutes } from './policy-routes.js'

/** Parsed bodies whose text had no escapes (their names need none either). */
const plainBodies = new WeakSet<object>()

/** Default request body limit: 5,000 full Node objects are about 20 MiB. */
export const defaultBodyLimitBytes = defaultLimits.maxBodyBytes

export interface AppOptions {
  policy: PolicyStore
  metrics: Metrics
  /** Node source for names-only requests; without it every name is unknown. */
  nodes?: NodeSource
  /** pino options, or false for no logs. */
  logger?: boolean | Record<string, unknown>
  /** Same as `limits.maxBodyBytes`, which it overrides. */
  bodyLimitBytes?: number
  /** Request limits and timeouts; unset fields take {@link defaultLimits}. */
  limits?: Partial<Limits>
  /** Names-only requests before the cache is ready: `fail` (default) or `pass`. */
  notReadyMode?: NotReadyMode
  /** TLS: HTTP/2 offered with HTTP/1.1 accepted. Without it, plain HTTP/1.1. */
  https?: HttpsOptions
}

type Verb = 'filter' | 'prioritize'

const json = 'application/json; charset=utf-8'

/** Builds the HTTP service: extender verbs, metrics and probes. */
export function buildApp(opts: AppOptions): FastifyInstance {
  // Over TLS the server is HTTP/2 with HTTP/1.1 fallback; fastify's typing
  // of that server differs, but every route here works on both alike.
  const tls = opts.https === undefined ? {} : { http2: true, https: opts.https }
  const limits: Limits = { ...defaultLimits, ...opts.limits }
  if (opts.bodyLimitBytes !== undefined) limits.maxBodyBytes = opts.bodyLimitBytes
  const notReadyMode = opts.notReadyMode ?? 'fail'
  const app = Fastify({
    ...(tls as object),
    logger: opts.logger ?? false,
    // One summary per request at most: fastify's two info lines per request
    // would dominate the log at scheduling rates.
    logController: new LogController({ disableRequestLogging: true }),
    ...serverLimitOptions(limits),
    // A urlPrefix ending in "/" makes kube-scheduler call "//filter".
    routerOptions: { ignoreDuplicateSlashes: true, ignoreTrailingSlash: true },
  })
  const { metrics } = opts
  app.addHook('onRequest', async (req) => {
    started.set(req, process.hrtime.bigint())
  })
  capConcurrency(app, limits.maxConcurrentRequests, metrics, verbOf)

  // Every body is read as JSON, whatever its content type: curl's default
  // form type included. Parse errors become 400s naming the problem.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => {
    const buf = body as Buffer
    try {
      const parsed = readBody(buf, limits.maxJsonDepth)
      if (typeof parsed === 'object' && parsed !== null && hasNoEscapes(buf)) {
        plainBodies.add(parsed)
      }
      done(null, parsed)
    } catch (err) {
      done(err as Error, undefined)
    }
  })

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
    const verb = verbOf(req.url)
    // A client that went away mid-upload made no bad request: counted apart,
    // so error-rate alerts do not fire on dropped connections.
    const aborted = req.raw.destroyed || req.raw.socket?.destroyed === true
    if (verb !== undefined) countRequest(metrics, verb, aborted ? 'aborted' : 'bad_request', req)
    if (err instanceof ExtenderError) {
      const status = err.code === 'HX_REQUEST_TOO_LARGE' ? 413 : 400
      return reply.code(status).send({ code: err.code, message: err.message })
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({ code: 'HX_REQUEST_TOO_LARGE', message: err.message })
    }
    if (err.statusCode !== undefined && err.statusCode < 500) {
      return reply
        .code(err.statusCode)
        .send({ code: err.code ?? 'HX_REQUEST_SHAPE', message: err.message })
    }
    req.log.error({ err }, 'request failed')
    return reply.code(500).send({ code: 'HX_INTERNAL', message: 'internal error' })
  })

  // Warned once: a cache, once ready, stays ready. The metric counts every answer.
  let warned = false
  const notReady = (req: FastifyRequest, verb: Verb) => {
    metrics.notReadyAnswers.inc({ verb, mode: notReadyMode })
    if (warned) return
    warned = true
    req.log.warn({ mode: notReadyMode }, 'names-only request before the cluster cache is ready')
  }

  const filter = (req: FastifyRequest, reply: FastifyReply) => {
    let payload: string | Buffer
    let result = 'ok'
    try {
      const args = decodeExtenderArgs(req.body)
      if (waitsForCache(args, opts.nodes)) {
        notReady(req, 'filter')
        const answered = notReadyMode === 'pass' ? passFilter(args) : filterError(notReadyMessage)
        payload = JSON.stringify(answered)
        countRequest(metrics, 'filter', 'not_ready', req)
        return reply.code(200).type(json).send(payload)
      }
      const a = answer(args, opts.policy.current, opts.nodes)
      const mode = { objects: args.nodes, names: args.nodes === null }
      payload = serializeFilterResult(filterResult(a.decision, mode, a.unknown))
      recordFilter(metrics, a)
      metrics.requestNodes.observe(
        { verb: 'filter' },
        a.decision.verdicts.length + a.unknown.length,
      )
      req.log.debug({ pod: a.decision.pod, class: a.decision.podClass.name }, 'filter decided')
    } catch (err) {
      // kube-scheduler reports a filter Error only when the status is 200.
      result = err instanceof ExtenderError ? 'bad_request' : 'error'
      if (result === 'error') req.log.error({ err }, 'filter failed')
      payload = JSON.stringify(filterError(errorMessage(err)))
    }
    countRequest(metrics, 'filter', result, req)
    return reply.code(200).type(json).send(payload)
  }

  const prioritize = (req: FastifyRequest, reply: FastifyReply) => {
    // No error field in a prioritize reply: bad input gets a 400, which
    // kube-scheduler ignores (the extender then adds no score).
    const args = decodeExtenderArgs(req.body)
    if (waitsForCache(args, opts.nodes)) {
      notReady(req, 'prioritize')
      countRequest(metrics, 'prioritize', 'not_ready', req)
      if (notReadyMode === 'pass') return reply.code(200).type(json).send(passPrioritize(args))
      return reply.code(503).send({ code: 'HX_NOT_READY', message: notReadyMessage })
    }
    const a = answer(args, opts.policy.current, opts.nodes)
    const payload = serializePriorities(a.decision, a.unknown, plainBodies.has(req.body as object))
    metrics.decisions.inc({ verb: 'prioritize', class: a.decision.podClass.name ?? 'none' })
    metrics.requestNodes.observe(
      { verb: 'prioritize' },
      a.decision.verdicts.length + a.unknown.length,
    )
    countRequest(metrics, 'prioritize', 'ok', req)
    return reply.code(200).type(json).send(payload)
  }

  registerPolicyRoutes(app, opts)

  // Any path ending in a verb: kube-scheduler calls {urlPrefix}/{verb}.
  app.post('/*', (req, reply) => {
    const verb = verbOf(req.url)
    if (verb === undefined) {
      return reply
        .code(404)
        .send({ code: 'HX_NOT_FOUND', message: `no extender verb at ${req.url}` })
    }
    return verb === 'filter' ? filter(req, reply) : prioritize(req, reply)
  })

  app.get('/metrics', async (_req, reply) => {
    const text = await metrics.registry.metrics()
    return reply.type(metrics.registry.contentType).send(text)
  })
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (_req, reply) => {
    const ready = opts.nodes?.ready() ?? true
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' })
  })
  return app
}

function verbOf(url: string): Verb | undefined {
  const path = url.split('?')[0] ?? ''
  const last = path
    .split('/')
    .filter((s) => s !== '')
    .pop()
  return last === 'filter' || last === 'prioritize' ? last : undefined
}

function errorMessage(err: unknown): string {
  if (err instanceof ExtenderError) return `${err.code}: ${err.message}`
  return `internal error: ${(err as Error)?.message ?? String(err)}`
}

const started = new WeakMap<FastifyRequest, bigint>()

function countRequest(metrics: Metrics, verb: Verb, result: string, req: FastifyRequest): void {
  metrics.requests.inc({ verb, result })
  const start = started.get(req)
  const seconds = start === undefined ? 0 : Number(process.hrtime.bigint() - start) / 1e9
  metrics.requestSeconds.observe({ verb, result }, seconds)
}
