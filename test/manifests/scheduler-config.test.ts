import { join } from 'node:path'
import t from 'tap'
import { loadPolicyFile } from '../../src/policy/load.js'
import { readDocuments, root } from '../support/kustomize.js'
import {
  goDurationSeconds,
  isExtendedResourceName,
  leastWinningWeight,
  projectProblems,
  smallestPreferenceGap,
  upstreamProblems,
} from '../support/scheduler-config.js'

const policy = loadPolicyFile(join(root, 'manifests/base/policy.yaml'))
const shipped = [
  'manifests/overlays/extender/kube-scheduler-config.yaml',
  'manifests/overlays/second-scheduler/kube-scheduler-config.yaml',
]
const fixtures = [
  'test/fixtures/f02-kubeschedulerconfig-v1-gpushare-managed-not-ignored.yaml',
  'test/fixtures/f05-kubeschedulerconfig-two-extenders-tls-ignorable.yaml',
]
const configOf = (file: string) => readDocuments(join(root, file))[0]

for (const file of shipped) {
  t.test(`${file}`, async (t) => {
    const config = configOf(file)
    t.test('passes kube-scheduler validation', async (t) => {
      t.same(upstreamProblems(config), [])
    })
    t.test('calls the extender as the policy needs', async (t) => {
      t.same(projectProblems(config, policy), [])
    })
  })
}

t.test('the second scheduler has its own profile and lease', async (t) => {
  const config = configOf(shipped[1] ?? '') as {
    profiles: { schedulerName: string }[]
    leaderElection: { leaderElect: boolean; resourceName: string }
  }
  t.same(
    config.profiles.map((p) => p.schedulerName),
    ['hybrid-scheduler'],
  )
  t.equal(config.leaderElection.leaderElect, true)
  t.equal(config.leaderElection.resourceName, 'hybrid-scheduler')
})

t.test('the default policy needs a weight of at least 25', async (t) => {
  t.equal(smallestPreferenceGap(policy), 5, 'accelerator best fit (6..10) over virtual (1)')
  t.equal(leastWinningWeight(policy), 25, '25 x 10 x 5 = 1250 > 1200')
})

for (const file of fixtures) {
  t.test(`the upstream rules accept the published configuration ${file}`, async (t) => {
    t.same(upstreamProblems(configOf(file)), [])
  })
}

const valid = () =>
  configOf(shipped[1] ?? '') as { extenders: Record<string, unknown>[] } & Record<string, unknown>
const withExtender = (change: Record<string, unknown>) => {
  const config = valid()
  config.extenders = [{ ...config.extenders[0], ...change }]
  return config
}

const upstreamCases: [string, unknown, string][] = [
  [
    'a prioritize verb without a weight',
    withExtender({ weight: undefined }),
    '/extenders/0/weight',
  ],
  ['a prioritize verb with weight 0', withExtender({ weight: 0 }), '/extenders/0/weight'],
  ['the old spelling enableHttps', withExtender({ enableHttps: true }), '/extenders/0/enableHttps'],
  ['a duration without a unit', withExtender({ httpTimeout: '5' }), '/extenders/0/httpTimeout'],
  [
    'a CA with insecure',
    withExtender({ tlsConfig: { insecure: true, caFile: '/ca.crt' } }),
    '/extenders/0/tlsConfig',
  ],
  [
    'a managed resource in the kubernetes.io domain',
    withExtender({ managedResources: [{ name: 'kubernetes.io/gpu' }] }),
    '/extenders/0/managedResources/0/name',
  ],
  [
    'percentageOfNodesToScore above 100',
    { ...valid(), percentageOfNodesToScore: 101 },
    '/percentageOfNodesToScore',
  ],
  [
    'two extenders that bind',
    {
      ...valid(),
      extenders: [
        { urlPrefix: 'http://a', bindVerb: 'bind' },
        { urlPrefix: 'http://b', bindVerb: 'bind' },
      ],
    },
    '/extenders/1/bindVerb',
  ],
  [
    'a managed resource claimed by two extenders',
    {
      ...valid(),
      extenders: [
        { urlPrefix: 'http://a', managedResources: [{ name: 'example.com/x' }] },
        { urlPrefix: 'http://b', managedResources: [{ name: 'example.com/x' }] },
      ],
    },
    '/extenders/1/managedResources/0/name',
  ],
]
for (const [name, config, path] of upstreamCases) {
  t.test(`kube-scheduler validation rejects ${name}`, async (t) => {
    t.ok(
      upstreamProblems(config).some((p) => p.path === path),
      path,
    )
  })
}

const projectCases: [string, unknown, string][] = [
  ['a weight the in-tree plugins can outvote', withExtender({ weight: 24 }), '/extenders/0/weight'],
  [
    'names-only requests switched off',
    withExtender({ nodeCacheCapable: false }),
    '/extenders/0/nodeCacheCapable',
  ],
  [
    'the default timeout left implicit',
    withExtender({ httpTimeout: undefined }),
    '/extenders/0/httpTimeout',
  ],
  ['a timeout above 5s', withExtender({ httpTimeout: '10s' }), '/extenders/0/httpTimeout'],
  ['an ignorable extender', withExtender({ ignorable: true }), '/extenders/0/ignorable'],
  [
    'a urlPrefix without a scheme',
    withExtender({ urlPrefix: 'hybrid-scheduler-extender:8888' }),
    '/extenders/0/urlPrefix',
  ],
  [
    'sampling the nodes to score',
    { ...valid(), percentageOfNodesToScore: 50 },
    '/percentageOfNodesToScore',
  ],
]
for (const [name, config, path] of projectCases) {
  t.test(`the project rules reject ${name}`, async (t) => {
    t.ok(
      projectProblems(config, policy).some((p) => p.path === path),
      path,
    )
  })
}

t.test('extended resource names follow kube-scheduler', async (t) => {
  t.ok(isExtendedResourceName('nvidia.com/gpu'))
  t.ok(isExtendedResourceName('gpu.intel.com/i915'))
  t.notOk(isExtendedResourceName('cpu'))
  t.notOk(isExtendedResourceName('requests.example.com/x'))
  t.notOk(isExtendedResourceName('node.kubernetes.io/x'))
})

t.test('Go durations are read in seconds', async (t) => {
  t.equal(goDurationSeconds('5s'), 5)
  t.equal(goDurationSeconds('1m30s'), 90)
  t.equal(goDurationSeconds('500ms'), 0.5)
  t.equal(goDurationSeconds('5'), undefined)
  t.equal(goDurationSeconds('5 s'), undefined)
})
