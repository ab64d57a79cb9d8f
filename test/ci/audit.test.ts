// .ci/audit.sh decides from npm's JSON report; a stand-in `npm` on PATH
// prints each kind of report, so no registry is needed.
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { repoPath } from '../support/objects.js'

function audit(report: unknown, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hx-audit-'))
  try {
    writeFileSync(join(dir, 'report.json'), JSON.stringify(report))
    const npm = join(dir, 'npm')
    writeFileSync(npm, `#!/bin/sh\ncat "${join(dir, 'report.json')}"\nexit 1\n`)
    chmodSync(npm, 0o755)
    const path = `${dir}:${process.env.PATH ?? ''}`
    const run = spawnSync(repoPath('.ci/audit.sh'), { env: { ...process.env, PATH: path, ...env } })
    return { code: run.status, out: String(run.stdout) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const counts = (high: number, critical: number) => ({
  info: 0,
  low: 1,
  moderate: 1,
  high,
  critical,
  total: 2 + high + critical,
})

t.test('a high or critical advisory fails the audit and is named', async (t) => {
  const { code, out } = audit({
    vulnerabilities: {
      'some-lib': { severity: 'critical', range: '<1.2.3' },
      'other-lib': { severity: 'moderate' },
    },
    metadata: { vulnerabilities: counts(0, 1) },
  })
  t.equal(code, 1)
  t.match(out, 'critical: some-lib <1.2.3')
  t.notMatch(out, 'other-lib')
})

t.test('only lower advisories pass', async (t) => {
  const { code, out } = audit({
    vulnerabilities: { 'other-lib': { severity: 'moderate' } },
    metadata: { vulnerabilities: counts(0, 0) },
  })
  t.equal(code, 0)
  t.match(out, 'no high or critical advisories')
})

t.test('an unreachable registry is reported; it fails only when required', async (t) => {
  const error = { message: '405 Method Not Allowed', statusCode: 405 }
  const lenient = audit(error)
  t.equal(lenient.code, 0)
  t.match(lenient.out, 'NOT CHECKED')
  t.equal(audit(error, { AUDIT_REQUIRED: '1' }).code, 1)
})
