import type { Decision } from '../engine/decide.js'
import { rawSpanOf } from './scan.js'
import type { ExtenderFilterResult } from './types.js'
import { maxExtenderPriority } from './types.js'

/** A node turned down before the engine saw it (unknown name), with its reason. */
export interface Preverdict {
  node: string
  message: string
}

/**
 * Builds the filter reply. In full-object mode the accepted node objects are
 * echoed unchanged, since kube-scheduler builds its node list from them; in
 * names-only mode the accepted names are returned.
 */
export function filterResult(
  decision: Decision,
  mode: { objects: Map<string, unknown> | null; names: boolean },
  unknown: readonly Preverdict[] = [],
): ExtenderFilterResult {
  const passed: string[] = []
  // Without a prototype, a node named "__proto__" is a key like any other.
  const failed: Record<string, string> = Object.create(null)
  const unresolvable: Record<string, string> = Object.create(null)
  for (const v of decision.verdicts) {
    if (v.outcome === 'pass') passed.push(v.node)
    else if (v.outcome === 'fail') failed[v.node] = v.message
    else unresolvable[v.node] = v.message
  }
  for (const u of unknown) failed[u.node] = u.message
  const objects = mode.objects
  return {
    Nodes: objects === null ? null : { metadata: {}, items: passed.map((n) => objects.get(n)) },
    NodeNames: mode.names ? passed : null,
    FailedNodes: failed,
    FailedAndUnresolvableNodes: unresolvable,
    Error: '',
  }
}

/** An error reply for filter: kube-scheduler reports `Error` when the status is 200. */
export function filterError(message: string): ExtenderFilterResult {
  return {
    Nodes: null,
    NodeNames: null,
    FailedNodes: {},
    FailedAndUnresolvableNodes: {},
    Error: message,
  }
}

function clampScore(score: number): number {
  if (!Number.isFinite(score)) return 0
  return Math.min(maxExtenderPriority, Math.max(0, Math.round(score)))
}

const itemsOpen = Buffer.from('{"Nodes":{"metadata":{},"items":[')
const comma = Buffer.from(',')

/**
 * Serialises a filter reply. Node objects the fast decoder read are echoed as
 * their original bytes, which spares re-encoding megabytes of JSON.
 */
export function serializeFilterResult(result: ExtenderFilterResult): string | Buffer {
  const items = result.Nodes?.items ?? []
  if (!items.some((item) => rawSpanOf(item) !== undefined)) return JSON.stringify(result)
  const parts: Buffer[] = [itemsOpen]
  items.forEach((item, i) => {
    if (i > 0) parts.push(comma)
    const span = rawSpanOf(item)
    parts.push(
      span ? span.buffer.subarray(span.start, span.end) : Buffer.from(JSON.stringify(item)),
    )
  })
  const { Nodes: _, ...rest } = result
  parts.push(Buffer.from(`]},${JSON.stringify(rest).slice(1)}`))
  return Buffer.concat(parts)
}

/** A string as JSON: node names need no escaping, so most skip JSON.stringify. */
function jsonString(text: string): string {
  return plainName.test(text) ? `"${text}"` : JSON.stringify(text)
}

const plainName = /^[A-Za-z0-9._-]*$/

/**
 * Serialises the prioritize reply directly, without building an object per
 * node: one `{"Host","Score"}` per input node, integer scores 0..10. With
 * `plainNames` (see {@link hasNoEscapes}) names are quoted without checks.
 */
export function serializePriorities(
  decision: Decision,
  unknown: readonly Preverdict[] = [],
  plainNames = false,
): string {
  const quote = plainNames ? (name: string) => `"${name}"` : jsonString
  let out = '['
  for (const v of decision.verdicts) {
    out += `${out.length > 1 ? ',' : ''}{"Host":${quote(v.node)},"Score":${clampScore(v.score)}}`
  }
  for (const u of unknown) out += `${out.length > 1 ? ',' : ''}{"Host":${quote(u.node)},"Score":0}`
  return `${out}]`
}

/**
 * True when the body holds no backslash: then no string in it had an escape,
 * and since valid JSON holds no raw control characters, every name read from
 * it can be quoted as is.
 */
export function hasNoEscapes(body: Buffer): boolean {
  return body.indexOf(0x5c) < 0
}
