/**
 * The registry of coded errors. Every error the service raises on purpose has
 * a code here; tests match on codes, never on message text, and the README's
 * "Errors" section documents each one (a test keeps the two in step).
 */
export const errorCodes = {
  HX_POLICY_READ: 'the policy file cannot be read',
  HX_POLICY_YAML: 'the policy file is not valid YAML',
  HX_POLICY_SCHEMA: 'the policy does not match the policy schema',
  HX_POLICY_REFERENCE: 'the policy refers to something it does not define',
  HX_REQUEST_JSON: 'the request body is not valid JSON',
  HX_REQUEST_SHAPE: 'the request body is JSON of the wrong shape',
  HX_REQUEST_TOO_LARGE: 'the request body is larger than the configured limit',
  HX_REQUEST_TOO_DEEP: 'the request body nests JSON deeper than the configured limit',
  HX_OVERLOADED: 'more extender requests are in flight than the configured cap',
  HX_NOT_READY: 'a names-only request came before the cluster cache was ready',
  HX_USAGE: 'the command line is not valid',
  HX_INPUT_FILE: 'an input file cannot be read or parsed',
  HX_TLS_FILE: 'a TLS certificate, key or CA file cannot be read',
  HX_KUBECONFIG: 'the kubeconfig cannot be loaded or names no cluster',
  HX_TEST_FILE: 'a policy test file does not match the policy test format',
} as const

/** One of the codes of {@link errorCodes}. */
export type ErrorCode = keyof typeof errorCodes

/** One problem found in a document, located by path and, when known, line. */
export interface Problem {
  /** The file the problem is in, when it comes from one. */
  file?: string
  /** JSON-pointer-like path into the document, e.g. `/classes/2/pools/0/score`. */
  path: string
  message: string
  /** 1-based line and column in the source file, when the source is YAML. */
  line?: number
  column?: number
}

/** An error carrying a registry code and, for documents, every problem found. */
export class ExtenderError extends Error {
  readonly code: ErrorCode
  readonly problems: Problem[]

  constructor(
    code: ErrorCode,
    message: string,
    opts: { problems?: Problem[]; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'ExtenderError'
    this.code = code
    this.problems = opts.problems ?? []
  }
}

/** Formats a problem as `file:line:col: path: message` (file and line when known). */
export function formatProblem(problem: Problem, file = problem.file): string {
  const where = [file, problem.line, problem.column].filter((p) => p !== undefined).join(':')
  const path = problem.path === '' ? '/' : problem.path
  return `${where === '' ? '' : `${where}: `}${path}: ${problem.message}`
}
