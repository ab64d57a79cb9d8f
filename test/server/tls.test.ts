import { X509Certificate } from 'node:crypto'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http2 from 'node:http2'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TLSSocket } from 'node:tls'
import t from 'tap'
import { defaultPolicyPath } from '../../src/cli/serve.js'
import { createMetrics } from '../../src/metrics.js'
import { loadPolicyFile } from '../../src/policy/load.js'
import { PolicyStore } from '../../src/policy/store.js'
import { buildApp } from '../../src/server/app.js'
import {
  httpsOptions,
  readSecureContext,
  reloadOnChange,
  type SecureContextTarget,
  type TlsFiles,
} from '../../src/server/tls.js'
import { makeCa, makeLeaf, type CertPair } from '../support/certs.js'
import { pollUntil } from '../support/poll.js'
import { fixtureNodes, fixturePod, fullArgs } from '../support/fixtures.js'

const dir = mkdtempSync(join(tmpdir(), 'hx-tls-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

const serverCa = makeCa(dir, 'server-ca')
const clientCa = makeCa(dir, 'client-ca')
const otherCa = makeCa(dir, 'other-ca')
const firstServer = makeLeaf(dir, serverCa, 'server-1', 'server')
const secondServer = makeLeaf(dir, serverCa, 'server-2', 'server')
const client = makeLeaf(dir, clientCa, 'client', 'client')
const strangerClient = makeLeaf(dir, otherCa, 'stranger', 'client')

const read = (path: string) => readFileSync(path)
const serialOf = (pair: CertPair) => new X509Certificate(read(pair.cert)).serialNumber

/** The files a server reads: copies of the first server pair, so a test can rotate them. */
function servingFiles(name: string, clientCaFile?: string): TlsFiles {
  const files = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) }
  copyFileSync(firstServer.cert, files.certFile)
  copyFileSync(firstServer.key, files.keyFile)
  return clientCaFile === undefined ? files : { ...files, clientCaFile }
}

async function startServer(files: TlsFiles) {
  const metrics = createMetrics({ processMetrics: false })
  const policy = new PolicyStore(loadPolicyFile(defaultPolicyPath), metrics)
  const app = buildApp({ policy, metrics, https: httpsOptions(files) })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const port = (app.server.address() as AddressInfo).port
  return { server: app.server as unknown as SecureContextTarget, port }
}

interface Answer {
  status: number
  protocol: string
  serial: string
}

/**
 * GET /healthz over HTTPS/1.1, trusting the server CA, presenting `clientPair`
 * if given. Offers no ALPN protocol unless asked, as a plain HTTPS client does.
 */
function getOverHttp1(port: number, clientPair?: CertPair, alpn?: string[]): Promise<Answer> {
  const credentials =
    clientPair === undefined ? {} : { cert: read(clientPair.cert), key: read(clientPair.key) }
  const offer = alpn === undefined ? {} : { ALPNProtocols: alpn }
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/healthz',
        agent: false,
        ca: read(serverCa.cert),
        ...credentials,
        ...offer,
      },
      (res) => {
        const socket = res.socket as TLSSocket
        const answer = {
          status: res.statusCode ?? 0,
          protocol: socket.alpnProtocol || 'none',
          serial: socket.getPeerCertificate().serialNumber,
        }
        res.resume()
        res.on('end', () => resolve(answer))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

/** GET /healthz over HTTP/2 with a client certificate. */
function getOverHttp2(port: number, clientPair: CertPair): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, {
      ca: read(serverCa.cert),
      cert: read(clientPair.cert),
      key: read(clientPair.key),
    })
    session.on('error', reject)
    const req = session.request({ ':path': '/healthz' })
    req.on('response', (headers) => {
      const socket = session.socket as TLSSocket
      const answer = {
        status: Number(headers[':status']),
        protocol: socket.alpnProtocol || 'none',
        serial: socket.getPeerCertificate().serialNumber,
      }
      req.resume()
      req.on('end', () => {
        session.close()
        resolve(answer)
      })
    })
    req.on('error', reject)
    req.end()
  })
}

t.test('client certificates are required only when a client CA is given', async (t) => {
  const plain = httpsOptions({ certFile: firstServer.cert, keyFile: firstServer.key })
  t.equal(plain.requestCert, false)
  t.equal(plain.rejectUnauthorized, false)
  t.equal(plain.ca, undefined)
  const mutual = httpsOptions({
    certFile: firstServer.cert,
    keyFile: firstServer.key,
    clientCaFile: clientCa.cert,
  })
  t.equal(mutual.requestCert, true)
  t.equal(mutual.rejectUnauthorized, true)
  t.ok(mutual.ca)
  t.equal(mutual.allowHTTP1, true, 'HTTP/1.1 stays accepted beside HTTP/2')
})

t.test('a missing certificate file is reported as HX_TLS_FILE', async (t) => {
  const files = { certFile: join(dir, 'absent.crt'), keyFile: firstServer.key }
  t.throws(() => readSecureContext(files), { name: 'ExtenderError', code: 'HX_TLS_FILE' })
})

t.test('with a client CA, the server', async (t) => {
  const { port } = await startServer(servingFiles('mutual', clientCa.cert))

  t.test('answers a client whose certificate the client CA signed', async (t) => {
    const answer = await getOverHttp1(port, client)
    t.equal(answer.status, 200)
    t.equal(answer.serial, serialOf(firstServer))
  })

  t.test('refuses a client that presents no certificate', async (t) => {
    await t.rejects(getOverHttp1(port))
  })

  t.test('refuses a client whose certificate another CA signed', async (t) => {
    await t.rejects(getOverHttp1(port, strangerClient))
  })

  t.test('offers HTTP/2 and still accepts HTTP/1.1', async (t) => {
    const overHttp2 = await getOverHttp2(port, client)
    t.equal(overHttp2.status, 200)
    t.equal(overHttp2.protocol, 'h2')
    const overHttp1 = await getOverHttp1(port, client, ['http/1.1'])
    t.equal(overHttp1.status, 200)
    t.equal(overHttp1.protocol, 'http/1.1')
  })
})

t.test('without a client CA, a client needs no certificate', async (t) => {
  const { port } = await startServer(servingFiles('server-only'))
  const answer = await getOverHttp1(port)
  t.equal(answer.status, 200)
})

t.test('a rotated certificate is served without a restart', async (t) => {
  const files = servingFiles('rotating', clientCa.cert)
  const { server, port } = await startServer(files)
  let reloads = 0
  const stop = reloadOnChange(server, files, { reloaded: () => reloads++, failed: () => {} }, 50)
  t.teardown(stop)
  t.equal((await getOverHttp1(port, client)).serial, serialOf(firstServer))

  // Key first, then certificate: the moment in between is a mismatched pair.
  copyFileSync(secondServer.key, files.keyFile)
  copyFileSync(secondServer.cert, files.certFile)
  const serial = await pollUntil('the new certificate to be served', async () => {
    const { serial } = await getOverHttp1(port, client)
    return serial === serialOf(secondServer) ? serial : undefined
  })
  t.equal(serial, serialOf(secondServer))
  t.ok(reloads >= 1, 'the reload was reported')
})

t.test(
  'a certificate that does not match its key is reported and the previous one kept',
  async (t) => {
    const files = servingFiles('mismatched')
    const { server, port } = await startServer(files)
    const failures: unknown[] = []
    const stop = reloadOnChange(
      server,
      files,
      { reloaded: () => {}, failed: (err) => failures.push(err) },
      50,
    )
    t.teardown(stop)

    copyFileSync(secondServer.cert, files.certFile)
    await pollUntil('the failed reload to be reported', () =>
      failures.length > 0 ? true : undefined,
    )
    const answer = await getOverHttp1(port)
    t.equal(answer.status, 200)
    t.equal(answer.serial, serialOf(firstServer), 'the previous certificate still serves')
  },
)

t.test('over HTTP/2 the concurrency cap counts each stream out when it closes', async (t) => {
  const metrics = createMetrics({ processMetrics: false })
  const policy = new PolicyStore(loadPolicyFile(defaultPolicyPath), metrics)
  const files = servingFiles('capped')
  const app = buildApp({
    policy,
    metrics,
    https: httpsOptions(files),
    limits: { maxConcurrentRequests: 1 },
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const port = (app.server.address() as AddressInfo).port
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca: read(serverCa.cert) })
  t.teardown(() => session.close())
  const post = () =>
    new Promise<number>((resolve, reject) => {
      // As kube-scheduler sends it: with a content type.
      const json = { 'content-type': 'application/json' }
      const req = session.request({ ':method': 'POST', ':path': '/prioritize', ...json })
      req.on('response', (headers) => {
        req.resume()
        req.on('end', () => resolve(Number(headers[':status'])))
      })
      req.on('error', reject)
      req.end(JSON.stringify(fullArgs(fixturePod('e02'), [fixtureNodes().worker])))
    })
  const statuses = []
  for (let i = 0; i < 3; i++) statuses.push(await post())
  t.same(statuses, [200, 200, 200], 'one at a time, each within the cap of 1')
  await pollUntil('the count to drop', async () =>
    /hybrid_extender_requests_in_flight 0\b/.test(await metrics.registry.metrics())
      ? true
      : undefined,
  )
})
