import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ClusterCache } from '../cluster/cache.js'
import { clusterConnection } from '../cluster/kubeconfig.js'
import { ExtenderError } from '../errors.js'
import { createMetrics } from '../metrics.js'
import { loadPolicyFile } from '../policy/load.js'
import { watchPolicy } from '../policy/reload.js'
import { PolicyStore } from '../policy/store.js'
import { buildApp } from '../server/app.js'
import { defaultLimits, type Limits } from '../server/limits.js'
import { notReadyModes, type NotReadyMode } from '../server/not-ready.js'
import { buildOpsApp } from '../server/ops.js'
import {
  httpsOptions,
  reloadOnChange,
  type SecureContextTarget,
  type TlsFiles,
} from '../server/tls.js'
import type { Io } from './main.js'

/**
 * The policy shipped with the package, used when `--policy` is not given.
 * Found from src/cli/ and dist/cli/ alike: both sit two levels below the root.
 */
export const defaultPolicyPath = fileURLToPath(
  new URL('../../policies/default.yaml', import.meta.url),
)

const help = `usage: hybrid-extender serve [options]

  --policy FILE   placement policy (default: the shipped policies/default.yaml);
                  reloaded when it changes and on SIGHUP, a bad version is refused
  --port N        port to listen on (default: $PORT, else 8888)
  --host HOST     address to listen on (default: 0.0.0.0)
  --log-level L   fatal, error, warn, info, debug or trace (default: info)
  --tls-cert-file FILE   serve HTTPS (HTTP/2 and HTTP/1.1) with this PEM certificate;
                         reloaded when the file changes
  --tls-key-file FILE    the certificate's PEM private key (required with the certificate)
  --client-ca-file FILE  require client certificates signed by a CA in this PEM bundle
  --metrics-port N       also serve /metrics, /healthz and /readyz over plain HTTP on
                         this port (for probes and Prometheus when the main port is TLS)
  --kubeconfig F  watch nodes and pods through this kubeconfig (default: $KUBECONFIG,
                  else the service account when in a cluster, else no cache)
  --not-ready-mode M   names-only requests before the cache has listed the cluster:
                       fail (filter answers Error, kube-scheduler retries the pod) or
                       pass (every node passes, equal scores) (default: fail)

limits (docs/operations.md; 0 turns off those marked *):
  --max-body-bytes N          largest request body (default: 134217728, 128 MiB)
  --max-json-depth N *        deepest JSON nesting of a request (default: 64)
  --max-concurrent-requests N *  filter/prioritize requests in flight; more get
                              HTTP 503 HX_OVERLOADED (default: 512)
  --header-timeout-ms N       time to receive request headers (default: 10000)
  --request-timeout-ms N *    time to receive a whole request (default: 30000)
  --keep-alive-timeout-ms N   idle kept-alive connections close after this
                              (default: 120000)
`

/** Parses `serve` flags. Exported for tests. */
export function serveOptions(argv: string[], env: NodeJS.ProcessEnv = process.env) {
  let values
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        policy: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string', default: '0.0.0.0' },
        'log-level': { type: 'string', default: 'info' },
        'tls-cert-file': { type: 'string' },
        'tls-key-file': { type: 'string' },
        'client-ca-file': { type: 'string' },
        'metrics-port': { type: 'string' },
        kubeconfig: { type: 'string' },
        'not-ready-mode': { type: 'string', default: 'fail' },
        'max-body-bytes': { type: 'string' },
        'max-json-depth': { type: 'string' },
        'max-concurrent-requests': { type: 'string' },
        'header-timeout-ms': { type: 'string' },
        'request-timeout-ms': { type: 'string' },
        'keep-alive-timeout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values
  } catch (err) {
    throw new ExtenderError('HX_USAGE', (err as Error).message, { cause: err })
  }
  const port = portNumber('--port', values.port ?? env.PORT ?? '8888')
  const metricsPortText = values['metrics-port']
  const metricsPort =
    metricsPortText === undefined ? undefined : portNumber('--metrics-port', metricsPortText)
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
    throw new ExtenderError('HX_USAGE', '--metrics-port must differ from --port')
  }
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
  if (!levels.includes(values['log-level'])) {
    throw new ExtenderError('HX_USAGE', `--log-level must be one of ${levels.join(', ')}`)
  }
  const notReadyMode = values['not-ready-mode'] as NotReadyMode
  if (!notReadyModes.includes(notReadyMode)) {
    const message = `--not-ready-mode must be fail or pass, got "${notReadyMode}"`
    throw new ExtenderError('HX_USAGE', message)
  }
  const limit = (flag: keyof typeof values, fallback: number, min: number) => {
    const text = values[flag]
    if (typeof text !== 'string') return fallback
    const n = Number(text)
    if (text.trim() === '' || !Number.isSafeInteger(n) || n < min) {
      throw new ExtenderError('HX_USAGE', `--${flag} must be an integer >= ${min}, got "${text}"`)
    }
    return n
  }
  const d = defaultLimits
  const limits: Limits = {
    maxBodyBytes: limit('max-body-bytes', d.maxBodyBytes, 1),
    maxJsonDepth: limit('max-json-depth', d.maxJsonDepth, 0),
    maxConcurrentRequests: limit('max-concurrent-requests', d.maxConcurrentRequests, 0),
    headerTimeoutMs: limit('header-timeout-ms', d.headerTimeoutMs, 1),
    requestTimeoutMs: limit('request-timeout-ms', d.requestTimeoutMs, 0),
    keepAliveTimeoutMs: limit('keep-alive-timeout-ms', d.keepAliveTimeoutMs, 1),
  }
  return {
    help: values.help === true,
    policyPath: values.policy ?? defaultPolicyPath,
    port,
    host: values.host,
    logLevel: values['log-level'],
    tls: tlsFiles(values['tls-cert-file'], values['tls-key-file'], values['client-ca-file']),
    metricsPort,
    kubeconfigPath: values.kubeconfig,
    notReadyMode,
    limits,
  }
}

function portNumber(flag: string, text: string): number {
  const port = Number(text)
  if (!Number.isInteger(port) || port < 0 || port > 65535 || text.trim() === '') {
    throw new ExtenderError('HX_USAGE', `${flag} must be an integer 0..65535, got "${text}"`)
  }
  return port
}

function tlsFiles(
  certFile?: string,
  keyFile?: string,
  clientCaFile?: string,
): TlsFiles | undefined {
  if (certFile === undefined && keyFile === undefined) {
    if (clientCaFile === undefined) return undefined
    throw new ExtenderError('HX_USAGE', '--client-ca-file needs --tls-cert-file and --tls-key-file')
  }
  if (certFile === undefined || keyFile === undefined) {
    throw new ExtenderError('HX_USAGE', '--tls-cert-file and --tls-key-file go together')
  }
  return clientCaFile === undefined ? { certFile, keyFile } : { certFile, keyFile, clientCaFile }
}

/** `hybrid-extender serve`: runs until SIGINT or SIGTERM. */
export async function serve(argv: string[], io: Io): Promise<number> {
  const options = serveOptions(argv)
  if (options.help) {
    io.out(help)
    return 0
  }
  const metrics = createMetrics()
  const policy = new PolicyStore(loadPolicyFile(options.policyPath), metrics)
  const logger = { level: options.logLevel }
  const cluster = clusterConnection(options.kubeconfigPath)
  const cache = cluster && new ClusterCache(cluster.kubeConfig, { metrics })
  const https = options.tls === undefined ? undefined : httpsOptions(options.tls)
  const { limits, notReadyMode } = options
  const common = { policy, metrics, nodes: cache, logger, limits, notReadyMode }
  const app = buildApp({ ...common, ...(https === undefined ? {} : { https }) })
  const ops = options.metricsPort === undefined ? undefined : buildOpsApp(common)
  app.log.info(
    { policy: options.policyPath, name: policy.current.name, hash: policy.current.hash },
    'policy loaded',
  )
  if (cluster === undefined || cache === undefined) {
    app.log.info('no Kubernetes API configured: full-object mode only (nodeCacheCapable: false)')
  } else {
    app.log.info({ server: cluster.server, via: cluster.via }, 'watching nodes and pods')
    cache.start(app.log.child({ component: 'cluster-cache' }))
  }
  const watcher = watchPolicy({ path: options.policyPath, store: policy, metrics, log: app.log })
  const reload = () => void watcher.reload({ force: true })
  process.on('SIGHUP', reload)

  let stopTlsReload = () => {}
  const closeAll = async () => {
    stopTlsReload()
    await Promise.all([cache?.stop(), app.close(), ops?.close()])
  }
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      app.log.info({ signal }, 'shutting down')
      watcher.close()
      process.off('SIGHUP', reload)
      closeAll().then(resolve, resolve)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  const { port, host, tls, metricsPort } = options
  try {
    const address = await app.listen({ port, host })
    app.log.info({ address, port, host, tls: tls !== undefined }, 'listening')
    if (tls !== undefined) {
      // The previous certificate keeps serving until a new pair loads.
      stopTlsReload = reloadOnChange(app.server as unknown as SecureContextTarget, tls, {
        reloaded: () => app.log.info({ cert: tls.certFile }, 'tls certificate reloaded'),
        failed: (err) => app.log.warn({ err }, 'tls certificate reload failed'),
      })
    }
    if (ops !== undefined) {
      const opsAddress = await ops.listen({ port: metricsPort, host })
      app.log.info({ address: opsAddress }, 'operations port listening')
    }
  } catch (err) {
    // One listener up and the other not: close both, or the process lingers.
    await closeAll()
    throw err
  }
  await stopped
  return 0
}
