import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/**
 * A stand-in for the Kubernetes API server, enough of it for list+watch of
 * nodes and pods: one resourceVersion counter for everything, chunked watch
 * streams of JSON lines, 410 for a resourceVersion older than the retained
 * history, bookmarks, paged lists with consistent snapshots, and hooks to
 * break things the way a real cluster does. No kubectl or cluster needed.
 */

/** The two collections served, and their list paths. */
export type Kind = 'nodes' | 'pods'
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED'

type Json = Record<string, unknown>

interface HistoryEvent {
  rv: number
  type: WatchEventType
  object: Json
}

interface Watcher {
  kind: Kind
  res: ServerResponse
  bookmarks: boolean
  timer: NodeJS.Timeout | undefined
}

interface Snapshot {
  kind: Kind
  rv: number
  items: Json[]
}

export interface StandInOptions {
  /** Watch events kept per kind for resuming (older ones answer 410). Default 1000. */
  historyLimit?: number
  /** Bookmark interval for watches that ask for them, milliseconds. Default 1000. */
  bookmarkIntervalMs?: number
}

const listKinds: Record<Kind, { kind: string; list: string }> = {
  nodes: { kind: 'Node', list: 'NodeList' },
  pods: { kind: 'Pod', list: 'PodList' },
}

const keyOf = (o: Json): string => {
  const m = (o.metadata ?? {}) as Json
  return `${(m.namespace as string | undefined) ?? ''}/${m.name as string}`
}

/** A kubeconfig for an API server at `url`. The client refuses plain HTTP without skip-verify. */
export function kubeconfigFor(url: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: stand-in',
    '  cluster:',
    `    server: ${url}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: tester',
    '  user:',
    '    token: stand-in-token',
    'contexts:',
    '- name: stand-in',
    '  context: { cluster: stand-in, user: tester }',
    'current-context: stand-in',
    '',
  ].join('\n')
}

/** The stand-in API server; `start()` it, point a kubeconfig at it, then drive it. */
export class StandInApiServer {
  /** Requests served, by kind and verb (`list`, `watch`), for assertions. */
  readonly requests = { nodes: { list: 0, watch: 0 }, pods: { list: 0, watch: 0 } }
  private rv = 1
  private readonly objects: Record<Kind, Map<string, Json>> = { nodes: new Map(), pods: new Map() }
  private readonly history: Record<Kind, HistoryEvent[]> = { nodes: [], pods: [] }
  /** Oldest resourceVersion a watch may resume from, per kind. */
  private readonly oldest: Record<Kind, number> = { nodes: 1, pods: 1 }
  private readonly watchers = new Set<Watcher>()
  private readonly sockets = new Set<Socket>()
  private readonly snapshots = new Map<string, Snapshot>()
  private snapshotSeq = 0
  private failures: { status: number; remaining: number } | undefined
  private hangs = 0
  private slow: { delayMs: number; remaining: number } | undefined
  private server: Server | undefined
  private portNumber = 0
  private readonly historyLimit: number
  private readonly bookmarkIntervalMs: number

  constructor(options: StandInOptions = {}) {
    this.historyLimit = options.historyLimit ?? 1000
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 1000
  }

  /** Listens on 127.0.0.1 (on `port`, else the port used before, else any free one). */
  async start(port = this.portNumber): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res))
    server.on('connection', (socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    server.listen(port, '127.0.0.1')
    await once(server, 'listening')
    this.server = server
    this.portNumber = (server.address() as AddressInfo).port
  }

  get port(): number {
    return this.portNumber
  }

  get url(): string {
    return `http://127.0.0.1:${this.portNumber}`
  }

  /** The current resourceVersion (of the last change). */
  get resourceVersion(): number {
    return this.rv
  }

  /** A kubeconfig for the stand-in (see {@link kubeconfigFor}). */
  kubeconfig(): string {
    return kubeconfigFor(this.url)
  }

  /** Writes {@link kubeconfig} to `path` and returns the path. */
  writeKubeconfig(path: string): string {
    writeFileSync(path, this.kubeconfig())
    return path
  }

  /**
   * Creates or replaces an object (ADDED or MODIFIED), stamping a new
   * resourceVersion. With `copy: false` the object itself is stored (its
   * metadata is written to), so large synthetic sets can share their parts.
   */
  apply(kind: Kind, object: Json, { copy = true } = {}): Json {
    const stored = copy ? structuredClone(object) : object
    const metadata = (stored.metadata ??= {}) as Json
    if (kind === 'pods') metadata.namespace ??= 'default'
    const key = keyOf(stored)
    const type = this.objects[kind].has(key) ? 'MODIFIED' : 'ADDED'
    metadata.resourceVersion = String(++this.rv)
    this.objects[kind].set(key, stored)
    this.record(kind, type, stored)
    return stored
  }

  /** Deletes an object by `namespace/name` (nodes: `/name`); false when absent. */
  remove(kind: Kind, name: string, namespace = kind === 'pods' ? 'default' : ''): boolean {
    const key = `${namespace}/${name}`
    const old = this.objects[kind].get(key)
    if (old === undefined) return false
    this.objects[kind].delete(key)
    const gone = structuredClone(old)
    ;(gone.metadata as Json).resourceVersion = String(++this.rv)
    this.record(kind, 'DELETED', gone)
    return true
  }

  /** The stored object, a copy, or undefined. */
  get(kind: Kind, name: string, namespace = kind === 'pods' ? 'default' : ''): Json | undefined {
    const o = this.objects[kind].get(`${namespace}/${name}`)
    return o === undefined ? undefined : structuredClone(o)
  }

  /** Every stored object of a kind, copies, in key order: the truth a cache converges to. */
  stored(kind: Kind): Json[] {
    const entries = [...this.objects[kind].entries()].sort(([a], [b]) => (a < b ? -1 : 1))
    return entries.map(([, o]) => structuredClone(o))
  }

  /** Active watch streams, by kind. */
  watchCount(kind?: Kind): number {
    return [...this.watchers].filter((w) => kind === undefined || w.kind === kind).length
  }

  /**
   * Drops every watch connection mid-stream: half an event line, then the
   * socket is destroyed without ending the chunked body.
   */
  cutWatches(): void {
    for (const w of [...this.watchers]) {
      this.dropWatcher(w)
      w.res.write('{"type":"MODIFIED","object":{"kind":')
      w.res.socket?.destroy()
    }
  }

  /** Ends every watch cleanly, as the API server does when a watch times out. */
  endWatches(): void {
    for (const w of [...this.watchers]) this.endWatcher(w)
  }

  /** Forgets the watch history: resuming from any earlier resourceVersion gets 410 Gone. */
  compact(): void {
    for (const kind of ['nodes', 'pods'] as const) {
      this.history[kind] = []
      this.oldest[kind] = this.rv + 1
    }
    this.snapshots.clear()
  }

  /** Sends a bookmark on every watch that asked for them. */
  bookmarkNow(): void {
    for (const w of this.watchers) if (w.bookmarks) this.send(w, this.bookmark(w.kind))
  }

  /**
   * Ends every watch with an ERROR event carrying 410 Expired, as the API
   * server does when a watcher falls too far behind.
   */
  expireWatches(): void {
    this.errorWatches(410)
  }

  /** Ends every watch with an ERROR event carrying a Status of `code`. */
  errorWatches(code: number): void {
    const status =
      code === 410
        ? this.gone(this.rv)
        : this.statusObject(code, 'InternalError', 'stand-in watch error')
    for (const w of [...this.watchers]) {
      this.dropWatcher(w)
      w.res.end(JSON.stringify({ type: 'ERROR', object: status }) + '\n')
    }
  }

  /** Answers the next `count` requests with an error Status of `status`. */
  failNext(count: number, status = 500): void {
    this.failures = { status, remaining: count }
  }

  /** Accepts the next `count` requests and never answers them (until {@link down}). */
  hangNext(count: number): void {
    this.hangs = count
  }

  /**
   * Answers the next `count` requests `delayMs` late (a list after the delay,
   * a watch's first byte after it), as an overloaded API server does.
   */
  slowNext(count: number, delayMs: number): void {
    this.slow = { delayMs, remaining: count }
  }

  /** Stops listening and drops every connection: clients see connection refused. */
  async down(): Promise<void> {
    const server = this.server
    if (server === undefined) return
    this.server = undefined
    for (const w of [...this.watchers]) this.dropWatcher(w)
    const closed = once(server, 'close')
    server.close()
    for (const s of this.sockets) s.destroy()
    await closed
  }

  /** Listens again on the same port after {@link down}. */
  async up(): Promise<void> {
    await this.start(this.portNumber)
  }

  /** Stops for good. */
  async stop(): Promise<void> {
    await this.down()
  }

  private record(kind: Kind, type: WatchEventType, object: Json): void {
    const history = this.history[kind]
    history.push({ rv: this.rv, type, object })
    if (history.length > this.historyLimit) {
      const dropped = history.splice(0, history.length - this.historyLimit)
      this.oldest[kind] = (dropped[dropped.length - 1]?.rv ?? 0) + 1
    }
    for (const w of this.watchers) if (w.kind === kind) this.send(w, { type, object })
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.slow !== undefined && this.slow.remaining > 0) {
      this.slow.remaining--
      const timer = setTimeout(() => {
        if (!res.destroyed) this.serve(req, res)
      }, this.slow.delayMs)
      res.on('close', () => clearTimeout(timer))
      return
    }
    this.serve(req, res)
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://stand-in')
    const kind =
      url.pathname === '/api/v1/nodes'
        ? 'nodes'
        : url.pathname === '/api/v1/pods'
          ? 'pods'
          : undefined
    if (this.hangs > 0) {
      this.hangs--
      return
    }
    if (this.failures !== undefined && this.failures.remaining > 0) {
      this.failures.remaining--
      return this.status(res, this.failures.status, 'InternalError', 'stand-in failure on request')
    }
    if (req.method !== 'GET' || kind === undefined) {
      return this.status(res, 404, 'NotFound', `the server could not find ${url.pathname}`)
    }
    const watch = url.searchParams.get('watch')
    if (watch === 'true' || watch === '1') return this.watch(kind, url.searchParams, res)
    return this.list(kind, url.searchParams, res)
  }

  private list(kind: Kind, params: URLSearchParams, res: ServerResponse): void {
    this.requests[kind].list++
    const token = params.get('continue')
    let snapshot: Snapshot
    let start = 0
    if (token !== null && token !== '') {
      const [id, offset] = Buffer.from(token, 'base64url').toString().split(':')
      const found = this.snapshots.get(id ?? '')
      if (found === undefined || found.kind !== kind || found.rv < this.oldest[kind] - 1) {
        return this.status(res, 410, 'Expired', 'the provided continue parameter is too old')
      }
      snapshot = found
      start = Number(offset)
    } else {
      const items = [...this.objects[kind].entries()].sort(([a], [b]) => (a < b ? -1 : 1))
      snapshot = { kind, rv: this.rv, items: items.map(([, o]) => o) }
    }
    const limit = Number(params.get('limit') ?? '0')
    const end = limit > 0 ? Math.min(snapshot.items.length, start + limit) : snapshot.items.length
    const metadata: Json = { resourceVersion: String(snapshot.rv) }
    let id =
      token === null || token === ''
        ? undefined
        : Buffer.from(token, 'base64url').toString().split(':')[0]
    if (end < snapshot.items.length) {
      id ??= String(++this.snapshotSeq)
      this.snapshots.set(id, snapshot)
      metadata.continue = Buffer.from(`${id}:${end}`).toString('base64url')
      metadata.remainingItemCount = snapshot.items.length - end
    } else if (id !== undefined) {
      this.snapshots.delete(id)
    }
    const { list } = listKinds[kind]
    const body = { kind: list, apiVersion: 'v1', metadata, items: snapshot.items.slice(start, end) }
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify(body))
  }

  private watch(kind: Kind, params: URLSearchParams, res: ServerResponse): void {
    this.requests[kind].watch++
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' })
    res.flushHeaders()
    const w: Watcher = {
      kind,
      res,
      bookmarks: params.get('allowWatchBookmarks') === 'true',
      timer: undefined,
    }
    const from = params.get('resourceVersion') ?? ''
    const since = from === '' || from === '0' ? undefined : Number(from)
    if (since !== undefined && (!Number.isFinite(since) || since < this.oldest[kind] - 1)) {
      // The API server reports a too-old resourceVersion inside the stream, then closes it.
      res.end(JSON.stringify({ type: 'ERROR', object: this.gone(since) }) + '\n')
      return
    }
    this.watchers.add(w)
    if (since === undefined) {
      for (const object of this.objects[kind].values()) this.send(w, { type: 'ADDED', object })
    } else {
      for (const e of this.history[kind])
        if (e.rv > since) this.send(w, { type: e.type, object: e.object })
    }
    const timeoutSeconds = Number(params.get('timeoutSeconds') ?? '0')
    const ticks = w.bookmarks
      ? setInterval(() => this.send(w, this.bookmark(kind)), this.bookmarkIntervalMs)
      : undefined
    const deadline =
      timeoutSeconds > 0 ? setTimeout(() => this.endWatcher(w), timeoutSeconds * 1000) : undefined
    w.timer = ticks
    res.on('close', () => {
      clearInterval(ticks)
      clearTimeout(deadline)
      this.watchers.delete(w)
    })
  }

  private bookmark(kind: Kind): Json {
    const object = {
      kind: listKinds[kind].kind,
      apiVersion: 'v1',
      metadata: { resourceVersion: String(this.rv) },
    }
    return { type: 'BOOKMARK', object }
  }

  private gone(since: number): Json {
    return this.statusObject(410, 'Expired', `too old resource version: ${since} (${this.rv})`)
  }

  private send(w: Watcher, event: Json): void {
    w.res.write(JSON.stringify(event) + '\n')
  }

  private dropWatcher(w: Watcher): void {
    clearInterval(w.timer)
    this.watchers.delete(w)
  }

  private endWatcher(w: Watcher): void {
    this.dropWatcher(w)
    w.res.end()
  }

  private statusObject(code: number, reason: string, message: string): Json {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      code,
    }
  }

  private status(res: ServerResponse, code: number, reason: string, message: string): void {
    res.writeHead(code, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify(this.statusObject(code, reason, message)))
  }
}
