// Request limits: body size, JSON depth, concurrency cap and the HTTP/1.1
// timeouts, each set through buildApp's `limits` and checked against a
// listening server where the limit lives in the socket layer.
import { request, type ClientRequest, type IncomingMessage } from 'node:http'
import { connect, type Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { staticNodeSource } from '../../src/cluster/source.js'
import { createMetrics } from '../../src/metrics.js'
import { PolicyStore } from '../../src/policy/store.js'
import { buildApp } from '../../src/server/app.js'
import type { Limits } from '../../src/server/limits.js'
import { jsonDepthExceeds } from '../../src/wire/depth.js'
import { pollUntil } from '../support/poll.js'
import { defaultPolicy } from '../support/app.js'
import { fixtureNodes, fixturePod, fullArgs, namesArgs } from '../support/fixtures.js'

const fx = fixtureNodes()
const nodes = [fx.worker, fx.virtual]
const body = JSON.stringify(fullArgs(fixturePod('e02'), nodes))

function appWith(limits: Partial<Limits>): FastifyInstance {
  const metrics = createMetrics({ processMetrics: false })
  const policy = new PolicyStore(defaultPolicy(), metrics)
  return buildApp({ policy, metrics, nodes: staticNodeSource(nodes), limits })
}

async function listening(t: { teardown(fn: () => unknown): void }, limits: Partial<Limits>) {
  const app = appWith(limits)
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const { port } = app.server.address() as { port: number }
  return { app, port }
}

/** A POST whose body is sent in part: the request stays in flight until `finish`. */
function partialPost(port: number, path: string, text: string) {
  let req: ClientRequest
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      },
      (res: IncomingMessage) => {
        let data = ''
        res.on('data', (c) => (data += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }))
      },
    )
    req.on('error', reject)
    req.write(text.slice(0, 10))
  })
  return { response, finish: () => req.end(text.slice(10)) }
}

/** Resolves with what the server wrote before it closed the socket. */
function rawExchange(port: number, write: (s: Socket) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => write(socket))
    let data = ''
    socket.on('data', (c) => (data += c))
    socket.on('close', () => resolve(data))
    socket.on('error', reject)
  })
}

t.test('the JSON depth check', async (t) => {
  const bytes = (s: string) => Buffer.from(s)
  t.test('counts objects and arrays together', async (t) => {
    t.equal(jsonDepthExceeds(bytes('{"a":[{"b":[]}]}'), 4), false)
    t.equal(jsonDepthExceeds(bytes('{"a":[{"b":[]}]}'), 3), true)
  })
  t.test('ignores brackets inside strings, escaped quotes included', async (t) => {
    t.equal(jsonDepthExceeds(bytes('{"a":"[[[[{{{{\\"[[[["}'), 1), false)
  })
  t.test('leaves unbalanced text to the parser', async (t) => {
    t.equal(jsonDepthExceeds(bytes(']]]]{'), 1), false)
  })
})

t.test('a body nested deeper than maxJsonDepth gets 400 HX_REQUEST_TOO_DEEP', async (t) => {
  const app = appWith({ maxJsonDepth: 20 })
  const args = JSON.parse(body)
  args.Pod.metadata.annotations = { deep: JSON.parse('['.repeat(30) + ']'.repeat(30)) }
  for (const url of ['/filter', '/prioritize']) {
    const res = await app.inject({ method: 'POST', url, payload: JSON.stringify(args) })
    t.equal(res.statusCode, 400, url)
    t.equal(res.json().code, 'HX_REQUEST_TOO_DEEP', url)
  }
  const ok = await app.inject({ method: 'POST', url: '/filter', payload: body })
  t.equal(ok.statusCode, 200)
  t.equal(ok.json().Error, '', 'real requests stay well within the default')
})

t.test('maxJsonDepth 0 turns the depth check off', async (t) => {
  const app = appWith({ maxJsonDepth: 0 })
  const deep = '['.repeat(5000) + ']'.repeat(5000)
  const res = await app.inject({ method: 'POST', url: '/prioritize', payload: deep })
  t.equal(res.statusCode, 400)
  t.equal(res.json().code, 'HX_REQUEST_SHAPE', 'parsed, then refused for its shape')
})

t.test('a body over maxBodyBytes gets 413 HX_REQUEST_TOO_LARGE', async (t) => {
  const small = JSON.stringify(namesArgs(fixturePod('e02'), nodes))
  t.ok(small.length < body.length)
  const app = appWith({ maxBodyBytes: small.length })
  const res = await app.inject({ method: 'POST', url: '/filter', payload: body })
  t.equal(res.statusCode, 413)
  t.equal(res.json().code, 'HX_REQUEST_TOO_LARGE')
  t.equal((await app.inject({ method: 'POST', url: '/filter', payload: small })).statusCode, 200)
})

t.test('over maxConcurrentRequests, extender requests get 503 HX_OVERLOADED', async (t) => {
  const { app, port } = await listening(t, { maxConcurrentRequests: 2 })
  const first = partialPost(port, '/filter', body)
  const second = partialPost(port, '/prioritize', body)
  await pollUntil('two requests in flight', async () => {
    const text = (await app.inject({ url: '/metrics' })).body
    return /hybrid_extender_requests_in_flight 2\b/.test(text) ? true : undefined
  })

  const refused = await fetch(`http://127.0.0.1:${port}/filter`, { method: 'POST', body })
  t.equal(refused.status, 503)
  t.equal(refused.headers.get('retry-after'), '1')
  t.equal(((await refused.json()) as { code: string }).code, 'HX_OVERLOADED')
  const health = await fetch(`http://127.0.0.1:${port}/healthz`)
  t.equal(health.status, 200, 'probes are never refused')

  first.finish()
  second.finish()
  t.equal((await first.response).status, 200, 'requests in flight finish')
  t.equal((await second.response).status, 200)
  const metrics = (await app.inject({ url: '/metrics' })).body
  t.match(metrics, 'hybrid_extender_requests_total{verb="filter",result="overloaded"} 1')
  await pollUntil('the count to drop', async () => {
    const text = (await app.inject({ url: '/metrics' })).body
    return /hybrid_extender_requests_in_flight 0\b/.test(text) ? true : undefined
  })
  const again = await fetch(`http://127.0.0.1:${port}/filter`, { method: 'POST', body })
  t.equal(again.status, 200, 'served again once below the cap')
})

t.test('a request whose headers never end is closed after headerTimeoutMs', async (t) => {
  const { port } = await listening(t, { headerTimeoutMs: 300 })
  const answer = await rawExchange(port, (s) => s.write('POST /filter HTTP/1.1\r\nHost: x\r\n'))
  t.match(answer, /^HTTP\/1.1 408/)
})

t.test('a request whose body never ends is closed after requestTimeoutMs', async (t) => {
  const { port } = await listening(t, { headerTimeoutMs: 300, requestTimeoutMs: 600 })
  const head = 'POST /filter HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"Pod":'
  const answer = await rawExchange(port, (s) => s.write(head))
  t.match(answer, /^HTTP\/1.1 408/)
})

t.test('an idle kept-alive connection is closed after keepAliveTimeoutMs', async (t) => {
  const { port } = await listening(t, { keepAliveTimeoutMs: 300 })
  const length = Buffer.byteLength(body)
  const head = `POST /filter HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n`
  const answer = await rawExchange(port, (s) => s.write(head + body))
  t.match(answer, /^HTTP\/1.1 200/, 'answered, then closed by the server')
})
