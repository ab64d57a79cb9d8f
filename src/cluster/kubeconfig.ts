import { existsSync } from 'node:fs'
import { KubeConfig } from '@kubernetes/client-node'
import { ExtenderError } from '../errors.js'

/** Where a pod's service account token is mounted. */
export const serviceAccountTokenPath = '/var/run/secrets/kubernetes.io/serviceaccount/token'

/** How the service reaches the Kubernetes API, and where that came from. */
export interface ClusterConnection {
  kubeConfig: KubeConfig
  /** `flag` (`--kubeconfig`), `env` (`KUBECONFIG`) or `in-cluster` (service account). */
  via: 'flag' | 'env' | 'in-cluster'
  /** The API server's URL. */
  server: string
}

/**
 * Finds the Kubernetes API to watch: the `--kubeconfig` file, else the
 * `KUBECONFIG` files, else the pod's service account when running in a
 * cluster. `undefined` when there is none (full-object mode only).
 * `root` prefixes the service account paths, for tests.
 */
export function clusterConnection(
  kubeconfigPath: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  root = '',
): ClusterConnection | undefined {
  const kubeConfig = new KubeConfig()
  let via: ClusterConnection['via']
  try {
    if (kubeconfigPath !== undefined && kubeconfigPath !== '') {
      via = 'flag'
      kubeConfig.loadFromFile(kubeconfigPath)
    } else if (env.KUBECONFIG !== undefined && env.KUBECONFIG !== '') {
      via = 'env'
      loadFromEnv(kubeConfig, env.KUBECONFIG)
    } else if (inCluster(env, root)) {
      via = 'in-cluster'
      kubeConfig.loadFromCluster(root)
    } else {
      return undefined
    }
  } catch (err) {
    const message = `cannot load the kubeconfig: ${(err as Error).message}`
    throw new ExtenderError('HX_KUBECONFIG', message, { cause: err })
  }
  const server = kubeConfig.getCurrentCluster()?.server
  if (server === undefined || server === '') {
    throw new ExtenderError('HX_KUBECONFIG', `the kubeconfig (${via}) names no current cluster`)
  }
  return { kubeConfig, via, server }
}

/** Loads the files of a `KUBECONFIG` list, the first one setting the current context. */
function loadFromEnv(kubeConfig: KubeConfig, list: string): void {
  const files = list.split(process.platform === 'win32' ? ';' : ':').filter((f) => f !== '')
  const [first, ...rest] = files
  if (first === undefined) throw new Error('KUBECONFIG lists no file')
  kubeConfig.loadFromFile(first)
  for (const file of rest) {
    const more = new KubeConfig()
    more.loadFromFile(file)
    kubeConfig.mergeConfig(more, true)
  }
}

function inCluster(env: NodeJS.ProcessEnv, root: string): boolean {
  const host = env.KUBERNETES_SERVICE_HOST
  const port = env.KUBERNETES_SERVICE_PORT
  const token = `${root}${serviceAccountTokenPath}`
  return (host ?? '') !== '' && (port ?? '') !== '' && existsSync(token)
}
