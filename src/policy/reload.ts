import { createHash } from 'node:crypto'
import { watch, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { ExtenderError } from '../errors.js'
import type { Metrics } from '../metrics.js'
import { loadPolicyText } from './load.js'
import type { PolicyStore } from './store.js'

/** The part of a pino logger the watcher writes to. */
export interface ReloadLog {
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  error(fields: object, message: string): void
}

export interface PolicyWatchOptions {
  /** The policy file; a symlink (as a mounted ConfigMap's) is followed on every read. */
  path: string
  store: PolicyStore
  log: ReloadLog
  metrics?: Metrics
  /** How often the file is read and hashed, whatever fs.watch reports. Default 2,000. */
  pollIntervalMs?: number
  /** Quiet time after a change event before reading, so one save reads once. Default 100. */
  debounceMs?: number
}

/** What a reload did: nothing new to read, a new policy swapped in, or a version refused. */
export type ReloadResult = 'unchanged' | 'success' | 'failure'

/** A running policy file watcher. */
export interface PolicyWatcher {
  /**
   * Reads the file now and swaps in a new valid version. `force` reloads even
   * when the content is unchanged (SIGHUP); otherwise a version already
   * tried, good or bad, is not tried again.
   */
  reload(opts?: { force?: boolean }): Promise<ReloadResult>
  close(): void
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const same = (a: string | Error, b: string | Error) =>
  typeof a === 'string' ? a === b : typeof b !== 'string' && a.message === b.message

/**
 * Watches the policy file and keeps the store on its last good version.
 * fs.watch on the file's directory catches edits and the atomic `..data`
 * symlink swap of a mounted ConfigMap where the filesystem reports it; a
 * poll (read and hash) catches it where it does not. Reading, validating
 * and compiling run off the request path, then the store swaps.
 */
export function watchPolicy(opts: PolicyWatchOptions): PolicyWatcher {
  const { path, store, log, metrics } = opts
  let tried = store.current.hash
  let queue: Promise<ReloadResult> = Promise.resolve('unchanged')
  let busy = false
  let closed = false
  let debounce: NodeJS.Timeout | undefined

  const read = async (): Promise<string | ExtenderError> => {
    try {
      return await readFile(path, 'utf8')
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error'
      const message = `cannot read policy file ${path}: ${code}`
      return new ExtenderError('HX_POLICY_READ', message, { cause: err })
    }
  }

  const check = async (force: boolean): Promise<ReloadResult> => {
    let text = await read()
    for (let attempt = 0; ; attempt++) {
      const hash = typeof text === 'string' ? sha256(text) : `unreadable:${text.message}`
      if (!force && hash === tried) return 'unchanged'
      let next
      try {
        if (typeof text !== 'string') throw text
        next = loadPolicyText(text, path)
      } catch (err) {
        // An editor writing in place can be read half-way: a bad version
        // counts only once the file has held still for a moment.
        await sleep(opts.debounceMs ?? 100)
        const again = await read()
        if (attempt < 3 && !same(again, text)) {
          text = again
          continue
        }
        tried = hash
        return fail(err)
      }
      tried = hash
      store.swap(next)
      metrics?.policyReloads.inc({ result: 'success' })
      log.info({ file: path, name: next.name, hash: next.hash }, 'policy reloaded')
      return 'success'
    }
  }

  const fail = (err: unknown): ReloadResult => {
    metrics?.policyReloads.inc({ result: 'failure' })
    const first = err instanceof ExtenderError ? err.problems[0] : undefined
    log.error({ file: path, line: first?.line, path: first?.path, err }, 'policy reload failed')
    return 'failure'
  }

  const reload = (o: { force?: boolean } = {}) => {
    queue = queue.then(async () => {
      if (closed) return 'unchanged'
      busy = true
      try {
        return await check(o.force === true)
      } catch (err) {
        // Whatever goes wrong, the watcher keeps watching.
        return fail(err)
      } finally {
        busy = false
      }
    })
    return queue
  }

  const poll = setInterval(() => {
    if (!busy) void reload()
  }, opts.pollIntervalMs ?? 2000)
  poll.unref()

  let watcher: FSWatcher | undefined
  try {
    watcher = watch(dirname(path), { persistent: false }, () => {
      clearTimeout(debounce)
      debounce = setTimeout(() => void reload(), opts.debounceMs ?? 100)
      debounce.unref()
    })
    watcher.on('error', (err) => log.warn({ file: path, err }, 'policy watch failed'))
  } catch (err) {
    // Some filesystems cannot be watched; the poll still sees every change.
    log.warn({ file: path, err }, 'policy watch failed')
  }

  return {
    reload,
    close() {
      closed = true
      clearInterval(poll)
      clearTimeout(debounce)
      watcher?.close()
    },
  }
}
