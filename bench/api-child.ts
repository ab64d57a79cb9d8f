// A stand-in API server holding a synthetic cluster, run as a child process
// by the benchmarks so that its objects do not weigh on the measured process.
// Sends `{ url }` to the parent once it listens. NODES and PODS set the size.
import { StandInApiServer } from '../test/support/api-server.js'
import { syntheticNode, syntheticPod } from './synthetic.js'

const nodes = Number(process.env.NODES ?? 5_000)
const pods = Number(process.env.PODS ?? 50_000)

const server = new StandInApiServer({ historyLimit: 10_000, bookmarkIntervalMs: 10_000 })
await server.start()
for (let i = 0; i < nodes; i++) server.apply('nodes', syntheticNode(i), { copy: false })
for (let i = 0; i < pods; i++) server.apply('pods', syntheticPod(i, nodes), { copy: false })
process.send?.({ url: `http://127.0.0.1:${server.port}` })
process.on('disconnect', () => process.exit(0))
