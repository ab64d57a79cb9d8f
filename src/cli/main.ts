import { ExtenderError, formatProblem } from '../errors.js'
import { check } from './check.js'
import { explainCommand } from './explain.js'
import { serve } from './serve.js'
import { simulateCommand } from './simulate.js'
import { testCommand } from './test.js'

const usage = `usage: hybrid-extender <command> [options]

commands:
  serve      run the scheduler extender
  check      validate and lint policy files
  explain    show why a pod would go where it goes
  simulate   place pending pods on a cluster snapshot
  test       run policy test files

see --help of each command
`

/** Output streams, replaceable in tests. */
export interface Io {
  out: (text: string) => void
  err: (text: string) => void
}

const stdio: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
}

/** Runs a command line; resolves to the exit code. Long-running commands resolve when they stop. */
export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case 'serve':
        return await serve(rest, io)
      case 'check':
        return await check(rest, io)
      case 'explain':
        return await explainCommand(rest, io)
      case 'simulate':
        return await simulateCommand(rest, io)
      case 'test':
        return await testCommand(rest, io)
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(usage)
        return command === undefined ? 2 : 0
      default:
        io.err(`hybrid-extender: unknown command "${command}"\n${usage}`)
        return 2
    }
  } catch (err) {
    return reportError(err, io)
  }
}

/** Prints an error for a person: the message, then every located problem. */
export function reportError(err: unknown, io: Io): number {
  if (err instanceof ExtenderError) {
    io.err(`hybrid-extender: ${err.message} [${err.code}]\n`)
    if (err.problems.length > 1) {
      for (const p of err.problems) io.err(`  ${formatProblem(p)}\n`)
    }
    return err.code === 'HX_USAGE' ? 2 : 1
  }
  // System errors (a port in use, an unknown host) are for a person to act
  // on: their message, without a stack. HX_DEBUG=1 shows stacks.
  const e = err as NodeJS.ErrnoException
  const detail = process.env.HX_DEBUG === '1' ? e?.stack : e?.message
  io.err(`hybrid-extender: ${detail ?? String(err)}\n`)
  return 1
}
