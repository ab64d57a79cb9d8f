import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { header, repoPath } from '../support/objects.js'
import { run } from '../support/io.js'

function tempFile(t: { teardown: (fn: () => void) => void }, name: string, text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'check-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}

t.test('the default and example policies are valid and exit 0', async (t) => {
  const files = ['default', 'examples/overflow', 'examples/burst-budgets']
  const r = await run(['check', ...files.map((f) => repoPath(`policies/${f}.yaml`))])
  t.equal(r.code, 0)
  t.match(r.out, /default\.yaml: valid, 0 warning\(s\)/)
  t.match(r.out, /burst-budgets\.yaml: valid, 0 warning\(s\)/)
})

t.test('every schema error prints as file:line:col: path: message and exits 1', async (t) => {
  const file = tempFile(
    t,
    'bad.yaml',
    `${header}pools:\n  - name: all\n    colour: red\n` +
      'classes:\n  - name: c\n    pools:\n      - pool: all\n        score: 11\n',
  )
  const r = await run(['check', file])
  t.equal(r.code, 1)
  t.match(r.out, `${file}:5:5: /pools/0/colour: unknown key`)
  t.match(r.out, `${file}:10:9: /classes/0/pools/0/score: must be <= 10`)
})

t.test('warnings print located but do not fail the check', async (t) => {
  const file = tempFile(
    t,
    'warn.yaml',
    `${header}pools:\n  - name: all\n  - name: never\n` +
      'classes:\n  - name: c\n    pools: [{ pool: all, score: 1 }]\n',
  )
  const r = await run(['check', file])
  t.equal(r.code, 0)
  t.match(r.out, `${file}:5:5: /pools/1/match: warning: pool "never" can never match a node`)
  t.match(r.out, `${file}:5:5: /pools/1/name: warning: pool "never" is allowed for no class`)
})

t.test('--output json gives each file its validity, code, errors and warnings', async (t) => {
  const bad = tempFile(t, 'bad.yaml', 'kind: [\n')
  const r = await run(['check', '--output', 'json', repoPath('policies/default.yaml'), bad])
  t.equal(r.code, 1)
  t.match(JSON.parse(r.out), [
    { valid: true, code: null, errors: [], warnings: [] },
    { file: bad, valid: false, code: 'HX_POLICY_YAML', errors: [{ line: Number }] },
  ])
})

t.test('an unreadable file is reported and fails the check', async (t) => {
  const r = await run(['check', '--output', 'json', '/nonexistent/policy.yaml'])
  t.equal(r.code, 1)
  t.match(JSON.parse(r.out), [{ valid: false, code: 'HX_POLICY_READ' }])
})

t.test('no file or a bad flag is a usage error with exit 2', async (t) => {
  t.equal((await run(['check'])).code, 2)
  t.equal((await run(['check', '--bogus', 'x.yaml'])).code, 2)
  t.equal((await run(['check', '--output', 'xml', 'x.yaml'])).code, 2)
})
