import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Path of the package's command, as `npm start` and the bin link run it. */
export const binPath = fileURLToPath(new URL('../../bin/hybrid-extender.js', import.meta.url))

/** A started `hybrid-extender serve` process and the address it listens on. */
export interface Served {
  child: ChildProcess
  url: string
  logs: string[]
  stop(): Promise<number | null>
}

/**
 * Starts `hybrid-extender serve` on a free loopback port and waits for its
 * 'listening' log line (up to `timeoutMs`).
 */
export async function startServe(
  args: string[] = [],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Served> {
  const child = spawn(process.execPath, [binPath, 'serve', '--host', '127.0.0.1', '--port', '0', ...args], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs: string[] = []
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`serve did not start: ${logs.join('\n')}`))
    }, opts.timeoutMs ?? 60_000)
    let buffered = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        logs.push(line)
        try {
          const entry = JSON.parse(line)
          if (entry.msg === 'listening') {
            clearTimeout(timer)
            resolve(entry.address)
          }
        } catch {
          // not a log line
        }
      }
    })
    child.stderr!.on('data', (chunk: Buffer) => logs.push(chunk.toString()))
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited with ${code}: ${logs.join('\n')}`))
    })
  })
  return {
    child,
    url,
    logs,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode)
        child.once('exit', (code) => resolve(code))
        child.kill('SIGTERM')
      }),
  }
}

/** Runs the CLI to completion and returns its exit code and output. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [binPath, ...args], {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}
