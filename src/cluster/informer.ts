import {
  IsomorphicFetchHttpLibrary,
  ListWatch,
  Watch,
  wrapHttpLibrary,
  type HttpLibrary,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1ListMeta,
} from '@kubernetes/client-node'

/** The kinds the cache watches; also the `kind` label of its metrics. */
export type CacheKind = 'node' | 'pod'

/**
 * Why a watch was opened again: `error` (request failed, connection dropped,
 * API error), `expired` (410: the resourceVersion is too old, so everything
 * is listed again) or `closed` (the server ended the stream, e.g. its timeout).
 */
export type RestartReason = 'error' | 'expired' | 'closed'

/** One page of a list, as the generated API client returns it. */
export interface ListPage {
  metadata?: V1ListMeta
  items: unknown[]
}

/** Fetches one page of a collection through `httpApi` (which bounds the request's time). */
export type ListPageFn = (
  page: { limit: number; _continue?: string },
  httpApi: HttpLibrary,
) => Promise<ListPage>

/** Delay before retrying after a failure: doubles from `initialMs` up to `maxMs`. */
export interface Backoff {
  initialMs: number
  maxMs: number
}

/** The pino methods the cache logs through. */
export interface CacheLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

/** What the informer reports to its owner. */
export interface InformerHandlers<T> {
  /** An object was added or changed (the record is the new projection). */
  set(record: T): void
  /** An object was deleted. */
  remove(record: T): void
  /** The first list has been applied. */
  synced(): void
  /** The cache was confirmed current: a list applied, a watch event or a bookmark. */
  current(): void
  restarted(reason: RestartReason): void
}

export interface InformerOptions<T extends KubernetesObject> {
  kind: CacheKind
  /** Collection path, e.g. `/api/v1/pods`. */
  path: string
  listPage: ListPageFn
  /** Projects an API object into the record kept; `undefined` skips it. */
  project: (object: unknown) => T | undefined
  handlers: InformerHandlers<T>
  log: CacheLog
  /** Objects per list page. Default 500. */
  pageSize?: number
  /** Time allowed for one list page, milliseconds. Default 60,000. */
  listTimeoutMs?: number
  /** Server-side watch timeout, seconds; each watch draws 1x to 2x of it. Default 300. */
  watchTimeoutSeconds?: number
  /** Retry delays after failures. Default 500 ms doubling to 30 s. */
  backoff?: Backoff
}

/**
 * List+watch of one collection through the client library's ListWatch,
 * made to survive what its informer leaves to the caller: it stops for good
 * on any request error, so this restarts it with capped exponential backoff
 * (resuming the watch from the last resourceVersion, or listing again when
 * there is none). 410 Gone and clean stream ends it handles itself. Lists
 * are paged and projected page by page, so whole objects never pile up.
 */
export class ResilientInformer<T extends KubernetesObject> {
  private readonly informer: ListWatch<T>
  private readonly httpApi: HttpLibrary
  private readonly backoff: Backoff
  private stopped = true
  private failures = 0
  private retry: NodeJS.Timeout | undefined
  private listApplied = false
  private isSynced = false

  constructor(
    kubeConfig: KubeConfig,
    private readonly o: InformerOptions<T>,
  ) {
    this.httpApi = timedHttpLibrary(o.listTimeoutMs ?? 60_000)
    this.backoff = o.backoff ?? { initialMs: 500, maxMs: 30_000 }
    const answerTimeoutMs = o.listTimeoutMs ?? 60_000
    const watch = new ProjectingWatch(kubeConfig, this.watchHooks(), answerTimeoutMs)
    this.informer = new ListWatch<T>(o.path, watch, () => this.list(), false)
    this.informer.on('add', (r) => o.handlers.set(r))
    this.informer.on('update', (r) => o.handlers.set(r))
    this.informer.on('delete', (r) => o.handlers.remove(r))
    this.informer.on('error', (err) => this.failed(err))
  }

  /** True once the first list has been applied. */
  get synced(): boolean {
    return this.isSynced
  }

  /** The resourceVersion the next watch resumes from (empty: list first). */
  get resourceVersion(): string {
    return this.informer.latestResourceVersion()
  }

  start(): void {
    this.stopped = false
    this.run()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.retry)
    this.retry = undefined
    await this.informer.stop()
  }

  private run(): void {
    this.informer.start().catch((err: unknown) => this.failed(err))
  }

  private failed(err: unknown): void {
    if (this.stopped || this.retry !== undefined) return
    const base = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** this.failures)
    const delayMs = Math.round(base * (0.75 + Math.random() * 0.25))
    this.failures++
    this.o.handlers.restarted('error')
    const { kind } = this.o
    this.o.log.warn({ kind, err: describe(err), retryInMs: delayMs }, 'list or watch failed')
    this.retry = setTimeout(() => {
      this.retry = undefined
      if (!this.stopped) this.run()
    }, delayMs)
    this.retry.unref()
  }

  private async list(): Promise<KubernetesListObject<T>> {
    const items: T[] = []
    let resourceVersion = ''
    let next: string | undefined
    do {
      if (this.stopped) throw new Error('informer stopped')
      const page = { limit: this.o.pageSize ?? 500, _continue: next }
      const result = await this.o.listPage(page, this.httpApi)
      for (const object of result.items ?? []) {
        const record = this.o.project(object)
        if (record !== undefined) items.push(record)
      }
      resourceVersion = result.metadata?.resourceVersion ?? resourceVersion
      next = result.metadata?._continue || undefined
    } while (next !== undefined)
    this.failures = 0
    this.listApplied = true
    return { metadata: { resourceVersion }, items }
  }

  private watchHooks(): WatchHooks<T> {
    return {
      stopped: () => this.stopped,
      project: this.o.project,
      timeoutSeconds: () => {
        const seconds = this.o.watchTimeoutSeconds ?? 300
        return Math.max(1, Math.round(seconds * (1 + Math.random())))
      },
      // ListWatch opens the watch right after applying a list's items.
      starting: () => {
        if (!this.listApplied) return
        this.listApplied = false
        this.o.handlers.current()
        if (this.isSynced) return
        this.isSynced = true
        this.o.handlers.synced()
      },
      event: () => {
        this.failures = 0
        this.o.handlers.current()
      },
      ended: (err, expired) => {
        if (this.stopped) return
        const status = (err as { statusCode?: unknown } | null)?.statusCode
        if (err === null) this.o.handlers.restarted(expired ? 'expired' : 'closed')
        else if (status === 410) this.o.handlers.restarted('expired')
      },
    }
  }
}

interface WatchHooks<T> {
  stopped(): boolean
  project(object: unknown): T | undefined
  timeoutSeconds(): number
  starting(): void
  event(): void
  /** The stream ended: `err` is what ListWatch is told, `expired` if a 410 event came. */
  ended(err: unknown, expired: boolean): void
}

/**
 * The library's Watch, asking for bookmarks and a server-side timeout, and
 * handing ListWatch compact records instead of whole objects. A non-410
 * ERROR event becomes a failure (ListWatch would resume at once, in a loop),
 * a watch the server never answers fails after `answerTimeoutMs`, and a
 * watch the server never ends is aborted a little after its timeout.
 */
class ProjectingWatch<T> extends Watch {
  /** The HTTP agent of the watch request being made (a new one per request). */
  private agent: { destroy?: () => void } | undefined

  constructor(
    kubeConfig: KubeConfig,
    private readonly hooks: WatchHooks<T>,
    private readonly answerTimeoutMs: number,
  ) {
    super(kubeConfig)
    // The library's watch request has no timeout until the answer's headers
    // (its abort signal is overwritten), so a hung API server would stall the
    // informer for good. The request's agent is the one handle on it:
    // destroying the agent ends the request.
    const config = Object.create(kubeConfig) as KubeConfig
    config.applyToFetchOptions = async (opts) => {
      const init = await kubeConfig.applyToFetchOptions(opts)
      this.agent = init.agent as { destroy?: () => void } | undefined
      return init
    }
    this.config = config
  }

  override async watch(
    path: string,
    params: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const { hooks } = this
    if (hooks.stopped()) return aborted()
    hooks.starting()
    const timeoutSeconds = hooks.timeoutSeconds()
    let expired = false
    let failure: Error | undefined
    let ended = false
    let deadline: NodeJS.Timeout | undefined
    let unanswered: NodeJS.Timeout | undefined
    const finish = (err: unknown) => {
      if (ended) return
      ended = true
      clearTimeout(unanswered)
      clearTimeout(deadline)
      const error = err ?? failure ?? null
      hooks.ended(error, expired)
      done(error)
    }
    const onEvent = (type: string, object: unknown, raw?: unknown) => {
      if (ended) return
      if (type === 'ERROR') {
        const status = (object ?? {}) as { code?: unknown; message?: unknown }
        if (status.code === 410) expired = true
        else failure = watchError(status.code, status.message)
        return callback(type, object, raw)
      }
      hooks.event()
      if (type === 'BOOKMARK') return callback(type, object, raw)
      const record = hooks.project(object)
      if (record !== undefined) callback(type, record, raw)
    }
    const query = { ...params, allowWatchBookmarks: true, timeoutSeconds }
    unanswered = setTimeout(() => {
      finish(new Error(`watch got no answer within ${this.answerTimeoutMs} ms`))
      this.agent?.destroy?.()
    }, this.answerTimeoutMs)
    unanswered.unref()
    try {
      const controller = await super.watch(path, query, onEvent, finish)
      clearTimeout(unanswered)
      if (!ended) {
        deadline = setTimeout(() => controller.abort(), (timeoutSeconds + 30) * 1000)
        deadline.unref()
      }
      return controller
    } catch (err) {
      // Raised before any request (e.g. a kubeconfig the client refuses):
      // ListWatch would leave it unhandled, so report it as the watch's end.
      finish(err)
      return aborted()
    }
  }
}

function aborted(): AbortController {
  const controller = new AbortController()
  controller.abort()
  return controller
}

function watchError(code: unknown, message: unknown): Error {
  const text = typeof message === 'string' ? message : 'unknown error'
  return Object.assign(new Error(`watch error event: ${text}`), { statusCode: code })
}

/** An HTTP library for the generated client whose requests give up after `timeoutMs`. */
function timedHttpLibrary(timeoutMs: number): HttpLibrary {
  const inner = new IsomorphicFetchHttpLibrary()
  return wrapHttpLibrary({
    send(request) {
      request.setSignal(AbortSignal.timeout(timeoutMs))
      return inner.send(request).toPromise()
    },
  })
}

/** The first line of an error: the client's API errors carry whole responses. */
function describe(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown; statusCode?: unknown } | null
  const message = typeof e?.message === 'string' ? e.message : String(err)
  const first = message.split('\n')[0] ?? message
  const status = e?.statusCode ?? (typeof e?.code === 'number' ? e.code : undefined)
  return status === undefined ? first : `${first} (status ${String(status)})`
}
