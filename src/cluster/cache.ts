import { CoreV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node'
import type { Metrics } from '../metrics.js'
import {
  ResilientInformer,
  type Backoff,
  type CacheKind,
  type CacheLog,
  type InformerHandlers,
} from './informer.js'
import { projectNode, projectPod, type NodeRecord, type PodRecord } from './records.js'
import type { ClusterUsage, NodeSource } from './source.js'
import { ClusterState } from './state.js'

/** Reason for a requested name the cache does not hold, as FailedNodes shows it. */
export const notSeenMessage = 'node not yet seen by the extender'

export interface ClusterCacheOptions {
  metrics?: Metrics
  /** Objects per list page. Default 500. */
  pageSize?: number
  /** Time allowed for one list page, milliseconds. Default 60,000. */
  listTimeoutMs?: number
  /** Server-side watch timeout, seconds (each watch draws 1x to 2x). Default 300. */
  watchTimeoutSeconds?: number
  /** Retry delays after failures. Default 500 ms doubling to 30 s. */
  backoff?: Backoff
}

const quiet: CacheLog = { info: () => {}, warn: () => {} }

/**
 * The extender's own view of the cluster: nodes and pods kept current by
 * list+watch, as compact records. It answers names-only requests and counts
 * the devices pods already hold. Ready once both first lists are in; it
 * stays ready through later outages, answering from what it last saw.
 */
export class ClusterCache implements NodeSource {
  readonly unknownNodeMessage = notSeenMessage
  readonly state = new ClusterState()
  private readonly nodeInformer: ResilientInformer<NodeRecord>
  private readonly podInformer: ResilientInformer<PodRecord>
  private log: CacheLog = quiet

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: ClusterCacheOptions = {},
  ) {
    const api = kubeConfig.makeApiClient(CoreV1Api)
    const { state } = this
    const log: CacheLog = {
      info: (o, m) => this.log.info(o, m),
      warn: (o, m) => this.log.warn(o, m),
    }
    const common = { ...options, log }
    this.nodeInformer = new ResilientInformer(kubeConfig, {
      ...common,
      kind: 'node',
      path: '/api/v1/nodes',
      listPage: (page, httpApi) => api.listNode(page, { httpApi }),
      project: projectNode,
      handlers: this.handlers<NodeRecord>(
        'node',
        (r) => state.setNode(r),
        (r) => state.deleteNode(r.name),
      ),
    })
    this.podInformer = new ResilientInformer(kubeConfig, {
      ...common,
      kind: 'pod',
      path: '/api/v1/pods',
      listPage: (page, httpApi) => api.listPodForAllNamespaces(page, { httpApi }),
      project: projectPod,
      handlers: this.handlers<PodRecord>(
        'pod',
        (r) => state.setPod(r),
        (r) => state.deletePod(r.namespace, r.name),
      ),
    })
  }

  get usage(): ClusterUsage {
    return this.state
  }

  get(name: string): NodeRecord | undefined {
    return this.state.node(name)
  }

  nodes(): Iterable<NodeRecord> {
    return this.state.nodes()
  }

  ready(): boolean {
    return this.nodeInformer.synced && this.podInformer.synced
  }

  /** Starts listing and watching; failures are retried until {@link stop}. */
  start(log: CacheLog = quiet): void {
    this.log = log
    this.options.metrics?.cacheSynced.set(0)
    this.nodeInformer.start()
    this.podInformer.start()
  }

  async stop(): Promise<void> {
    await Promise.all([this.nodeInformer.stop(), this.podInformer.stop()])
  }

  private handlers<T extends KubernetesObject>(
    kind: CacheKind,
    set: (record: T) => void,
    remove: (record: T) => void,
  ): InformerHandlers<T> {
    const metrics = this.options.metrics
    const count = () => {
      const { nodes, pods } = this.state.counts
      metrics?.cacheObjects.set({ kind }, kind === 'node' ? nodes : pods)
    }
    let lastCurrentSeconds = 0
    return {
      set: (record) => {
        set(record)
        count()
      },
      remove: (record) => {
        remove(record)
        count()
      },
      synced: () => {
        const { nodes, pods } = this.state.counts
        this.log.info({ kind, objects: kind === 'node' ? nodes : pods }, 'cache synced')
        if (!this.ready()) return
        metrics?.cacheSynced.set(1)
        this.log.info({ nodes, pods }, 'cluster cache ready')
      },
      current: () => {
        const seconds = Math.floor(Date.now() / 1000)
        if (seconds === lastCurrentSeconds) return
        lastCurrentSeconds = seconds
        metrics?.cacheLastSyncSeconds.set({ kind }, seconds)
      },
      restarted: (reason) => metrics?.watchRestarts.inc({ kind, reason }),
    }
  }
}
