import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import https from 'node:https'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { serveOptions } from '../../src/cli/serve.js'
import { makeCa, makeLeaf, type CertPair } from '../support/certs.js'
import { root } from '../support/kustomize.js'
import { startServe } from '../support/serve-process.js'

t.test('serve options', async (t) => {
  t.test('take a certificate, its key and a client CA', async (t) => {
    const o = serveOptions(
      ['--tls-cert-file', 'c.pem', '--tls-key-file', 'k.pem', '--client-ca-file', 'ca.pem'],
      {},
    )
    t.same(o.tls, { certFile: 'c.pem', keyFile: 'k.pem', clientCaFile: 'ca.pem' })
  })

  t.test('serve plain HTTP without TLS flags', async (t) => {
    t.equal(serveOptions([], {}).tls, undefined)
    t.equal(serveOptions([], {}).metricsPort, undefined)
  })

  const usage: [string, string[]][] = [
    ['a certificate without its key', ['--tls-cert-file', 'c.pem']],
    ['a key without its certificate', ['--tls-key-file', 'k.pem']],
    ['a client CA without a certificate', ['--client-ca-file', 'ca.pem']],
    ['a metrics port equal to the port', ['--port', '9000', '--metrics-port', '9000']],
    ['a metrics port that is not a number', ['--metrics-port', 'metrics']],
  ]
  for (const [name, argv] of usage) {
    t.test(`refuse ${name}`, async (t) => {
      t.throws(() => serveOptions(argv, {}), { code: 'HX_USAGE' })
    })
  }
})

t.test('serve with --client-ca-file and --metrics-port', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hx-serve-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const serverCa = makeCa(dir, 'server-ca')
  const clientCa = makeCa(dir, 'client-ca')
  const server = makeLeaf(dir, serverCa, 'server', 'server')
  const client = makeLeaf(dir, clientCa, 'client', 'client')

  const serve = await startServe([
    '--tls-cert-file',
    server.cert,
    '--tls-key-file',
    server.key,
    '--client-ca-file',
    clientCa.cert,
    '--metrics-port',
    '0',
  ])
  t.teardown(serve.stop)
  const port = Number(new URL(serve.url).port)

  const body = JSON.stringify({
    Pod: { metadata: { name: 'p', namespace: 'n' }, spec: {} },
    Nodes: { items: [] },
  })
  function filter(pair?: CertPair): Promise<number> {
    const credentials =
      pair === undefined ? {} : { cert: readFileSync(pair.cert), key: readFileSync(pair.key) }
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          path: '/filter',
          method: 'POST',
          agent: false,
          ca: readFileSync(serverCa.cert),
          headers: { 'content-type': 'application/json' },
          ...credentials,
        },
        (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode ?? 0))
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  }

  t.test('listens with TLS on the extender port', async (t) => {
    t.match(serve.url, /^https:\/\/127\.0\.0\.1:\d+$/)
  })

  t.test('answers filter for a client with a certificate the client CA signed', async (t) => {
    t.equal(await filter(client), 200)
  })

  t.test('refuses a client without a certificate', async (t) => {
    await t.rejects(filter())
  })

  t.test('serves metrics and probes over plain HTTP on the metrics port', async (t) => {
    t.match(serve.opsUrl ?? '', /^http:\/\//)
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      t.equal((await fetch(`${serve.opsUrl}${path}`)).status, 200, path)
    }
  })

  t.test('does not answer extender verbs on the metrics port', async (t) => {
    const res = await fetch(`${serve.opsUrl}/filter`, { method: 'POST', body })
    t.equal(res.status, 404)
  })

  t.test('stops cleanly on SIGTERM', async (t) => {
    t.equal(await serve.stop(), 0)
  })
})

t.test('serve exits with an error when the metrics port is taken', async (t) => {
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => blocker.close())
  const taken = (blocker.address() as AddressInfo).port
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  const argv = ['bin/hybrid-extender.js', 'serve', '--host', '127.0.0.1', '--port', '0']
  const child = spawn(process.execPath, [...argv, '--metrics-port', String(taken)], {
    cwd: root,
    env,
    stdio: 'ignore',
  })
  const kill = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  clearTimeout(kill)
  t.equal(code, 1, 'exits 1 instead of serving without its metrics port')
})
