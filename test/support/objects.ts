import { fileURLToPath } from 'node:url'
import { loadPolicyText } from '../../src/policy/load.js'
import type { CompiledPolicy } from '../../src/policy/types.js'

/** Absolute path of a file under the repository root. */
export const repoPath = (relative: string) =>
  fileURLToPath(new URL(`../../${relative}`, import.meta.url))

/** Absolute path of a fixture of test/fixtures. */
export const fixturePath = (name: string) => repoPath(`test/fixtures/${name}`)

/** A minimal Node object. */
export function node(
  name: string,
  opts: { labels?: Record<string, string>; allocatable?: Record<string, string> } = {},
) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: opts.labels ?? {} },
    status: { allocatable: opts.allocatable ?? { cpu: '4', memory: '16Gi', pods: '110' } },
  }
}

/** A minimal Pod object; with `nodeName` it counts as running there. */
export function pod(
  name: string,
  opts: {
    namespace?: string
    ownerKind?: string
    requests?: Record<string, string>
    annotations?: Record<string, string>
    nodeName?: string
  } = {},
) {
  const owners =
    opts.ownerKind === undefined ? [] : [{ kind: opts.ownerKind, name: 'owner', controller: true }]
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: opts.namespace ?? 'default',
      annotations: opts.annotations ?? {},
      ownerReferences: owners,
    },
    spec: {
      nodeName: opts.nodeName,
      containers: [{ name: 'main', resources: { requests: opts.requests ?? { cpu: '1' } } }],
    },
    status: { phase: opts.nodeName === undefined ? 'Pending' : 'Running' },
  }
}

/** Loads policy text written in a test. */
export function policyOf(text: string): CompiledPolicy {
  return loadPolicyText(text, 'test-policy.yaml')
}

/** The header every test policy starts with. */
export const header = 'apiVersion: hybrid-scheduler.io/v1alpha1\nkind: PlacementPolicy\n'
