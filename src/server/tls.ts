import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs'
import { createSecureContext } from 'node:tls'
import type { SecureContextOptions } from 'node:tls'
import { ExtenderError } from '../errors.js'

/** Where the serving certificate, its key and the optional client CA live. */
export interface TlsFiles {
  /** PEM certificate chain presented to clients, leaf first. */
  certFile: string
  /** PEM private key of the leaf certificate. */
  keyFile: string
  /** PEM bundle of CAs that sign client certificates; set, a client must present one. */
  clientCaFile?: string
}

/** Options for fastify's `https` with `http2: true`: HTTP/2 offered, HTTP/1.1 accepted. */
export interface HttpsOptions extends SecureContextOptions {
  allowHTTP1: true
  requestCert: boolean
  rejectUnauthorized: boolean
}

/** What a TLS server needs to take new certificates while it serves. */
export interface SecureContextTarget {
  setSecureContext(options: SecureContextOptions): void
}

/** Reads the files into secure-context options; a missing or bad file is `HX_TLS_FILE`. */
export function readSecureContext(files: TlsFiles): SecureContextOptions {
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path)
    } catch (err) {
      const message = `cannot read the ${what} ${path}: ${(err as Error).message}`
      throw new ExtenderError('HX_TLS_FILE', message, { cause: err })
    }
  }
  const context: SecureContextOptions = {
    cert: read(files.certFile, 'TLS certificate'),
    key: read(files.keyFile, 'TLS key'),
  }
  if (files.clientCaFile !== undefined) context.ca = read(files.clientCaFile, 'client CA')
  return context
}

/** The `https` options for fastify, client certificates required when a client CA is given. */
export function httpsOptions(files: TlsFiles): HttpsOptions {
  const requireClientCert = files.clientCaFile !== undefined
  const context = readSecureContext(files)
  try {
    // Fails here, with the file names, rather than later inside listen().
    createSecureContext(context)
  } catch (err) {
    const names = [files.certFile, files.keyFile, files.clientCaFile].filter(Boolean).join(', ')
    const message = `cannot use the TLS files ${names}: ${(err as Error).message}`
    throw new ExtenderError('HX_TLS_FILE', message, { cause: err })
  }
  return {
    ...context,
    allowHTTP1: true,
    requestCert: requireClientCert,
    rejectUnauthorized: requireClientCert,
  }
}

/** What the reloader reports: a new context taken, or files that could not be used. */
export interface ReloadEvents {
  reloaded: () => void
  failed: (err: unknown) => void
}

/**
 * Polls the files' status and gives the server a new secure context when any
 * of them changes. Polling, not `fs.watch`: Secret volumes swap a symlinked
 * directory, which inotify on the file path does not see. A pair that does
 * not match yet (cert written, key not) fails and is retried at the next
 * change. Returns a function that stops polling.
 */
export function reloadOnChange(
  server: SecureContextTarget,
  files: TlsFiles,
  events: ReloadEvents,
  intervalMs = 5000,
): () => void {
  const paths = [files.certFile, files.keyFile, files.clientCaFile].filter(
    (p): p is string => p !== undefined,
  )
  const onChange = (current: Stats, previous: Stats) => {
    const same =
      current.mtimeMs === previous.mtimeMs &&
      current.ino === previous.ino &&
      current.size === previous.size
    if (same) return
    try {
      server.setSecureContext(readSecureContext(files))
      events.reloaded()
    } catch (err) {
      events.failed(err)
    }
  }
  for (const path of paths) watchFile(path, { interval: intervalMs, persistent: false }, onChange)
  return () => {
    for (const path of paths) unwatchFile(path, onChange)
  }
}
