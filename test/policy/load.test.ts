import t from 'tap'
import { readFileSync } from 'node:fs'
import { ExtenderError } from '../../src/errors.js'
import { loadPolicyFile, loadPolicyText } from '../../src/policy/load.js'
import { defaultPolicyPath } from '../../src/cli/serve.js'

const defaultText = readFileSync(defaultPolicyPath, 'utf8')

function problemsOf(text: string): ExtenderError {
  try {
    loadPolicyText(text, 'policy.yaml')
  } catch (err) {
    if (err instanceof ExtenderError) return err
    throw err
  }
  throw new Error('policy loaded but should not have')
}

t.test('the default policy loads with its pools and classes in order', async (t) => {
  const p = loadPolicyFile(defaultPolicyPath)
  t.equal(p.name, 'default')
  t.same(
    p.pools.map((x) => x.name),
    ['virtual', 'accelerator', 'dedicated'],
  )
  t.same(
    p.classes.map((x) => x.name),
    ['node-agent', 'accelerator', 'bursty', 'steady'],
  )
  t.match(p.hash, /^[0-9a-f]{64}$/)
})

t.test('broken YAML is reported with its line', async (t) => {
  const err = problemsOf('apiVersion: x\nkind: [unclosed\n')
  t.equal(err.code, 'HX_POLICY_YAML')
  t.ok(err.problems[0]?.line !== undefined && err.problems[0].line >= 2)
})

t.test('duplicate keys are refused', async (t) => {
  const err = problemsOf('apiVersion: a\napiVersion: b\n')
  t.equal(err.code, 'HX_POLICY_YAML')
})

t.test('an unknown key is reported with its path and line', async (t) => {
  const text = defaultText.replace('    virtual: true\n', '    virtual: true\n    virtaul: true\n')
  const err = problemsOf(text)
  t.equal(err.code, 'HX_POLICY_SCHEMA')
  const problem = err.problems.find((p) => p.path === '/pools/0/virtaul')
  t.ok(problem, JSON.stringify(err.problems))
  const line = text.split('\n').findIndex((l) => l.includes('virtaul')) + 1
  t.equal(problem?.line, line)
  t.equal(problem?.column, 5)
})

t.test('every problem is reported, not only the first', async (t) => {
  const text = defaultText
    .replace('score: 10\n        bestFit', 'score: eleven\n        bestFit')
    .replace('ownerKinds: [Job]', 'ownerKinds: Job')
  const err = problemsOf(text)
  t.equal(err.code, 'HX_POLICY_SCHEMA')
  const paths = err.problems.map((p) => p.path)
  t.ok(paths.includes('/classes/1/pools/0/score'), JSON.stringify(paths))
  t.ok(paths.includes('/classes/2/match/ownerKinds'), JSON.stringify(paths))
  t.ok(err.problems.every((p) => typeof p.line === 'number'))
})

t.test('scores outside 0..10 are refused', async (t) => {
  const err = problemsOf(defaultText.replace('score: 4', 'score: 11'))
  t.equal(err.problems[0]?.path, '/classes/2/pools/1/score')
})

t.test('a class naming a pool that does not exist is refused', async (t) => {
  const err = problemsOf(
    defaultText.replace(
      '- pool: virtual\n        score: 10',
      '- pool: serverless\n        score: 10',
    ),
  )
  t.equal(err.code, 'HX_POLICY_REFERENCE')
  t.equal(err.problems[0]?.path, '/classes/2/pools/0/pool')
  t.match(err.problems[0]?.message, /serverless/)
  t.ok(err.problems[0]?.line)
})

t.test('best fit on a virtual pool is refused: its capacity is not real', async (t) => {
  const text = defaultText.replace(
    '      - pool: virtual\n        score: 1\n  - name: bursty',
    '      - pool: virtual\n        score: 1\n        bestFit: { lowestScore: 0 }\n  - name: bursty',
  )
  const err = problemsOf(text)
  t.equal(err.code, 'HX_POLICY_REFERENCE')
  t.match(err.problems[0]?.path, /bestFit$/)
})

t.test('duplicate names and an unknown default class are refused', async (t) => {
  const text = defaultText
    .replace('defaultClass: steady', 'defaultClass: premium')
    .replace('- name: bursty', '- name: steady')
  const err = problemsOf(text)
  const paths = err.problems.map((p) => p.path)
  t.ok(paths.includes('/defaultClass'))
  t.ok(paths.includes('/classes/3/name'))
})

t.test('a document that is not a mapping is refused', async (t) => {
  for (const text of ['', '- a\n- b\n', 'just text\n']) {
    t.equal(problemsOf(text).code, 'HX_POLICY_SCHEMA', JSON.stringify(text))
  }
})

t.test('a YAML alias bomb is refused instead of expanded', async (t) => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x]']
  for (let i = 0; i < 9; i++) {
    const prev = String.fromCharCode(97 + i)
    const next = String.fromCharCode(98 + i)
    lines.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(', ')}]`)
  }
  t.equal(problemsOf(lines.join('\n')).code, 'HX_POLICY_YAML')
})

t.test('a missing file is refused with its own code', async (t) => {
  t.throws(() => loadPolicyFile('/nonexistent/policy.yaml'), { code: 'HX_POLICY_READ' })
})
