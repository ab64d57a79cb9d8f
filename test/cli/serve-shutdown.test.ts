// Graceful shutdown of the real process: on SIGTERM it stops accepting,
// finishes what it has started, closes its watches and exits 0.
import { request } from 'node:http'
import { join } from 'node:path'
import t from 'tap'
import { pollUntil } from '../support/poll.js'
import { startServe } from '../support/serve-process.js'
import { StandInApiServer } from '../support/api-server.js'
import { fixtureNodes as clusterNodes, tempDir } from '../support/cluster.js'
import { fixtureNodes, fixturePod, fullArgs } from '../support/fixtures.js'

/** Posts `text` in two parts: the request stays in flight until `finish()`. */
function partialPost(url: string, text: string) {
  const { hostname, port } = new URL(url)
  let finish = () => {}
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        path: '/filter',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      },
      (res) => {
        let body = ''
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('error', reject)
    req.write(text.slice(0, 100))
    finish = () => req.end(text.slice(100))
  })
  return { response, finish: () => finish() }
}

const refused = (url: string) =>
  fetch(`${url}/healthz`).then(
    () => undefined,
    (err: { cause?: { code?: string } }) => (err.cause?.code === 'ECONNREFUSED' ? true : undefined),
  )

t.test('SIGTERM finishes the request in flight, refuses new ones and exits 0', async (t) => {
  const api = new StandInApiServer()
  await api.start()
  for (const node of clusterNodes()) api.apply('nodes', node)
  const { dir, cleanup } = tempDir()
  const kubeconfig = api.writeKubeconfig(join(dir, 'kubeconfig'))
  const served = await startServe(['--kubeconfig', kubeconfig])
  t.teardown(async () => {
    await served.stop()
    await api.stop()
    cleanup()
  })
  await pollUntil('the cache to be ready', async () =>
    (await fetch(`${served.url}/readyz`)).status === 200 ? true : undefined,
  )
  await pollUntil('both watches', () => (api.watchCount() === 2 ? true : undefined))

  const fx = fixtureNodes()
  const body = JSON.stringify(fullArgs(fixturePod('e02'), [fx.worker, fx.gpu1]))
  const inFlight = partialPost(served.url, body)
  await pollUntil('the request to be in flight', async () => {
    const text = await (await fetch(`${served.url}/metrics`)).text()
    return /hybrid_extender_requests_in_flight 1\b/.test(text) ? true : undefined
  })

  const exited = new Promise<number | null>((resolve) => served.child.once('exit', resolve))
  served.child.kill('SIGTERM')
  await pollUntil('new connections to be refused', () => refused(served.url))
  t.equal(served.child.exitCode, null, 'still running while a request is in flight')

  inFlight.finish()
  const answer = await inFlight.response
  t.equal(answer.status, 200, 'the request in flight is answered')
  const reply = JSON.parse(answer.body)
  t.same(
    reply.Nodes.items.map((n: { metadata: { name: string } }) => n.metadata.name),
    ['worker-1'],
  )
  t.equal(await exited, 0, 'exits 0')
  await pollUntil('the watches to close', () => (api.watchCount() === 0 ? true : undefined))
  t.pass('the cache closed its watches')
  t.ok(served.logs.some((l) => l.msg === 'shutting down'))
})
