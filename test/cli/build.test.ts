import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { root } from '../support/kustomize.js'
import { startServe } from '../support/serve-process.js'

t.test('the compiled output serves without TypeScript or a loader', async (t) => {
  // The image's layout: dist/, bin/, policies/, package.json, node_modules,
  // and no src/ (so bin/hybrid-extender.js cannot reach for tsx).
  const app = mkdtempSync(join(tmpdir(), 'hx-build-'))
  t.teardown(() => rmSync(app, { recursive: true, force: true }))
  const tsc = join(root, 'node_modules/typescript/bin/tsc')
  execFileSync(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--outDir', join(app, 'dist')],
    {
      cwd: root,
      stdio: 'pipe',
    },
  )
  for (const entry of ['bin', 'policies', 'package.json'])
    cpSync(join(root, entry), join(app, entry), { recursive: true })
  symlinkSync(join(root, 'node_modules'), join(app, 'node_modules'), 'dir')
  t.ok(existsSync(join(app, 'dist/cli/main.js')))
  t.notOk(existsSync(join(app, 'src')))

  const serve = await startServe([], { cwd: app })
  t.teardown(serve.stop)
  const res = await fetch(`${serve.url}/healthz`)
  t.equal(res.status, 200)
  const loaded = serve.logs.find((l) => l.msg === 'policy loaded')
  t.equal(
    loaded?.policy,
    join(app, 'policies/default.yaml'),
    'the shipped policy is found from dist/',
  )
  t.equal(await serve.stop(), 0, 'stops cleanly on SIGTERM')
})

/** The Dockerfile's stages: each FROM line starts one, named by `AS`. */
function stages(dockerfile: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  let current: string[] = []
  for (const raw of dockerfile.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line)
    if (from !== null) {
      current = [line]
      out.set(from[1] ?? `stage${out.size}`, current)
    } else {
      current.push(line)
    }
  }
  return out
}

t.test('the Dockerfile', async (t) => {
  // No Docker engine runs here, so the image is checked by reading it.
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8')
  const all = stages(dockerfile)
  const runtime = [...all.values()].at(-1) ?? []

  t.test('builds the compiled output in a stage of its own', async (t) => {
    const build = all.get('build') ?? []
    t.ok(build.some((l) => /^RUN npm ci\b/.test(l)))
    t.ok(build.some((l) => l === 'RUN npm run build'))
  })

  t.test('runs from a Node.js 20 image with production dependencies only', async (t) => {
    t.match(runtime[0] ?? '', /^FROM node:20-slim\b/)
    t.ok(runtime.some((l) => /^RUN npm ci --omit=dev\b/.test(l)))
  })

  t.test('copies dist, bin, policies and package files, and no sources', async (t) => {
    const copies = runtime.filter((l) => /^COPY\b/.test(l))
    for (const what of ['dist', 'bin', 'policies', 'package.json']) {
      t.ok(
        copies.some((l) => l.includes(what)),
        `copies ${what}`,
      )
    }
    t.notOk(
      copies.some((l) => /\bsrc\b|\btest\b|\. \.$/.test(l)),
      'copies no src/ or test/',
    )
  })

  t.test('runs as a numeric non-root user', async (t) => {
    const user = runtime.filter((l) => /^USER\b/.test(l)).at(-1)
    const uid = /^USER\s+(\d+)(?::\d+)?$/.exec(user ?? '')?.[1]
    t.ok(uid !== undefined && Number(uid) > 0, `USER ${uid}`)
  })

  t.test('starts the compiled entry through bin/hybrid-extender.js serve', async (t) => {
    t.ok(runtime.includes('ENTRYPOINT ["node", "bin/hybrid-extender.js"]'))
    t.ok(runtime.includes('CMD ["serve"]'))
  })
})
