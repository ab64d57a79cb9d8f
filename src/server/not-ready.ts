import type { NodeSource } from '../cluster/source.js'
import type { DecodedArgs } from '../wire/decode.js'
import type { ExtenderFilterResult, HostPriority } from '../wire/types.js'

/**
 * What names-only requests get while the cluster cache has not yet listed
 * nodes and pods: `fail` makes the attempt fail so kube-scheduler retries the
 * pod later (filter: HTTP 200 with `Error`; prioritize: HTTP 503), `pass`
 * lets every node through with the same score, as if the extender were not
 * there. Full-object requests carry their own nodes and are never affected.
 */
export type NotReadyMode = 'fail' | 'pass'

export const notReadyModes: readonly NotReadyMode[] = ['fail', 'pass']

/** The message of a `fail` answer (the pod's FailedScheduling event shows it). */
export const notReadyMessage =
  "HX_NOT_READY: the extender has not yet listed the cluster's nodes and pods; retry"

/** True when this request names nodes the source cannot resolve yet. */
export function waitsForCache(args: DecodedArgs, source: NodeSource | undefined): boolean {
  return args.nodes === null && source !== undefined && !source.ready()
}

/** `pass` for filter: every named node passes. */
export function passFilter(args: DecodedArgs): ExtenderFilterResult {
  return {
    Nodes: null,
    NodeNames: [...(args.nodeNames ?? [])],
    FailedNodes: {},
    FailedAndUnresolvableNodes: {},
    Error: '',
  }
}

/** `pass` for prioritize: one equal score per node, which changes no ranking. */
export function passPrioritize(args: DecodedArgs): HostPriority[] {
  return (args.nodeNames ?? []).map((Host) => ({ Host, Score: 0 }))
}
