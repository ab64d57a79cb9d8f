import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ExtenderError } from '../errors.js'
import { createMetrics } from '../metrics.js'
import { loadPolicyFile } from '../policy/load.js'
import { watchPolicy } from '../policy/reload.js'
import { PolicyStore } from '../policy/store.js'
import { buildApp } from '../server/app.js'
import type { Io } from './main.js'

/** The policy shipped with the package, used when `--policy` is not given. */
export const defaultPolicyPath = fileURLToPath(new URL('../../policies/default.yaml', import.meta.url))

const help = `usage: hybrid-extender serve [options]

  --policy FILE   placement policy (default: the shipped policies/default.yaml);
                  reloaded when it changes and on SIGHUP, a bad version is refused
  --port N        port to listen on (default: $PORT, else 8888)
  --host HOST     address to listen on (default: 0.0.0.0)
  --log-level L   fatal, error, warn, info, debug or trace (default: info)
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
        help: { type: 'boolean', short: 'h' },
      },
    }).values
  } catch (err) {
    throw new ExtenderError('HX_USAGE', (err as Error).message, { cause: err })
  }
  const portText = values.port ?? env.PORT ?? '8888'
  const port = Number(portText)
  if (!Number.isInteger(port) || port < 0 || port > 65535 || portText.trim() === '') {
    throw new ExtenderError('HX_USAGE', `--port must be an integer 0..65535, got "${portText}"`)
  }
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
  if (!levels.includes(values['log-level'])) {
    throw new ExtenderError('HX_USAGE', `--log-level must be one of ${levels.join(', ')}`)
  }
  return {
    help: values.help === true,
    policyPath: values.policy ?? defaultPolicyPath,
    port,
    host: values.host,
    logLevel: values['log-level'],
  }
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
  const app = buildApp({ policy, metrics, logger: { level: options.logLevel } })
  app.log.info(
    { policy: options.policyPath, name: policy.current.name, hash: policy.current.hash },
    'policy loaded',
  )
  app.log.info('no Kubernetes API configured: full-object mode only (nodeCacheCapable: false)')
  const watcher = watchPolicy({ path: options.policyPath, store: policy, metrics, log: app.log })
  const reload = () => void watcher.reload({ force: true })
  process.on('SIGHUP', reload)

  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      app.log.info({ signal }, 'shutting down')
      watcher.close()
      process.off('SIGHUP', reload)
      app.close().then(resolve, resolve)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  const address = await app.listen({ port: options.port, host: options.host })
  app.log.info({ address, port: options.port, host: options.host }, 'listening')
  await stopped
  return 0
}
