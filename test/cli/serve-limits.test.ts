import { join } from 'node:path'
import t from 'tap'
import { serveOptions } from '../../src/cli/serve.js'
import { defaultLimits } from '../../src/server/limits.js'
import { StandInApiServer } from '../support/api-server.js'
import { tempDir } from '../support/cluster.js'
import { fixtureNodes, fixturePod, fullArgs, namesArgs } from '../support/fixtures.js'
import { runCli } from '../support/process.js'
import { startServe } from '../support/serve-process.js'

const flags = {
  '--max-body-bytes': 'maxBodyBytes',
  '--max-json-depth': 'maxJsonDepth',
  '--max-concurrent-requests': 'maxConcurrentRequests',
  '--header-timeout-ms': 'headerTimeoutMs',
  '--request-timeout-ms': 'requestTimeoutMs',
  '--keep-alive-timeout-ms': 'keepAliveTimeoutMs',
} as const

t.test('limits default to the documented values and not-ready mode to fail', async (t) => {
  const o = serveOptions([], {})
  t.same(o.limits, defaultLimits)
  t.equal(o.notReadyMode, 'fail')
  t.equal(serveOptions(['--not-ready-mode', 'pass'], {}).notReadyMode, 'pass')
})

t.test('each limit flag sets its limit', async (t) => {
  for (const [flag, key] of Object.entries(flags)) {
    t.equal(serveOptions([flag, '4321'], {}).limits[key], 4321, flag)
  }
})

t.test('bad limit values and modes are usage errors', async (t) => {
  for (const flag of Object.keys(flags)) {
    for (const value of ['', 'ten', '-1', '1.5']) {
      t.throws(() => serveOptions([flag, value], {}), { code: 'HX_USAGE' }, `${flag} "${value}"`)
    }
  }
  t.throws(() => serveOptions(['--max-body-bytes', '0'], {}), { code: 'HX_USAGE' })
  t.throws(() => serveOptions(['--not-ready-mode', 'maybe'], {}), { code: 'HX_USAGE' })
})

t.test('serve --help documents every limit flag and the not-ready mode', async (t) => {
  const { code, stdout } = await runCli(['serve', '--help'])
  t.equal(code, 0)
  for (const flag of [...Object.keys(flags), '--not-ready-mode']) t.match(stdout, flag)
})

t.test('the real process applies the limit flags', async (t) => {
  const served = await startServe(['--max-json-depth', '12', '--max-body-bytes', '100000'])
  t.teardown(() => served.stop())
  const fx = fixtureNodes()
  const args = fullArgs(fixturePod('e02'), [fx.worker])
  const post = (body: string) => fetch(`${served.url}/filter`, { method: 'POST', body })

  const ok = await post(JSON.stringify(args))
  t.equal(ok.status, 200)
  const deep = structuredClone(args) as any
  deep.Pod.metadata.annotations = { x: JSON.parse('['.repeat(12) + ']'.repeat(12)) }
  const tooDeep = await post(JSON.stringify(deep))
  t.equal(tooDeep.status, 400)
  t.equal(((await tooDeep.json()) as { code: string }).code, 'HX_REQUEST_TOO_DEEP')
  const big = structuredClone(args) as any
  big.Pod.metadata.annotations = { x: 'y'.repeat(200_000) }
  const tooLarge = await post(JSON.stringify(big))
  t.equal(tooLarge.status, 413)
  t.equal(((await tooLarge.json()) as { code: string }).code, 'HX_REQUEST_TOO_LARGE')
})

t.test('the real process answers by --not-ready-mode while the API is down', async (t) => {
  const api = new StandInApiServer()
  await api.start()
  await api.down()
  const { dir, cleanup } = tempDir()
  const kubeconfig = api.writeKubeconfig(join(dir, 'kubeconfig'))
  t.teardown(cleanup)
  const fx = fixtureNodes()
  const body = JSON.stringify(namesArgs(fixturePod('e02'), [fx.worker, fx.virtual]))
  for (const mode of ['fail', 'pass']) {
    const served = await startServe(['--kubeconfig', kubeconfig, '--not-ready-mode', mode], {
      env: { KUBECONFIG: '' },
    })
    const res = await fetch(`${served.url}/filter`, { method: 'POST', body })
    const reply = (await res.json()) as { Error: string; NodeNames: string[] | null }
    t.equal(res.status, 200, mode)
    if (mode === 'fail') t.match(reply.Error, /^HX_NOT_READY: /, 'fail: an Error to retry on')
    else t.same(reply.NodeNames, ['worker-1', 'virtual-node-aci-linux'], 'pass: every node')
    t.equal(await served.stop(), 0)
  }
})
