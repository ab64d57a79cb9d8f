import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { root } from './kustomize.js'
import { pollUntil } from './poll.js'

/** A running `hybrid-extender serve` process and the addresses it listens on. */
export interface ServeProcess {
  child: ChildProcess
  /** The extender port, e.g. `http://127.0.0.1:41234` (https with TLS). */
  url: string
  /** The `--metrics-port` listener, when one was asked for. */
  opsUrl: string | undefined
  /** Log lines (pino JSON) seen so far. */
  logs: Record<string, unknown>[]
  /** Sends SIGTERM and waits for the exit code (SIGKILL after 20 s). */
  stop: () => Promise<number | null>
}

/**
 * Starts `node bin/hybrid-extender.js serve --host 127.0.0.1 --port 0 ...args`
 * from `opts.cwd` (the repository by default) with `opts.env` added and no
 * loader in NODE_OPTIONS, and waits for its listening log lines.
 */
export async function startServe(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ServeProcess> {
  const cwd = opts.cwd ?? root
  const env = { ...process.env, ...opts.env }
  delete env.NODE_OPTIONS
  const argv = ['bin/hybrid-extender.js', 'serve', '--host', '127.0.0.1', '--port', '0', ...args]
  const child = spawn(process.execPath, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const logs: Record<string, unknown>[] = []
  let stderr = ''
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)))
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>)
    } catch {
      logs.push({ msg: line })
    }
  })
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  const wantsOps = args.includes('--metrics-port')
  const addressOf = (msg: string) => logs.find((l) => l.msg === msg)?.address as string | undefined

  try {
    const listening = () => {
      if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${stderr}`)
      const main = addressOf('listening')
      const ops = addressOf('operations port listening')
      return main !== undefined && (!wantsOps || ops !== undefined) ? true : undefined
    }
    await pollUntil('serve to listen', listening, 60_000)
  } catch (err) {
    child.kill('SIGKILL')
    throw new Error(`serve did not start: ${stderr}`, { cause: err })
  }
  return {
    child,
    url: addressOf('listening') ?? '',
    opsUrl: addressOf('operations port listening'),
    logs,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      const kill = setTimeout(() => child.kill('SIGKILL'), 20_000)
      const code = await exited
      clearTimeout(kill)
      return code
    },
  }
}
