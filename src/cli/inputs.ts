import { staticNodeSource, type StaticNodeSource } from '../cluster/source.js'
import { nodeView, type NodeView } from '../engine/views.js'
import { ExtenderError } from '../errors.js'
import { nodesIn, podsIn, readObjects } from './objects.js'

/** A cluster snapshot as `kubectl get nodes,pods -o yaml` prints it. */
export interface Snapshot {
  nodes: Record<string, unknown>[]
  pods: Record<string, unknown>[]
  source: StaticNodeSource
}

/** Reads a snapshot file; throws HX_INPUT_FILE when it holds no node. */
export function readSnapshot(path: string): Snapshot {
  const objects = readObjects(path)
  const nodes = nodesIn(objects)
  if (nodes.length === 0) throw new ExtenderError('HX_INPUT_FILE', `${path} holds no Node`)
  const pods = podsIn(objects)
  return { nodes, pods, source: staticNodeSource(nodes, pods) }
}

/** The Node objects of several files, as views; throws HX_INPUT_FILE when there are none. */
export function readNodeViews(paths: readonly string[]): NodeView[] {
  const views = paths.flatMap((p) => nodesIn(readObjects(p)).map((n) => nodeView(n)))
  if (views.length === 0) {
    throw new ExtenderError('HX_INPUT_FILE', `no Node in ${paths.join(', ')}`)
  }
  return views
}
