import t from 'tap'
import { effectiveRequests } from '../../src/engine/resources.js'

const c = (requests: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name: 'c',
  resources: { requests },
  ...extra,
})
const asObject = (m: Map<string, number>) => Object.fromEntries(m)

t.test('requests of containers add up', async (t) => {
  const spec = {
    containers: [c({ cpu: '500m', memory: '0.1G' }), c({ cpu: '500m', memory: '0.1G' })],
  }
  t.same(asObject(effectiveRequests(spec)), { cpu: 1, memory: 2e8 })
})

t.test('the largest init container wins when it exceeds the containers', async (t) => {
  const spec = {
    initContainers: [c({ cpu: '2' }), c({ cpu: '3', 'nvidia.com/gpu': '1' })],
    containers: [c({ cpu: '1', memory: '1Gi' })],
  }
  t.same(asObject(effectiveRequests(spec)), { cpu: 3, 'nvidia.com/gpu': 1, memory: 2 ** 30 })
})

t.test('native sidecars add to the containers and to later init containers', async (t) => {
  const spec = {
    initContainers: [c({ cpu: '1' }, { restartPolicy: 'Always' }), c({ cpu: '2' })],
    containers: [c({ cpu: '500m' })],
  }
  // containers 0.5 + sidecar 1 = 1.5; the init container runs beside the sidecar: 2 + 1 = 3.
  t.same(asObject(effectiveRequests(spec)), { cpu: 3 })
  const later = {
    initContainers: [c({ cpu: '2' }), c({ cpu: '1' }, { restartPolicy: 'Always' })],
    containers: [c({ cpu: '500m' })],
  }
  // The init container ran before the sidecar started: max(2, 1.5) = 2.
  t.same(asObject(effectiveRequests(later)), { cpu: 2 })
})

t.test('pod overhead is added on top', async (t) => {
  const spec = { containers: [c({ cpu: '1' })], overhead: { cpu: '250m', memory: '120Mi' } }
  t.same(asObject(effectiveRequests(spec)), { cpu: 1.25, memory: 120 * 2 ** 20 })
})

t.test('a limit stands in for a missing request', async (t) => {
  const spec = {
    containers: [
      {
        name: 'c',
        resources: { limits: { 'nvidia.com/gpu': 8, cpu: '2' }, requests: { cpu: '1' } },
      },
    ],
  }
  t.same(asObject(effectiveRequests(spec)), { 'nvidia.com/gpu': 8, cpu: 1 })
})

t.test('a quantity of zero means the resource is not requested', async (t) => {
  const spec = { containers: [c({ 'nvidia.com/gpu': '0', cpu: '0', memory: '1Mi' })] }
  t.same(asObject(effectiveRequests(spec)), { memory: 2 ** 20 })
})

t.test('malformed parts are ignored rather than fatal', async (t) => {
  for (const spec of [
    null,
    'x',
    {},
    { containers: 'x' },
    { containers: [null, 1, { resources: 'x' }] },
    { containers: [c({ cpu: 'lots' })] },
  ]) {
    t.same(asObject(effectiveRequests(spec)), {}, JSON.stringify(spec))
  }
})
