import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Ajv, type ErrorObject } from 'ajv'
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml'
import { ExtenderError, type ErrorCode, type Problem } from '../errors.js'
import { compilePolicy, checkReferences } from './compile.js'
import { lintPolicy } from './lint.js'
import { policySchema } from './schema.js'
import type { CompiledPolicy, PolicyDocument } from './types.js'

const ajv = new Ajv({ allErrors: true, strict: false })
const validate = ajv.compile<PolicyDocument>(policySchema)

/** Upper bound on YAML alias expansion: a policy never needs many. */
const maxAliasCount = 50

/** A compiled policy, with a way to add line and column to problems about it. */
interface Parsed {
  policy: CompiledPolicy
  locate: (problem: Problem) => Problem
}

/** What `check` learns of a policy: its errors, or the policy and its warnings. */
export interface PolicyCheck {
  policy: CompiledPolicy | undefined
  /** Code of the error that refused the policy, `undefined` when it is valid. */
  code: ErrorCode | undefined
  errors: Problem[]
  warnings: Problem[]
}

/** Parses, validates and compiles policy text; throws an {@link ExtenderError} listing every problem. */
export function loadPolicyText(text: string, source: string): CompiledPolicy {
  return parse(text, source).policy
}

/** Reads and loads a policy file. */
export function loadPolicyFile(path: string): CompiledPolicy {
  return loadPolicyText(readPolicyFile(path), path)
}

/** Reads a policy file's text; throws HX_POLICY_READ. */
export function readPolicyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    const message = `cannot read policy file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`
    throw new ExtenderError('HX_POLICY_READ', message, { cause: err })
  }
}

/** Validates policy text and lints it: every error, or every warning, located. */
export function checkPolicyText(text: string, source: string): PolicyCheck {
  try {
    const { policy, locate } = parse(text, source)
    const warnings = lintPolicy(policy.document).map(locate)
    return { policy, code: undefined, errors: [], warnings }
  } catch (err) {
    if (!(err instanceof ExtenderError)) throw err
    const errors = err.problems.length > 0 ? err.problems : [{ path: '', message: err.message }]
    return { policy: undefined, code: err.code, errors, warnings: [] }
  }
}

function parse(text: string, source: string): Parsed {
  const lineCounter = new LineCounter()
  // Plain YAML only: a tag (`!!js/function`, `!!binary`, `!Custom`) is
  // refused rather than read as a string, so a policy means what it shows.
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
    resolveKnownTags: false,
  })
  const refused = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED')]
  if (refused.length > 0) {
    const problems = refused.map((e): Problem => {
      const pos = lineCounter.linePos(e.pos[0])
      const message = e.message.split('\n')[0] ?? e.code
      return { file: source, path: '', message, line: pos.line, column: pos.col }
    })
    throw new ExtenderError('HX_POLICY_YAML', summary(source, problems), { problems })
  }

  let data: unknown
  try {
    data = doc.toJS({ maxAliasCount })
  } catch (err) {
    const problems = [{ file: source, path: '', message: (err as Error).message }]
    throw new ExtenderError('HX_POLICY_YAML', summary(source, problems), { problems, cause: err })
  }

  const at = (p: Problem) => locate(doc, lineCounter, p)
  if (!validate(data)) {
    const problems = sortProblems(
      (validate.errors ?? []).map((e) => ({ ...at(schemaProblem(e)), file: source })),
    )
    throw new ExtenderError('HX_POLICY_SCHEMA', summary(source, problems), { problems })
  }

  const referenceProblems = sortProblems(
    checkReferences(data).map((p) => ({ ...at(p), file: source })),
  )
  if (referenceProblems.length > 0) {
    throw new ExtenderError('HX_POLICY_REFERENCE', summary(source, referenceProblems), {
      problems: referenceProblems,
    })
  }
  const hash = createHash('sha256').update(text).digest('hex')
  return { policy: compilePolicy(data, { hash, source }), locate: at }
}

function summary(source: string, problems: Problem[]): string {
  const first = problems[0]
  const where = first?.line === undefined ? source : `${source}:${first.line}:${first.column}`
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''
  return `invalid policy ${where}: ${first?.path || '/'}: ${first?.message ?? 'invalid'}${more}`
}

function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
}

function schemaProblem(e: ErrorObject): Problem {
  const p = e.params as Record<string, unknown>
  switch (e.keyword) {
    case 'additionalProperties':
      return { path: `${e.instancePath}/${String(p.additionalProperty)}`, message: 'unknown key' }
    case 'required':
      return {
        path: e.instancePath,
        message: `missing required key "${String(p.missingProperty)}"`,
      }
    case 'enum':
      return {
        path: e.instancePath,
        message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      }
    case 'minItems':
      return { path: e.instancePath, message: `must have at least ${String(p.limit)} item(s)` }
    case 'minProperties':
      return { path: e.instancePath, message: 'must set one of its keys' }
    case 'maxProperties':
      return { path: e.instancePath, message: 'must set only one of its keys' }
    case 'type':
      return { path: e.instancePath, message: `must be ${String(p.type)}` }
    case 'const':
      return { path: e.instancePath, message: `must be ${JSON.stringify(p.allowedValue)}` }
    default:
      return { path: e.instancePath, message: e.message ?? e.keyword }
  }
}

/** Adds the line and column of the YAML node at the problem's path. */
function locate(doc: Document, lines: LineCounter, problem: Problem): Problem {
  const segments = problem.path.split('/').slice(1).map(unescapePointer)
  let node: unknown = doc.contents
  let offset: number | undefined = rangeStart(node)
  for (const seg of segments) {
    if (isMap(node)) {
      const pair = node.items.find(
        (it) => isPair(it) && isScalar(it.key) && String(it.key.value) === seg,
      )
      if (pair === undefined) break
      offset = rangeStart(pair.key) ?? offset
      node = pair.value
      if (seg !== segments[segments.length - 1]) offset = rangeStart(node) ?? offset
    } else if (isSeq(node)) {
      node = node.items[Number(seg)]
      offset = rangeStart(node) ?? offset
    } else break
  }
  if (offset === undefined) return problem
  const pos = lines.linePos(offset)
  return { ...problem, line: pos.line, column: pos.col }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range
  return range?.[0]
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~')
}
