import { parseQuantity } from './quantity.js'

/** Resource name → amount in base units. Zero amounts are never stored. */
export type ResourceAmounts = Map<string, number>

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Reads a `requests`/`limits`-shaped map, skipping unparseable and zero values. */
export function readResourceList(list: unknown): ResourceAmounts {
  const out: ResourceAmounts = new Map()
  if (!isObject(list)) return out
  for (const name of Object.keys(list)) {
    const amount = parseQuantity(list[name])
    if (amount !== undefined && amount !== 0) out.set(name, amount)
  }
  return out
}

/**
 * A container's requests, with a limit standing in for a missing request as
 * the API server's defaulting does (pods read from manifests, not from the
 * API, may lack the copied requests).
 */
function containerRequests(container: unknown): ResourceAmounts {
  if (!isObject(container) || !isObject(container.resources)) return new Map()
  const requests = readResourceList(container.resources.requests)
  const limits = readResourceList(container.resources.limits)
  const explicit = isObject(container.resources.requests) ? container.resources.requests : {}
  for (const [name, amount] of limits) {
    if (!(name in explicit)) requests.set(name, amount)
  }
  return requests
}

export function addInto(target: ResourceAmounts, add: ResourceAmounts): void {
  for (const [name, amount] of add) target.set(name, (target.get(name) ?? 0) + amount)
}

function maxInto(target: ResourceAmounts, other: ResourceAmounts): void {
  for (const [name, amount] of other) {
    if (amount > (target.get(name) ?? 0)) target.set(name, amount)
  }
}

function sum(a: ResourceAmounts, b: ResourceAmounts): ResourceAmounts {
  const out = new Map(a)
  addInto(out, b)
  return out
}

/**
 * The pod's effective request per resource, as kube-scheduler computes it:
 * the sum over containers, against the largest init container; native
 * sidecars (init containers with `restartPolicy: Always`) keep running, so
 * they add to the containers and to every init container after them; then
 * `spec.overhead` on top.
 */
export function effectiveRequests(spec: unknown): ResourceAmounts {
  if (!isObject(spec)) return new Map()
  const total: ResourceAmounts = new Map()
  const containers = Array.isArray(spec.containers) ? spec.containers : []
  for (const c of containers) addInto(total, containerRequests(c))

  const sidecars: ResourceAmounts = new Map()
  const initPeak: ResourceAmounts = new Map()
  const inits = Array.isArray(spec.initContainers) ? spec.initContainers : []
  for (const c of inits) {
    const own = containerRequests(c)
    if (isObject(c) && c.restartPolicy === 'Always') {
      addInto(total, own)
      addInto(sidecars, own)
      maxInto(initPeak, sidecars)
    } else {
      maxInto(initPeak, sum(own, sidecars))
    }
  }
  maxInto(total, initPeak)
  addInto(total, readResourceList(spec.overhead))
  return total
}
