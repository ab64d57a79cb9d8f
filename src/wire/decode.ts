import { ExtenderError } from '../errors.js'

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** ExtenderArgs after decoding: one entry per distinct node, in request order. */
export interface DecodedArgs {
  pod: Json
  /** Full-object mode: the node objects by name (first copy of a duplicated name wins). */
  nodes: Map<string, unknown> | null
  /** Names-only mode: the names as sent, repeats included. */
  nodeNames: string[] | null
}

/** Folds a key as Go's encoding/json compares them (Unicode simple folding of ASCII keys). */
export function fold(key: string): string {
  return key.replace(/\u017f/g, 's').toLowerCase()
}

/**
 * Reads a field the way Go's decoder does: keys match case-insensitively.
 * Of several keys naming the same field, the last in the object's key order
 * wins; a key repeated with the same spelling keeps its first position (as
 * JSON.parse keeps it), where Go would take its last occurrence.
 */
export function field(object: Json, name: string): unknown {
  const folded = fold(name)
  let found: unknown
  for (const key of Object.keys(object))
    if (key === name || fold(key) === folded) found = object[key]
  return found
}

const shape = (message: string) => new ExtenderError('HX_REQUEST_SHAPE', message)

/**
 * Most candidate nodes one request may name. kube-scheduler sends at most
 * every node of the cluster (Kubernetes is tested to 5,000); the bound keeps
 * one request's work and reply size in proportion.
 */
export const maxCandidateNodes = 20_000

function tooMany(count: number): ExtenderError {
  const message = `request names ${count} nodes; at most ${maxCandidateNodes} are answered per request`
  return new ExtenderError('HX_REQUEST_TOO_LARGE', message)
}

/**
 * Checks and decodes a parsed ExtenderArgs body. Throws HX_REQUEST_SHAPE,
 * naming the offending field, when it is not one.
 */
export function decodeExtenderArgs(body: unknown): DecodedArgs {
  if (!isObject(body)) throw shape('request body must be a JSON object (ExtenderArgs)')
  const pod = field(body, 'Pod')
  if (!isObject(pod)) throw shape('Pod must be a Pod object')
  const rawNodes = field(body, 'Nodes')
  const rawNames = field(body, 'NodeNames')

  let nodes: Map<string, unknown> | null = null
  if (rawNodes !== null && rawNodes !== undefined) {
    if (!isObject(rawNodes)) throw shape('Nodes must be a NodeList object or null')
    const items = field(rawNodes, 'items')
    if (!Array.isArray(items)) throw shape('Nodes.items must be a list of Node objects')
    if (items.length > maxCandidateNodes) throw tooMany(items.length)
    nodes = new Map()
    items.forEach((item, i) => {
      const name = isObject(item) && isObject(item.metadata) ? item.metadata.name : undefined
      if (typeof name !== 'string' || name === '') {
        throw shape(`Nodes.items[${i}].metadata.name must be a non-empty string`)
      }
      if (!nodes!.has(name)) nodes!.set(name, item)
    })
  }

  let nodeNames: string[] | null = null
  if (rawNames !== null && rawNames !== undefined) {
    if (!Array.isArray(rawNames)) throw shape('NodeNames must be a list of strings or null')
    if (rawNames.length > maxCandidateNodes) throw tooMany(rawNames.length)
    for (let i = 0; i < rawNames.length; i++) {
      const name: unknown = rawNames[i]
      if (typeof name !== 'string' || name === '') {
        throw shape(`NodeNames[${i}] must be a non-empty string`)
      }
    }
    // Repeated names are kept here; resolving them against the node source
    // drops the repeats at no extra cost (see answer()).
    nodeNames = rawNames as string[]
  }

  if (nodes === null && nodeNames === null) {
    throw shape('one of Nodes or NodeNames must be set')
  }
  return { pod, nodes, nodeNames }
}
