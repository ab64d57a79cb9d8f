import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import t from 'tap'
import { firstPod, nodesIn, readObjects } from '../../src/cli/objects.js'
import { fixturePath, repoPath } from '../support/objects.js'
import { pollUntil as waitFor } from '../support/poll.js'

const original = readFileSync(repoPath('policies/default.yaml'), 'utf8')
// The same policy with virtual nodes taken away from steady services.
const edited = original.replace(
  '      - pool: dedicated\n        score: 10\n      - pool: virtual\n        score: 1\n',
  '      - pool: dedicated\n        score: 10\n',
)
const broken = edited.replace('kind: PlacementPolicy', 'kind: PlacementPolicy\nunknownKey: 1')

const nodes = ['a01-vk-node-aci-virtual-node.yaml', 'd01-worker-node-plain-kubeadm.yaml'].flatMap(
  (f) => nodesIn(readObjects(fixturePath(f))),
)
const deployment = fixturePath('e02-deployment-vk-burst-hpa-online-store.yaml')
const steady = firstPod(readObjects(deployment), deployment)

t.test('a running serve follows edits of its policy and refuses a broken one', async (t) => {
  t.not(edited, original, 'the edit applies to the default policy')
  const dir = mkdtempSync(join(tmpdir(), 'serve-reload-'))
  const file = join(dir, 'policy.yaml')
  writeFileSync(file, original)
  const bin = repoPath('bin/hybrid-extender.js')
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--policy', file, '--port', '0', '--host', '127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const exited = new Promise((resolve) => child.once('exit', resolve))
  t.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGTERM')
    await exited
    rmSync(dir, { recursive: true, force: true })
  })
  const logs: Record<string, unknown>[] = []
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line))
    } catch {
      logs.push({ msg: line })
    }
  })
  let stderr = ''
  child.stderr!.on('data', (chunk) => (stderr += chunk))

  const listening = await waitFor(
    `the listening log line (stderr: ${stderr})`,
    () => logs.find((l) => l.msg === 'listening'),
    60_000,
  )
  const base = String(listening.address)
  const filter = async () => {
    const res = await fetch(`${base}/filter`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Pod: steady, Nodes: { items: nodes }, NodeNames: null }),
    })
    return (await res.json()) as { FailedAndUnresolvableNodes: Record<string, string> }
  }
  const metric = async (name: string) => {
    const text = await (await fetch(`${base}/metrics`)).text()
    const line = text.split('\n').find((l) => l.startsWith(name))
    return line === undefined ? undefined : Number(line.split(' ').pop())
  }
  const failures = 'hybrid_extender_policy_reloads_total{result="failure"}'

  t.same((await filter()).FailedAndUnresolvableNodes, {}, 'the original policy allows virtual')

  writeFileSync(file, edited)
  const refused = await waitFor('the edited policy to decide', async () => {
    const r = await filter()
    return r.FailedAndUnresolvableNodes['virtual-node-aci-linux']
  })
  t.match(refused, /pool virtual is not allowed for workload class steady/)
  const policy = (await (await fetch(`${base}/policy`)).json()) as { hash: string }
  t.match(await (await fetch(`${base}/metrics`)).text(), `hash="${policy.hash}"`)

  writeFileSync(file, broken)
  t.equal(await waitFor('a counted failure', () => metric(failures)), 1)
  const failed = logs.find((l) => l.msg === 'policy reload failed')
  t.match(failed, { file, line: Number, path: '/unknownKey' })
  t.match(
    (await filter()).FailedAndUnresolvableNodes['virtual-node-aci-linux'],
    /not allowed/,
    'the last good policy keeps serving',
  )

  child.kill('SIGHUP')
  const forced = await waitFor('a forced reload', async () => {
    const n = await metric(failures)
    return n === 2 ? n : undefined
  })
  t.equal(forced, 2, 'SIGHUP reads the broken version again and counts it')
})
