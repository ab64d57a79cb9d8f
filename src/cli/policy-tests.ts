import { dirname, resolve } from 'node:path'
import { Ajv } from 'ajv'
import type { NodeSource } from '../cluster/source.js'
import { decide, type NodeVerdict } from '../engine/decide.js'
import { nodeView, podView, type NodeView } from '../engine/views.js'
import { ExtenderError } from '../errors.js'
import { loadPolicyFile } from '../policy/load.js'
import type { CompiledPolicy } from '../policy/types.js'
import { readSnapshot } from './inputs.js'
import { firstPod, nodesIn, podsFor, readObjects } from './objects.js'

type Json = Record<string, unknown>
type Outcome = NodeVerdict['outcome']

const fileOrObject = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'object' }] }
const outcome = { enum: ['pass', 'fail', 'unresolvable'] }

/** The format of a policy test file (YAML); paths are relative to the file. */
export const policyTestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['policy', 'cases'],
  properties: {
    policy: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    nodes: { type: 'array', items: fileOrObject },
    cluster: { type: 'string', minLength: 1 },
    cases: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'pod', 'expect'],
        properties: {
          name: { type: 'string', minLength: 1 },
          pod: fileOrObject,
          namespace: { type: 'string', minLength: 1 },
          annotations: { type: 'object', additionalProperties: { type: 'string' } },
          nodes: { type: 'array', items: fileOrObject },
          cluster: { type: 'string', minLength: 1 },
          expect: {
            type: 'object',
            additionalProperties: false,
            properties: {
              class: { type: ['string', 'null'] },
              verdicts: {
                type: 'object',
                additionalProperties: {
                  anyOf: [
                    outcome,
                    {
                      type: 'object',
                      additionalProperties: false,
                      required: ['outcome'],
                      properties: {
                        outcome,
                        code: { type: 'string' },
                        reason: { type: 'string' },
                      },
                    },
                  ],
                },
              },
              scores: { type: 'object', additionalProperties: { type: 'integer' } },
              best: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
            },
          },
        },
      },
    },
  },
} as const

interface Expected {
  class?: string | null
  verdicts?: Record<string, Outcome | { outcome: Outcome; code?: string; reason?: string }>
  scores?: Record<string, number>
  best?: string | string[]
}

interface CaseDoc {
  name: string
  pod: string | Json
  namespace?: string
  annotations?: Record<string, string>
  nodes?: (string | Json)[]
  cluster?: string
  expect: Expected
}

interface TestFileDoc {
  policy: string
  nodes?: (string | Json)[]
  cluster?: string
  cases: CaseDoc[]
}

/** One case's outcome: `diff` lists what differs (empty when it passed). */
export interface CaseResult {
  file: string
  name: string
  diff: string[]
}

const validate = new Ajv({ allErrors: true, strict: false }).compile<TestFileDoc>(policyTestSchema)

/** Runs every case of a policy test file. Throws HX_TEST_FILE or input errors for a bad file. */
export function runPolicyTestFile(file: string): CaseResult[] {
  const objects = readObjects(file)
  const doc = objects[0]
  if (objects.length !== 1 || !validate(doc)) {
    const why = (validate.errors ?? []).map((e) => {
      const extra = (e.params as { additionalProperty?: string }).additionalProperty
      const path = extra === undefined ? e.instancePath : `${e.instancePath}/${extra}`
      return `${path || '/'}: ${extra === undefined ? e.message : 'unknown key'}`
    })
    const detail = why.join('; ') || 'one document expected'
    throw new ExtenderError('HX_TEST_FILE', `${file} is not a policy test file: ${detail}`)
  }
  const base = dirname(file)
  const at = (path: string) => resolve(base, path)
  const policy = loadPolicyFile(at(doc.policy))
  return doc.cases.map((c) => {
    const snapshot = c.cluster ?? doc.cluster
    const cluster = snapshot === undefined ? undefined : readSnapshot(at(snapshot)).source
    const entries = c.nodes ?? doc.nodes
    const nodes =
      entries === undefined ? [...(cluster?.nodes() ?? [])] : entries.flatMap((e) => nodesOf(e, at))
    return { file, name: c.name, diff: runCase(c, policy, nodes, cluster, at) }
  })
}

function nodesOf(entry: string | Json, at: (p: string) => string): NodeView[] {
  const objects = typeof entry === 'string' ? nodesIn(readObjects(at(entry))) : [entry]
  return objects.map((n) => nodeView(n))
}

function podOf(c: CaseDoc, at: (p: string) => string): Json {
  // An inline object of no workload kind is taken as the Pod itself.
  const pod =
    typeof c.pod === 'string'
      ? firstPod(readObjects(at(c.pod)), c.pod)
      : (podsFor(c.pod)[0] ?? c.pod)
  const metadata = { ...((pod.metadata as Json | undefined) ?? {}) }
  if (c.namespace !== undefined) metadata.namespace = c.namespace
  if (c.annotations !== undefined) {
    const annotations = (metadata.annotations as Json | undefined) ?? {}
    metadata.annotations = { ...annotations, ...c.annotations }
  }
  return { ...pod, metadata }
}

function runCase(
  c: CaseDoc,
  policy: CompiledPolicy,
  nodes: NodeView[],
  cluster: NodeSource | undefined,
  at: (p: string) => string,
): string[] {
  const decision = decide(podView(podOf(c, at)), nodes, policy, { cluster, trace: true })
  const byNode = new Map(decision.verdicts.map((v) => [v.node, v]))
  const diff: string[] = []
  const differ = (what: string, want: string, got: string) => {
    if (want !== got) diff.push(what, `- ${want}`, `+ ${got}`)
  }
  const { expect } = c
  if (expect.class !== undefined) {
    differ('class', String(expect.class), String(decision.podClass.name ?? null))
  }
  for (const [node, want] of Object.entries(expect.verdicts ?? {})) {
    const v = byNode.get(node)
    const w = typeof want === 'string' ? { outcome: want } : want
    const wanted = [w.outcome, w.code, w.reason && `…${w.reason}…`].filter(Boolean).join(' ')
    if (v === undefined) {
      differ(`verdict ${node}`, wanted, 'not among the nodes')
      continue
    }
    const ok =
      v.outcome === w.outcome &&
      (w.code === undefined || v.code === w.code) &&
      (w.reason === undefined || v.message.includes(w.reason))
    const got = v.outcome === 'pass' ? 'pass' : `${v.outcome} ${v.code}: ${v.message}`
    if (!ok) differ(`verdict ${node}`, wanted, got)
  }
  for (const [node, want] of Object.entries(expect.scores ?? {})) {
    const v = byNode.get(node)
    const why = v?.scoreSource ?? v?.message
    const got = v === undefined ? 'not among the nodes' : `${v.score} (${why})`
    if (v?.score !== want) differ(`score ${node}`, String(want), got)
  }
  if (expect.best !== undefined) {
    const want = [expect.best].flat().sort().join(', ') || 'none'
    const passing = decision.verdicts.filter((v) => v.outcome === 'pass')
    const top = Math.max(...passing.map((v) => v.score))
    const got = passing
      .filter((v) => v.score === top)
      .map((v) => v.node)
      .sort()
      .join(', ')
    differ('best', want, got || 'none')
  }
  return diff
}
