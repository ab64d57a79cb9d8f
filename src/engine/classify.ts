import type { CompiledPolicy } from '../policy/types.js'
import type { Outcome, ReasonCode } from './decide.js'
import type { PodIdentity } from './views.js'

/** How the pod's class was chosen. */
export interface ClassChoice {
  /** Class name, or `undefined` when the pod has none (an error for every node). */
  name: string | undefined
  via: 'annotation' | 'match' | 'default' | 'none'
  /** Policy path of the class that chose it, e.g. `/classes/1`. */
  path: string | undefined
}

/** Why a node, or every node, was turned down. */
export interface Refusal {
  code: ReasonCode
  message: string
  outcome: Outcome
}

/** Chooses the pod's class: annotation first, then the first matching class, then the default. */
export function classify(pod: PodIdentity, policy: CompiledPolicy): ClassChoice | Refusal {
  const named = pod.annotations.get(policy.classAnnotation)
  if (named !== undefined && named !== '') {
    const cls = policy.classByName.get(named)
    if (cls !== undefined) {
      return { name: cls.name, via: 'annotation', path: `/classes/${cls.index}` }
    }
    const shown = JSON.stringify(named.length > 63 ? `${named.slice(0, 63)}…` : named)
    return {
      code: 'unknown-class',
      outcome: 'unresolvable',
      message:
        `workload class ${shown} named by annotation ${policy.classAnnotation} ` +
        'is not defined by the policy',
    }
  }
  const cls = policy.classes.find((c) => c.matches(pod)) ?? policy.defaultClass
  if (cls === undefined) {
    return {
      code: 'no-class',
      outcome: 'unresolvable',
      message: 'pod matches no workload class of the policy',
    }
  }
  const via = cls === policy.defaultClass && !cls.matches(pod) ? 'default' : 'match'
  const path = via === 'default' ? '/defaultClass' : `/classes/${cls.index}`
  return { name: cls.name, via, path }
}

/** True when {@link classify} turned the pod down. */
export const isRefusal = (c: ClassChoice | Refusal): c is Refusal => 'code' in c

const classMemo = new WeakMap<CompiledPolicy, WeakMap<PodIdentity, string | null>>()

/** The class name of a pod already running (memoised per pod object), `undefined` if none. */
export function classNameOf(pod: PodIdentity, policy: CompiledPolicy): string | undefined {
  let memo = classMemo.get(policy)
  if (memo === undefined) {
    memo = new WeakMap()
    classMemo.set(policy, memo)
  }
  let name = memo.get(pod)
  if (name === undefined) {
    const choice = classify(pod, policy)
    name = isRefusal(choice) ? null : (choice.name ?? null)
    memo.set(pod, name)
  }
  return name ?? undefined
}
