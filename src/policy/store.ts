import type { Metrics } from '../metrics.js'
import type { CompiledPolicy } from './types.js'

/**
 * Holds the active policy. Requests read `current` once at their start, so a
 * swap never mixes two policies within one decision.
 */
export class PolicyStore {
  #current: CompiledPolicy
  #loadedAt = new Date()
  readonly #metrics: Metrics | undefined

  constructor(initial: CompiledPolicy, metrics?: Metrics) {
    this.#current = initial
    this.#metrics = metrics
    this.#publish()
  }

  get current(): CompiledPolicy {
    return this.#current
  }

  /** When the active policy became active. */
  get loadedAt(): Date {
    return this.#loadedAt
  }

  /** Makes `next` the active policy. */
  swap(next: CompiledPolicy): void {
    this.#current = next
    this.#loadedAt = new Date()
    this.#publish()
  }

  #publish(): void {
    if (this.#metrics === undefined) return
    this.#metrics.policyInfo.reset()
    this.#metrics.policyInfo.set({ name: this.#current.name, hash: this.#current.hash }, 1)
    this.#metrics.policyLoadedSeconds.set(Date.now() / 1000)
  }
}
