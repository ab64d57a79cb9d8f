import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { createMetrics } from '../../src/metrics.js'
import { loadPolicyFile } from '../../src/policy/load.js'
import { watchPolicy, type ReloadLog } from '../../src/policy/reload.js'
import { PolicyStore } from '../../src/policy/store.js'
import { repoPath } from '../support/objects.js'
import { pollUntil as waitFor } from '../support/poll.js'

const original = readFileSync(repoPath('policies/default.yaml'), 'utf8')
const renamed = original.replace('name: default', 'name: renamed')
const broken = original.replace('score: 10\n', 'score: eleven\n')

function recorder() {
  const entries: { level: string; fields: Record<string, unknown>; message: string }[] = []
  const at = (level: string) => (fields: object, message: string) =>
    entries.push({ level, fields: fields as Record<string, unknown>, message })
  const log: ReloadLog = { info: at('info'), warn: at('warn'), error: at('error') }
  return { entries, log }
}

/** A directory laid out as kubelet mounts a ConfigMap: policy.yaml → ..data/policy.yaml. */
function configMapDir(t: Test, text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'policy-cm-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  let version = 0
  const publish = (content: string) => {
    const data = `..2026_01_01_00_00_0${version++}.000000000`
    mkdirSync(join(dir, data))
    writeFileSync(join(dir, data, 'policy.yaml'), content)
    symlinkSync(data, join(dir, '..data_tmp'))
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'))
  }
  publish(text)
  symlinkSync('..data/policy.yaml', join(dir, 'policy.yaml'))
  return { path: join(dir, 'policy.yaml'), publish }
}

async function reloads(metrics: ReturnType<typeof createMetrics>, result: string) {
  const values = (await metrics.policyReloads.get()).values
  return values.find((v) => v.labels.result === result)?.value ?? 0
}

t.test('a ConfigMap symlink swap is picked up and swapped in', async (t) => {
  const cm = configMapDir(t, original)
  const metrics = createMetrics({ processMetrics: false })
  const store = new PolicyStore(loadPolicyFile(cm.path), metrics)
  const { log, entries } = recorder()
  const watcher = watchPolicy({ path: cm.path, store, log, metrics, pollIntervalMs: 200 })
  t.teardown(() => watcher.close())

  cm.publish(renamed)
  await waitFor('the new policy', () => (store.current.name === 'renamed' ? true : undefined))
  t.equal(await reloads(metrics, 'success'), 1)
  t.match(entries, [{ level: 'info', message: 'policy reloaded', fields: { name: 'renamed' } }])
  const info = await metrics.policyInfo.get()
  t.same(
    info.values.map((v) => v.labels.hash),
    [store.current.hash],
  )
})

t.test('an invalid version is refused, counted once and logged with line and path', async (t) => {
  const cm = configMapDir(t, original)
  const metrics = createMetrics({ processMetrics: false })
  const store = new PolicyStore(loadPolicyFile(cm.path), metrics)
  const good = store.current
  const { log, entries } = recorder()
  const watcher = watchPolicy({ path: cm.path, store, log, metrics, pollIntervalMs: 100 })
  t.teardown(() => watcher.close())

  cm.publish(broken)
  const failed = await waitFor('the failure', () =>
    entries.find((e) => e.message === 'policy reload failed'),
  )
  t.equal(store.current, good)
  t.equal(failed.fields.file, cm.path)
  t.match(failed.fields, { line: Number, path: /^\/classes\/\d+\/pools\/\d+\/score$/ })
  t.match(failed.fields.err, { code: 'HX_POLICY_SCHEMA' })
  // Further polls of the same broken content are not failures again.
  t.equal(await watcher.reload(), 'unchanged')
  t.equal(await reloads(metrics, 'failure'), 1)
})

t.test('a forced reload reads the file again even when it is unchanged', async (t) => {
  const cm = configMapDir(t, original)
  const metrics = createMetrics({ processMetrics: false })
  const store = new PolicyStore(loadPolicyFile(cm.path), metrics)
  const { log } = recorder()
  const watcher = watchPolicy({ path: cm.path, store, log, metrics, pollIntervalMs: 60_000 })
  t.teardown(() => watcher.close())
  t.equal(await watcher.reload(), 'unchanged')
  t.equal(await watcher.reload({ force: true }), 'success')
  t.equal(await reloads(metrics, 'success'), 1)
})

t.test('a missing file is a failure and the last good policy keeps serving', async (t) => {
  const cm = configMapDir(t, original)
  const store = new PolicyStore(loadPolicyFile(cm.path))
  const good = store.current
  const { log, entries } = recorder()
  const watcher = watchPolicy({ path: cm.path, store, log, pollIntervalMs: 60_000 })
  t.teardown(() => watcher.close())
  rmSync(cm.path)
  t.equal(await watcher.reload(), 'failure')
  t.equal(store.current, good)
  t.match(entries.at(-1)?.fields.err, { code: 'HX_POLICY_READ' })
})
