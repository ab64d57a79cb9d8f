import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../support/process.js'

const dir = mkdtempSync(join(tmpdir(), 'hx-inputs-'))
const bomb = join(dir, 'bomb.yaml')
const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
for (let i = 0; i < 8; i++) {
  const [prev, next] = [String.fromCharCode(97 + i), String.fromCharCode(98 + i)]
  lines.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(', ')}]`)
}
writeFileSync(bomb, lines.join('\n'))
const nodes = 'test/fixtures/b03-gpu-node-small-single-gpu-status.yaml'

t.test('an alias bomb as input is refused with a code and no stack', async (t) => {
  const runs = [
    ['explain', '--policy', 'policies/default.yaml', '--pod', bomb, '--nodes', nodes],
    ['simulate', '--policy', 'policies/default.yaml', '--cluster', bomb],
  ]
  for (const argv of runs) {
    const name = argv[0]!
    const r = await runCli(argv)
    t.equal(r.code, 1, name)
    t.match(r.stderr, /HX_INPUT_FILE/, name)
    t.notMatch(r.stderr, /\n\s+at /, `${name} prints no stack`)
  }
})

t.test('a policy test run over a directory without test files fails', async (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'hx-empty-'))
  const r = await runCli(['test', empty])
  t.equal(r.code, 1)
  t.match(r.stderr, /no policy test files/)
})

t.test('serve failing to listen says why without a stack', async (t) => {
  const r = await runCli(['serve', '--host', '999.1.1.1', '--port', '0'])
  t.equal(r.code, 1)
  t.match(r.stderr, /ENOTFOUND/)
  t.notMatch(r.stderr, /\n\s+at /)
})
