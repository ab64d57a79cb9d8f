import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { stringify } from 'yaml'
import { root } from '../support/kustomize.js'
import { alertRules, ruleFileContent } from '../support/promql.js'

// promtool comes from Debian's prometheus package (.ci/install-promtool.sh).
// Its absence fails these tests: the rules must not land unchecked.
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' })

const dir = mkdtempSync(join(tmpdir(), 'hx-rules-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
writeFileSync(join(dir, 'rules.yaml'), stringify(ruleFileContent()))
copyFileSync(
  join(root, 'manifests/monitoring/tests/alerts.test.yaml'),
  join(dir, 'alerts.test.yaml'),
)

function run(args: string[]): { ok: boolean; output: string } {
  try {
    const output = execFileSync('promtool', args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' })
    return { ok: true, output }
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string }
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}${e.message}` }
  }
}

t.test('promtool is installed', async (t) => {
  t.equal(promtool.error, undefined, 'run .ci/install-promtool.sh to install it')
  t.match(promtool.stdout ?? '', /promtool/)
})

t.test('the alert rules pass promtool check rules', async (t) => {
  const result = run(['check', 'rules', 'rules.yaml'])
  t.ok(result.ok, result.output)
})

t.test('the alert rules pass their promtool unit tests', async (t) => {
  const result = run(['test', 'rules', 'alerts.test.yaml'])
  t.ok(result.ok, result.output)
})

t.test('every alert has a unit test', async (t) => {
  const tests = readFileSync(join(dir, 'alerts.test.yaml'), 'utf8')
  for (const rule of alertRules()) t.match(tests, `alertname: ${rule.alert}\n`, rule.alert)
})

t.test('every alert has a severity and a runbook section in docs/deploy.md', async (t) => {
  const doc = readFileSync(join(root, 'docs/deploy.md'), 'utf8')
  for (const rule of alertRules()) {
    t.match(rule.labels?.severity ?? '', /^(warning|critical)$/, `${rule.alert} severity`)
    t.equal(rule.annotations?.runbook, `docs/deploy.md#${rule.alert.toLowerCase()}`)
    const section = new RegExp(`^#+ ${rule.alert}\\n\\n\\S`, 'm')
    t.match(doc, section, `${rule.alert} has a runbook paragraph`)
  }
})
