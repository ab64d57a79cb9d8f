import { decide } from '../engine/decide.js'
import { explain, type Explanation } from '../engine/explain.js'
import { podView } from '../engine/views.js'
import { ExtenderError } from '../errors.js'
import { loadPolicyFile } from '../policy/load.js'
import { outputFormat, parseFlags, required } from './args.js'
import { readNodeViews, readSnapshot } from './inputs.js'
import type { Io } from './main.js'
import { firstPod, readObjects } from './objects.js'
import { renderTable } from './table.js'

const help = `usage: hybrid-extender explain --policy FILE --pod POD.yaml --nodes NODES.yaml
       hybrid-extender explain --policy FILE --pod POD.yaml --cluster SNAPSHOT.yaml

Shows, for each node, its pool, the pod's class and the rule that chose it,
the verdict with its reason, and the score with where it came from.

  --policy FILE     placement policy
  --pod FILE        a Pod, or a workload (Deployment, Job, CronJob, DaemonSet,
                    StatefulSet, ReplicaSet): its pod as kube-scheduler sees it
  --nodes FILE      Node objects or a List of them; may be repeated
  --cluster FILE    a snapshot (kubectl get nodes,pods -o yaml) for pool
                    utilisation, budgets and busy devices; its nodes are the
                    candidates when --nodes is not given
  --output F        text (default) or json

exit status: 0 explained, 1 bad input file or policy, 2 bad command line
`

/** `hybrid-extender explain` */
export async function explainCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, {
    policy: { type: 'string' },
    pod: { type: 'string' },
    nodes: { type: 'string', multiple: true },
    cluster: { type: 'string' },
    output: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help === true) {
    io.out(help)
    return 0
  }
  const format = outputFormat(values.output)
  const policyFile = required(values.policy, '--policy')
  const podFile = required(values.pod, '--pod')
  const nodeFiles = values.nodes ?? []
  if (nodeFiles.length === 0 && values.cluster === undefined) {
    throw new ExtenderError('HX_USAGE', '--nodes or --cluster is required')
  }
  const policy = loadPolicyFile(policyFile)
  const pod = firstPod(readObjects(podFile), podFile)
  const snapshot = values.cluster === undefined ? undefined : readSnapshot(values.cluster)
  const nodes =
    nodeFiles.length > 0 ? readNodeViews(nodeFiles) : [...(snapshot?.source.nodes() ?? [])]
  const decision = decide(podView(pod), nodes, policy, { cluster: snapshot?.source, trace: true })
  const explanation = explain(decision, policy)
  const text =
    format === 'json' ? `${JSON.stringify(explanation, null, 2)}\n` : renderExplanation(explanation)
  io.out(text)
  return 0
}

/** The explanation for people: a header, then one row per node. */
export function renderExplanation(e: Explanation): string {
  const cls =
    e.class.name === null
      ? 'none (every node refuses the pod, see REASON)'
      : `${e.class.name} (${e.class.via}, ${e.class.rule})`
  const header = [
    `policy  ${e.policy.name} (sha256 ${e.policy.hash.slice(0, 12)}) from ${e.policy.source}`,
    `pod     ${e.pod}`,
    `class   ${cls}`,
    ...e.notes.map((n) => `note    ${n}`),
  ]
  const rows = e.nodes.map((n) => [
    n.node,
    n.pool ?? '-',
    n.verdict,
    n.verdict === 'pass' ? String(n.score) : '-',
    n.rule ?? '-',
    n.verdict === 'pass' ? (n.scoreSource ?? '') : `${n.code}: ${n.reason}`,
  ])
  const headers = ['NODE', 'POOL', 'VERDICT', 'SCORE', 'RULE', 'REASON / SCORE FROM']
  const table = renderTable(headers, rows)
  const best = e.best.length === 0 ? 'none: no node passes' : e.best.join(', ')
  return `${header.join('\n')}\n\n${table}\nbest    ${best}\n`
}
