import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Path of the package's command, as `npm start` and the bin link run it. */
export const binPath = fileURLToPath(new URL('../../bin/hybrid-extender.js', import.meta.url))

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
