import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import t from 'tap'
import { clusterConnection, serviceAccountTokenPath } from '../../src/cluster/kubeconfig.js'
import type { ExtenderError } from '../../src/errors.js'
import { StandInApiServer } from '../support/api-server.js'
import { tempDir } from '../support/cluster.js'

const server = new StandInApiServer()

/** The registry code of what `fn` throws. */
function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return (err as ExtenderError).code
  }
  return undefined
}

t.test('no flag, no KUBECONFIG and no service account means no cluster', async (t) => {
  t.equal(clusterConnection(undefined, {}), undefined)
})

t.test('the --kubeconfig file comes first', async (t) => {
  const { dir, cleanup } = tempDir()
  t.teardown(cleanup)
  const file = server.writeKubeconfig(join(dir, 'kubeconfig'))
  const c = clusterConnection(file, { KUBECONFIG: '/nonexistent' })
  t.equal(c?.via, 'flag')
  t.equal(c?.server, server.url)
})

t.test('KUBECONFIG is used without the flag, the first file choosing the context', async (t) => {
  const { dir, cleanup } = tempDir()
  t.teardown(cleanup)
  const first = server.writeKubeconfig(join(dir, 'a'))
  const second = join(dir, 'b')
  const other = [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: other, cluster: {server: "https://192.0.2.1"}}]',
    'users: [{name: u2, user: {}}]',
    'contexts: [{name: other, context: {cluster: other, user: u2}}]',
    'current-context: other',
  ]
  writeFileSync(second, other.join('\n'))
  const c = clusterConnection(undefined, { KUBECONFIG: `${first}:${second}` })
  t.equal(c?.via, 'env')
  t.equal(c?.server, server.url)
})

t.test('inside a pod, the service account is used', async (t) => {
  const { dir, cleanup } = tempDir()
  const saved = { ...process.env }
  t.teardown(() => {
    process.env = saved
    cleanup()
  })
  const token = join(dir, serviceAccountTokenPath)
  mkdirSync(dirname(token), { recursive: true })
  writeFileSync(token, 'token')
  writeFileSync(join(dirname(token), 'ca.crt'), '')
  const env = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }
  Object.assign(process.env, env)
  const c = clusterConnection(undefined, env, dir)
  t.equal(c?.via, 'in-cluster')
  t.equal(c?.server, 'https://10.0.0.1:443')
  t.equal(
    clusterConnection(undefined, env, join(dir, 'elsewhere')),
    undefined,
    'no token, no cluster',
  )
})

t.test('an unreadable kubeconfig is HX_KUBECONFIG', async (t) => {
  t.equal(
    codeOf(() => clusterConnection('/nonexistent/kubeconfig', {})),
    'HX_KUBECONFIG',
  )
})

t.test('a kubeconfig without a current cluster is HX_KUBECONFIG', async (t) => {
  const { dir, cleanup } = tempDir()
  t.teardown(cleanup)
  const file = join(dir, 'empty')
  writeFileSync(file, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n')
  t.equal(
    codeOf(() => clusterConnection(file, {})),
    'HX_KUBECONFIG',
  )
})
