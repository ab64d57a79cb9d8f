import t from 'tap'
import { StandInApiServer } from './api-server.js'

// The stand-in must speak the real protocol, since the real client talks to it.

async function standIn(t: { teardown(fn: () => Promise<void>): void }) {
  const server = new StandInApiServer({ historyLimit: 2, bookmarkIntervalMs: 60_000 })
  await server.start()
  t.teardown(() => server.stop())
  return server
}

const json = async (url: string): Promise<any> => (await fetch(url)).json()

/** Reads a watch stream's events until `count` arrived or the stream ended. */
async function events(url: string, count: number): Promise<{ type: string; object: any }[]> {
  const res = await fetch(url)
  const out: { type: string; object: any }[] = []
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true })
    const lines = buffer.split('\n')
    buffer = lines.pop() ?? ''
    for (const line of lines) out.push(JSON.parse(line))
    if (out.length >= count) break
  }
  return out
}

t.test(
  'a list carries the resourceVersion and pages through continue tokens on a snapshot',
  async (t) => {
    const server = await standIn(t)
    for (const name of ['a', 'b', 'c']) server.apply('nodes', { metadata: { name } })
    const first = await json(`${server.url}/api/v1/nodes?limit=2`)
    t.equal(first.kind, 'NodeList')
    t.equal(first.metadata.resourceVersion, String(server.resourceVersion))
    t.same(
      first.items.map((i: any) => i.metadata.name),
      ['a', 'b'],
    )
    server.apply('nodes', { metadata: { name: 'd' } })
    const rest = await json(
      `${server.url}/api/v1/nodes?limit=2&continue=${first.metadata.continue}`,
    )
    t.same(
      rest.items.map((i: any) => i.metadata.name),
      ['c'],
      'the snapshot, not the newer node',
    )
    t.equal(rest.metadata.continue, undefined)
    t.equal(rest.metadata.resourceVersion, first.metadata.resourceVersion)
  },
)

t.test('a watch replays changes after its resourceVersion, then streams new ones', async (t) => {
  const server = await standIn(t)
  server.apply('pods', { metadata: { name: 'a' } })
  const rv = server.resourceVersion
  server.apply('pods', { metadata: { name: 'b' } })
  const stream = events(`${server.url}/api/v1/pods?watch=true&resourceVersion=${rv}`, 2)
  // Replayed from history if the watch is not open yet, streamed live if it is.
  server.remove('pods', 'b')
  const got = await stream
  t.same(
    got.map((e) => [e.type, e.object.metadata.name]),
    [
      ['ADDED', 'b'],
      ['DELETED', 'b'],
    ],
  )
  t.ok(Number(got[1]?.object.metadata.resourceVersion) > rv)
})

t.test(
  'a watch from a resourceVersion older than the history gets a 410 ERROR event and ends',
  async (t) => {
    const server = await standIn(t)
    for (const name of ['a', 'b', 'c', 'd']) server.apply('nodes', { metadata: { name } })
    const got = await events(`${server.url}/api/v1/nodes?watch=1&resourceVersion=1`, 5)
    t.equal(got.length, 1)
    t.equal(got[0]?.type, 'ERROR')
    t.equal(got[0]?.object.code, 410)
  },
)

t.test(
  'bookmarks go only to watches that ask for them, with the current resourceVersion',
  async (t) => {
    const server = await standIn(t)
    const rv = server.resourceVersion
    const stream = events(
      `${server.url}/api/v1/nodes?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`,
      1,
    )
    while (server.watchCount('nodes') < 1) await new Promise((resolve) => setTimeout(resolve, 10))
    server.apply('pods', { metadata: { name: 'p' } })
    server.bookmarkNow()
    const [bookmark] = await stream
    t.equal(bookmark?.type, 'BOOKMARK')
    t.equal(bookmark?.object.metadata.resourceVersion, String(server.resourceVersion))
  },
)

t.test('unknown paths and injected failures answer with a Status object', async (t) => {
  const server = await standIn(t)
  const missing = await fetch(`${server.url}/api/v1/secrets`)
  t.equal(missing.status, 404)
  t.equal(((await missing.json()) as { kind: string }).kind, 'Status')
  server.failNext(1, 503)
  t.equal((await fetch(`${server.url}/api/v1/nodes`)).status, 503)
  t.equal((await fetch(`${server.url}/api/v1/nodes`)).status, 200)
})
