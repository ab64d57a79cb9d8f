import t from 'tap'
import { testApp } from '../support/app.js'
import { fixtureNodes, fixturePod, fullArgs, namesArgs } from '../support/fixtures.js'

const fx = fixtureNodes()
const pod = fixturePod('e02')
const post = (url: string, payload: unknown, headers: Record<string, string> = {}) => {
  const { app } = testApp({ nodes: [fx.worker, fx.virtual] })
  return app.inject({
    method: 'POST',
    url,
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    headers: { 'content-type': 'application/json', ...headers },
  })
}

t.test('malformed JSON gets a 400 naming the problem, on both verbs', async (t) => {
  for (const url of ['/filter', '/prioritize']) {
    for (const body of ['{bad', '{"Pod": {}', '[1,]', '\u0000']) {
      const res = await post(url, body)
      t.equal(res.statusCode, 400, `${url} ${JSON.stringify(body)}`)
      t.equal(res.json().code, 'HX_REQUEST_JSON')
      t.match(res.json().message, /not valid JSON: .+/)
    }
  }
})

t.test('a filter request of the wrong shape gets 200 with Error set', async (t) => {
  const bodies = [
    {},
    { Nodes: { items: [] } },
    { Pod: {}, Nodes: { items: 'x' } },
    { Pod: {} },
    'null',
    '"text"',
  ]
  for (const body of bodies) {
    const res = await post('/filter', body)
    t.equal(res.statusCode, 200, JSON.stringify(body))
    const reply = res.json()
    t.match(reply.Error, /^HX_REQUEST_SHAPE: /)
    t.same([reply.Nodes, reply.NodeNames, reply.FailedNodes], [null, null, {}])
  }
})

t.test('an empty body is not JSON, on both verbs', async (t) => {
  for (const url of ['/filter', '/prioritize']) {
    const res = await post(url, '')
    t.equal(res.statusCode, 400, url)
    t.equal(res.json().code, 'HX_REQUEST_JSON', url)
  }
})

t.test('more candidates than one request may hold are refused with a code', async (t) => {
  const names = Array.from({ length: 20_001 }, (_, i) => `n-${i}`)
  const f = await post('/filter', { Pod: pod, NodeNames: names })
  t.match(f.json().Error, /^HX_REQUEST_TOO_LARGE: request names 20001 nodes/)
  t.equal((await post('/prioritize', { Pod: pod, NodeNames: names })).statusCode, 413)
  // Many tiny node objects weigh on the decoder's budget too.
  const tiny = Array.from({ length: 60_000 }, (_, i) => ({ metadata: { name: `n${i}` } }))
  const objects = await post('/filter', fullArgs(pod, tiny))
  t.equal(objects.statusCode, 413)
})

t.test('a prioritize request of the wrong shape gets a 400', async (t) => {
  for (const body of [{}, { Pod: {}, Nodes: { items: 'x' } }, { Pod: {} }, 'null']) {
    const res = await post('/prioritize', body)
    t.equal(res.statusCode, 400, JSON.stringify(body))
    t.equal(res.json().code, 'HX_REQUEST_SHAPE')
  }
})

t.test('objects with missing optional parts and unknown fields are handled', async (t) => {
  const nodes = [
    { metadata: { name: 'bare' } },
    {
      metadata: { name: 'numbers', labels: null },
      status: { allocatable: { cpu: 4, 'nvidia.com/gpu': 2 } },
    },
    {
      metadata: { name: 'extra', futureField: { x: 1 } },
      spec: { taints: null },
      status: null,
      other: [1],
    },
  ]
  const bareGpuPod = {
    metadata: { name: 'p', unknown: true },
    spec: { containers: [{ resources: { limits: { 'nvidia.com/gpu': 1 } } }], surprise: 'x' },
  }
  for (const [label, p] of [
    ['no spec', { metadata: {} }],
    ['GPU, numbers', bareGpuPod],
  ] as const) {
    const f = await post('/filter', fullArgs(p, nodes))
    t.equal(f.statusCode, 200, label)
    t.equal(f.json().Error, '', label)
    const pr = await post('/prioritize', fullArgs(p, nodes))
    t.equal(pr.statusCode, 200, label)
  }
  const gpu = (await post('/filter', fullArgs(bareGpuPod, nodes))).json()
  t.same(
    gpu.Nodes.items.map((n: any) => n.metadata.name),
    ['numbers'],
  )
})

t.test('the filter reply echoes accepted node objects unchanged', async (t) => {
  const res = await post('/filter', fullArgs(pod, [fx.worker, fx.virtual]))
  t.same(res.json().Nodes.items, [fx.worker, fx.virtual])
  t.equal(res.json().NodeNames, null)
})

t.test('names-only requests get names back, and unknown names are failed as unknown', async (t) => {
  const body = { Pod: pod, Nodes: null, NodeNames: ['worker-1', 'ghost', 'virtual-node-aci-linux'] }
  const res = await post('/filter', body)
  const reply = res.json()
  t.same(reply.Nodes, null)
  t.same(reply.NodeNames, ['worker-1', 'virtual-node-aci-linux'])
  t.match(reply.FailedNodes.ghost, /unknown to the extender/)
  const scores = (await post('/prioritize', body)).json()
  t.same(scores.map((s: any) => s.Host).sort(), ['ghost', 'virtual-node-aci-linux', 'worker-1'])
  t.equal(scores.find((s: any) => s.Host === 'ghost').Score, 0)
})

t.test('without a node source every name is unknown to the extender', async (t) => {
  const { app } = testApp()
  const res = await app.inject({
    method: 'POST',
    url: '/filter',
    payload: namesArgs(pod, [fx.worker]),
  })
  t.same(res.json().NodeNames, [])
  t.same(Object.keys(res.json().FailedNodes), ['worker-1'])
})

t.test('never returns a node that was not sent', async (t) => {
  const res = await post('/filter', { Pod: pod, NodeNames: ['worker-1'] })
  t.same(res.json().NodeNames, ['worker-1'])
  t.same(res.json().FailedNodes, {})
})

t.test('lower-case and mixed-case keys are accepted', async (t) => {
  const res = await post('/filter', { pod, nodes: { items: [fx.worker] }, nodenames: null })
  t.same(res.json().Nodes.items.length, 1)
  const res2 = await post('/prioritize', { POD: pod, NODENAMES: ['worker-1'] })
  t.same(res2.json(), [{ Host: 'worker-1', Score: 10 }])
})

t.test('doubled slashes and path prefixes reach the verbs', async (t) => {
  for (const url of ['//filter', '/scheduler/filter', '/scheduler//filter', '/filter/']) {
    const res = await post(url, fullArgs(pod, [fx.worker]))
    t.equal(res.statusCode, 200, url)
    t.equal(res.json().Nodes.items.length, 1, url)
  }
  const p = await post('//prioritize', fullArgs(pod, [fx.worker]))
  t.same(p.json(), [{ Host: 'worker-1', Score: 10 }])
  t.equal((await post('/bind', {})).statusCode, 404)
})

t.test('any content type is read as JSON, as curl sends form types by default', async (t) => {
  const res = await post('/filter', fullArgs(pod, [fx.worker]), {
    'content-type': 'application/x-www-form-urlencoded',
  })
  t.equal(res.json().Nodes.items.length, 1)
})

t.test('a 64 MiB request body is accepted', async (t) => {
  const padding = 'x'.repeat(64 * 1024)
  const nodes = Array.from({ length: 1030 }, (_, i) => ({
    metadata: { name: `n-${i}`, annotations: { pad: padding } },
  }))
  const payload = JSON.stringify(fullArgs(pod, nodes))
  t.ok(payload.length >= 64 * 1024 * 1024, `${payload.length} bytes`)
  const res = await post('/filter', payload)
  t.equal(res.statusCode, 200)
  t.equal(res.json().Nodes.items.length, 1030)
})

t.test('a body over the configured limit gets a 413 with a code', async (t) => {
  const { buildApp } = await import('../../src/server/app.js')
  const { createMetrics } = await import('../../src/metrics.js')
  const { PolicyStore } = await import('../../src/policy/store.js')
  const { defaultPolicy } = await import('../support/app.js')
  const metrics = createMetrics({ processMetrics: false })
  const app = buildApp({ policy: new PolicyStore(defaultPolicy()), metrics, bodyLimitBytes: 1024 })
  const res = await app.inject({ method: 'POST', url: '/filter', payload: 'x'.repeat(2048) })
  t.equal(res.statusCode, 413)
  t.equal(res.json().code, 'HX_REQUEST_TOO_LARGE')
})

t.test('probes answer', async (t) => {
  const { app } = testApp()
  t.equal((await app.inject('/healthz')).statusCode, 200)
  t.equal((await app.inject('/readyz')).statusCode, 200)
})

t.test('metrics count requests, decisions, verdicts, rejections and the policy', async (t) => {
  const { app } = testApp({ nodes: [fx.worker, fx.virtual, fx.gpu1] })
  await app.inject({
    method: 'POST',
    url: '/filter',
    payload: fullArgs(pod, [fx.worker, fx.virtual, fx.gpu1]),
  })
  await app.inject({ method: 'POST', url: '/prioritize', payload: namesArgs(pod, [fx.worker]) })
  await app.inject({ method: 'POST', url: '/filter', payload: '{' })
  await app.inject({ method: 'POST', url: '/filter', payload: { Pod: pod, NodeNames: ['ghost'] } })
  const text = (await app.inject('/metrics')).body
  t.match(text, /hybrid_extender_requests_total\{verb="filter",result="ok"\} 2/)
  t.match(text, /hybrid_extender_requests_total\{verb="filter",result="bad_request"\} 1/)
  t.match(text, /hybrid_extender_requests_total\{verb="prioritize",result="ok"\} 1/)
  t.match(text, /hybrid_extender_request_duration_seconds_count\{verb="filter",result="ok"\} 2/)
  t.match(text, /hybrid_extender_decisions_total\{verb="filter",class="steady"\} 2/)
  t.match(
    text,
    /hybrid_extender_node_verdicts_total\{class="steady",pool="dedicated",outcome="pass"\} 1/,
  )
  t.match(
    text,
    /hybrid_extender_node_verdicts_total\{class="steady",pool="accelerator",outcome="unresolvable"\} 1/,
  )
  t.match(text, /hybrid_extender_node_rejections_total\{reason="pool-not-allowed"\} 1/)
  t.match(text, /hybrid_extender_node_rejections_total\{reason="unknown-node"\} 1/)
  t.match(text, /hybrid_extender_policy_info\{name="default",hash="[0-9a-f]{64}"\} 1/)
})

t.test('large full-object bodies echo each accepted node as its original bytes', async (t) => {
  const { syntheticNodes } = await import('../support/synthetic.js')
  const nodes = syntheticNodes(60)
  const texts = nodes.map((n) => JSON.stringify(n, null, 1))
  const payload = `{"Pod": ${JSON.stringify(pod)},\n "Nodes": {"metadata": {}, "items": [${texts.join(',\n')}]}, "NodeNames": null}`
  t.ok(payload.length > 64 * 1024, 'big enough for the fast decoder')
  const res = await post('/filter', payload)
  const reply = res.json()
  t.equal(reply.Error, '')
  const passed = reply.Nodes.items.map((n: any) => n.metadata.name)
  t.ok(passed.length > 0 && passed.length < 60, `${passed.length} passed`)
  for (const name of passed) {
    const text = texts[Number(name.slice(5))]!
    t.ok(res.body.includes(text), `${name} echoed byte for byte`)
  }
  t.same(
    reply.Nodes.items,
    nodes.filter((n: any) => passed.includes(n.metadata.name)),
  )
})

t.test(
  'large bodies that are broken or of the wrong shape get the same answers as small ones',
  async (t) => {
    const big = 'x'.repeat(70 * 1024)
    const broken = await post(
      '/filter',
      `{"Pod":{},"Nodes":{"items":[{"metadata":{"name":"${big}"}}]}`,
    )
    t.equal(broken.statusCode, 400)
    t.equal(broken.json().code, 'HX_REQUEST_JSON')
    const nameless = await post(
      '/filter',
      `{"Pod":{},"Nodes":{"items":[{"metadata":{"nam":"${big}"}}]}}`,
    )
    t.match(nameless.json().Error, /Nodes\.items\[0\]\.metadata\.name/)
    const noPod = await post('/prioritize', `{"Nodes":{"items":[{"metadata":{"name":"${big}"}}]}}`)
    t.equal(noPod.statusCode, 400)
    t.equal(noPod.json().code, 'HX_REQUEST_SHAPE')
  },
)

t.test('a client that drops mid-upload is counted as aborted, not as a bad request', async (t) => {
  const { connect } = await import('node:net')
  const { app } = testApp()
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const port = Number(new URL(address).port)
  const socket = connect(port, '127.0.0.1')
  await new Promise((resolve) => socket.once('connect', resolve))
  socket.write(
    'POST /filter HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"Pod":',
  )
  await new Promise((resolve) => setTimeout(resolve, 100))
  socket.destroy()
  let text = ''
  for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
    text = (await app.inject('/metrics')).body
    if (/result="aborted"/.test(text)) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  t.match(text, /hybrid_extender_requests_total\{verb="filter",result="aborted"\} 1/)
  t.notMatch(text, /result="bad_request"/)
})

t.test('bodies that would fill the heap are refused with 413 before they are built', async (t) => {
  // Names-only: parsed in full, so bounded in size (5,000 names are ~100 KiB).
  const labels = Object.fromEntries(Array.from({ length: 1_000_000 }, (_, i) => [`k${i}`, 'v']))
  const names = await post('/filter', {
    Pod: { metadata: { name: 'p', labels } },
    NodeNames: ['worker-1'],
  })
  t.equal(names.statusCode, 413)
  t.equal(names.json().code, 'HX_REQUEST_TOO_LARGE')
  // Node objects: only what the policy reads is built, and that is budgeted.
  const heavy = { metadata: { name: 'n', labels } }
  const objects = await post('/filter', fullArgs(pod, [heavy]))
  t.equal(objects.statusCode, 413)
  t.equal(objects.json().code, 'HX_REQUEST_TOO_LARGE')
  // The same size in a field nobody reads is fine.
  const quiet = { metadata: { name: 'n', annotations: { big: 'x'.repeat(16 * 2 ** 20) } } }
  t.equal((await post('/filter', fullArgs(pod, [quiet]))).json().Nodes.items.length, 1)
})
