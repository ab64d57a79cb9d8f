import t from 'tap'
import { readFileSync } from 'node:fs'
import { errorCodes, ExtenderError, formatProblem } from '../src/errors.js'

t.test('every error code is documented in the README', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  for (const code of Object.keys(errorCodes)) t.match(readme, `| \`${code}\` |`, code)
})

t.test('errors keep their code, problems and cause', async (t) => {
  const cause = new Error('inner')
  const err = new ExtenderError('HX_POLICY_SCHEMA', 'bad', {
    problems: [{ path: '/a', message: 'm' }],
    cause,
  })
  t.equal(err.code, 'HX_POLICY_SCHEMA')
  t.equal(err.cause, cause)
  t.equal(err.problems.length, 1)
})

t.test('problems print as file:line:col: path: message', async (t) => {
  t.equal(
    formatProblem({ file: 'p.yaml', line: 3, column: 5, path: '/pools/0', message: 'm' }),
    'p.yaml:3:5: /pools/0: m',
  )
  t.equal(formatProblem({ path: '', message: 'm' }), '/: m')
})
