// The do-nothing extender the benchmarks compare against: it parses each
// request body with JSON.parse and answers an empty but valid reply with
// JSON.stringify, and nothing else. Run: tsx bench/baseline-server.ts PORT
import Fastify, { type FastifyInstance } from 'fastify'

/** The do-nothing extender, not yet listening. */
export function buildBaseline(): FastifyInstance {
  const app = Fastify({ bodyLimit: 256 * 1024 * 1024 })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string))
    } catch (err) {
      done(err as Error, undefined)
    }
  })
  app.post('/filter', async (req, reply) => {
    const args = req.body as { NodeNames?: unknown }
    const names = Array.isArray(args.NodeNames)
    const result = {
      Nodes: names ? null : { metadata: {}, items: [] },
      NodeNames: names ? [] : null,
      FailedNodes: {},
      FailedAndUnresolvableNodes: {},
      Error: '',
    }
    return reply.type('application/json').send(JSON.stringify(result))
  })
  app.post('/prioritize', async (_req, reply) =>
    reply.type('application/json').send(JSON.stringify([])),
  )
  return app
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 0)
  buildBaseline()
    .listen({ port, host: '127.0.0.1' })
    .then((address) => process.stdout.write(`${JSON.stringify({ msg: 'listening', address })}\n`))
}
