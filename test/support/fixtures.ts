import { readdirSync, readFileSync } from 'node:fs'
import { parseAllDocuments } from 'yaml'
import { firstPod } from '../../src/cli/objects.js'

/** Directory of the copied fixture objects (see test/fixtures/INDEX.md). */
export const fixtureDir = new URL('../fixtures/', import.meta.url)

type Json = Record<string, any>

/** Every YAML document of a fixture file whose name starts with `prefix`. */
export function fixtureDocs(prefix: string): Json[] {
  const file = readdirSync(fixtureDir).find((f: string) => f.startsWith(prefix))
  if (file === undefined) throw new Error(`no fixture ${prefix}`)
  const text = readFileSync(new URL(file, fixtureDir), 'utf8')
  if (file.endsWith('.json')) return [JSON.parse(text)]
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Json | null)
    .filter((d): d is Json => d !== null)
}

/** The fixture's object of the given kind (first one). */
export function fixtureObject(prefix: string, kind: string): Json {
  const doc = fixtureDocs(prefix).find((d) => d.kind === kind)
  if (doc === undefined) throw new Error(`no ${kind} in fixture ${prefix}`)
  return structuredClone(doc)
}

/** A fixture Node object. */
export const fixtureNode = (prefix: string): Json => fixtureObject(prefix, 'Node')

/**
 * The Pod kube-scheduler would receive for a fixture workload (its template
 * with the owner reference its controller sets), through the same
 * conversion the CLI uses. A fixture that is a Pod already is returned as is.
 */
export function fixturePod(prefix: string): Json {
  return structuredClone(firstPod(fixtureDocs(prefix), prefix))
}

/** The fixture nodes the tests use, by role. */
export function fixtureNodes() {
  const mig = fixtureNode('b01')
  mig.metadata.name = 'gpu-node-a100-mig'
  mig.status.allocatable['nvidia.com/mig-1g.10gb'] = '7'
  mig.status.allocatable['nvidia.com/gpu'] = '0'
  return {
    virtual: fixtureNode('a01'),
    gpu8: fixtureNode('b01'),
    gpu1: fixtureNode('b03'),
    fpga: fixtureNode('c01'),
    worker: fixtureNode('d01'),
    /** b01 repartitioned into MIG slices (mixed strategy): 7 × 1g.10gb, no whole GPUs. */
    mig,
  }
}

/** An ExtenderArgs body in full-object mode. */
export function fullArgs(pod: Json, nodes: Json[]): Json {
  return { Pod: pod, Nodes: { metadata: {}, items: nodes }, NodeNames: null }
}

/** An ExtenderArgs body in names-only mode. */
export function namesArgs(pod: Json, nodes: Json[]): Json {
  return { Pod: pod, Nodes: null, NodeNames: nodes.map((n) => n.metadata.name) }
}
