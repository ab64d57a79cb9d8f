import { formatProblem, type Problem } from '../errors.js'
import { checkPolicyText, readPolicyFile } from '../policy/load.js'
import { outputFormat, parseFlags } from './args.js'
import type { Io } from './main.js'

const help = `usage: hybrid-extender check [--output text|json] FILE...

Validates placement policies and lints them. Prints every error and warning
as file:line:col: path: message. Warnings (rules that can never take effect)
do not fail the check.

  --output F   text (default) or json

exit status: 0 all valid, 1 some policy is not valid, 2 bad command line
`

/** What `check` found in one file. */
export interface FileCheck {
  file: string
  valid: boolean
  /** Error code when not valid (HX_POLICY_READ, _YAML, _SCHEMA, _REFERENCE). */
  code: string | null
  errors: Problem[]
  warnings: Problem[]
}

/** Checks one policy file. */
export function checkFile(file: string): FileCheck {
  let text: string
  try {
    text = readPolicyFile(file)
  } catch (err) {
    const errors = [{ path: '', message: (err as Error).message }]
    return { file, valid: false, code: 'HX_POLICY_READ', errors, warnings: [] }
  }
  const result = checkPolicyText(text, file)
  return {
    file,
    valid: result.code === undefined,
    code: result.code ?? null,
    errors: result.errors,
    warnings: result.warnings,
  }
}

/** `hybrid-extender check FILE...` */
export async function check(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { output: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    true,
  )
  if (values.help === true) {
    io.out(help)
    return 0
  }
  const format = outputFormat(values.output)
  if (positionals.length === 0) {
    io.err(`hybrid-extender check: no policy file given\n${help}`)
    return 2
  }
  const results = positionals.map(checkFile)
  if (format === 'json') io.out(`${JSON.stringify(results, null, 2)}\n`)
  else {
    for (const r of results) {
      for (const p of r.errors) io.out(`${formatProblem(p, r.file)}\n`)
      for (const p of r.warnings) {
        io.out(`${formatProblem({ ...p, message: `warning: ${p.message}` }, r.file)}\n`)
      }
      if (r.valid) io.out(`${r.file}: valid, ${r.warnings.length} warning(s)\n`)
    }
  }
  return results.every((r) => r.valid) ? 0 : 1
}
