import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ExtenderError } from '../errors.js'
import { parseFlags } from './args.js'
import type { Io } from './main.js'
import { runPolicyTestFile, type CaseResult } from './policy-tests.js'

const help = `usage: hybrid-extender test DIR|FILE...

Runs policy test files (every .yaml or .yml file of each DIR). Each file
names a policy, nodes, and cases: a pod and what the policy must make of it
(class, verdict per node, scores, best node). Failures print as a diff:
"-" what the test expects, "+" what the policy does.

exit status: 0 all cases pass, 1 some case fails or a file is bad,
2 bad command line
`

/** `hybrid-extender test DIR|FILE...` */
export async function testCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { help: { type: 'boolean', short: 'h' } }, true)
  if (values.help === true) {
    io.out(help)
    return 0
  }
  if (positionals.length === 0) {
    io.err(`hybrid-extender test: no test directory or file given\n${help}`)
    return 2
  }
  let passed = 0
  let failed = 0
  const files = positionals.flatMap(testFiles)
  if (files.length === 0) {
    // A mistyped directory in CI must not pass silently.
    io.err(
      `hybrid-extender test: no policy test files (.yaml, .yml) in ${positionals.join(', ')}\n`,
    )
    return 1
  }
  for (const file of files) {
    let results: CaseResult[]
    try {
      results = runPolicyTestFile(file)
    } catch (err) {
      if (!(err instanceof ExtenderError)) throw err
      io.out(`FAIL ${file}\n  ${err.code}: ${err.message}\n`)
      failed++
      continue
    }
    for (const r of results) {
      if (r.diff.length === 0) {
        passed++
        io.out(`ok   ${file} › ${r.name}\n`)
      } else {
        failed++
        const lines = r.diff.map((l) => (/^[-+] /.test(l) ? `    ${l}` : `  ${l}`))
        io.out(`FAIL ${file} › ${r.name}\n${lines.join('\n')}\n`)
      }
    }
  }
  io.out(`\n${passed} passed, ${failed} failed\n`)
  return failed === 0 ? 0 : 1
}

function testFiles(path: string): string[] {
  let isDir: boolean
  try {
    isDir = statSync(path).isDirectory()
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err)
    throw new ExtenderError('HX_INPUT_FILE', `cannot read ${path}: ${code}`, { cause: err })
  }
  if (!isDir) return [path]
  return readdirSync(path)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(path, f))
}
