import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serveOptions, defaultPolicyPath } from '../../src/cli/serve.js'
import { fixtureNodes, fixturePod, fullArgs } from '../support/fixtures.js'
import { runCli } from '../support/process.js'
import { startServe } from '../support/serve-process.js'

t.test('serve options default to the shipped policy, port 8888 and all addresses', async (t) => {
  const o = serveOptions([], {})
  t.same([o.policyPath, o.port, o.host], [defaultPolicyPath, 8888, '0.0.0.0'])
  t.equal(serveOptions([], { PORT: '9100' }).port, 9100)
  t.equal(serveOptions(['--port', '9000'], { PORT: '9100' }).port, 9000)
  t.equal(serveOptions(['--policy', 'p.yaml', '--host', '127.0.0.1']).policyPath, 'p.yaml')
})

t.test('bad serve flags are usage errors', async (t) => {
  for (const argv of [
    ['--port', 'http'],
    ['--port', '70000'],
    ['--nope'],
    ['--log-level', 'loud'],
  ]) {
    t.throws(() => serveOptions(argv, {}), { code: 'HX_USAGE' }, argv.join(' '))
  }
})

t.test('the real process answers filter and prioritize on its port', async (t) => {
  const served = await startServe([])
  t.teardown(() => served.stop())
  t.ok(
    served.logs.some((l) => l.msg === 'policy loaded'),
    'logs the policy it loaded',
  )
  const fx = fixtureNodes()
  const body = JSON.stringify(
    fullArgs(fixturePod('e06'), [fx.worker, fx.gpu1, fx.gpu8, fx.virtual]),
  )
  const headers = { 'content-type': 'application/json' }
  const filter = (await (
    await fetch(`${served.url}/filter`, { method: 'POST', body, headers })
  ).json()) as any
  t.same(
    filter.Nodes.items.map((n: any) => n.metadata.name),
    ['gpu-node-small-1', 'gpu-node-a100-001'],
  )
  t.same(Object.keys(filter.FailedAndUnresolvableNodes).sort(), [
    'virtual-node-aci-linux',
    'worker-1',
  ])
  const scores = (await (
    await fetch(`${served.url}//prioritize`, { method: 'POST', body, headers })
  ).json()) as any
  const best = scores.reduce((a: any, b: any) => (b.Score > a.Score ? b : a))
  t.equal(best.Host, 'gpu-node-small-1')
  const metrics = await (await fetch(`${served.url}/metrics`)).text()
  t.match(metrics, /hybrid_extender_process_resident_memory_bytes \d+/)
  t.match(metrics, /hybrid_extender_requests_total\{verb="filter",result="ok"\} 1/)
  t.equal(await served.stop(), 0, 'exits cleanly on SIGTERM')
})

t.test('the process refuses to start on an invalid policy and says where', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hx-serve-'))
  const file = join(dir, 'bad.yaml')
  writeFileSync(
    file,
    'apiVersion: hybrid-scheduler.io/v1alpha1\nkind: PlacementPolicy\npools: []\nclasses: []\nextra: 1\n',
  )
  const r = await runCli(['serve', '--policy', file, '--port', '0'])
  t.equal(r.code, 1)
  t.match(r.stderr, new RegExp(`${file}:3:\\d+: /pools`))
  t.match(r.stderr, /\/extra: unknown key/)
})

t.test('unknown commands and flags exit 2 with usage', async (t) => {
  t.equal((await runCli(['frobnicate'])).code, 2)
  t.equal((await runCli(['serve', '--port', 'x'])).code, 2)
})
