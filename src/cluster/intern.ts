/**
 * Sharing of equal values between cached pods. Pods of one controller carry
 * the same labels, annotations and requests, so a cluster of 150,000 pods
 * holds far fewer distinct maps than pods; each distinct map is kept once.
 */

interface Entry<V> {
  map: ReadonlyMap<string, V>
  refs: number
}

/** The map every empty label, annotation or request set shares. */
export const emptyMap: ReadonlyMap<string, never> = new Map<string, never>()

/**
 * Shares equal string-keyed maps, counting references so that maps nobody
 * holds any more are forgotten (pod churn must not grow the table).
 * Buckets are keyed by a content hash, so no key string is built per map.
 */
export class MapInterner<V extends string | number> {
  private readonly buckets = new Map<number, Entry<V> | Entry<V>[]>()
  private distinct = 0

  /** Number of distinct non-empty maps held. */
  get size(): number {
    return this.distinct
  }

  /** Returns the shared map equal to `map`, counting one more holder of it. */
  acquire(map: ReadonlyMap<string, V>): ReadonlyMap<string, V> {
    if (map.size === 0) return emptyMap
    const hash = hashMap(map)
    const bucket = this.buckets.get(hash)
    const found = bucket === undefined ? undefined : find(bucket, map)
    if (found !== undefined) {
      found.refs++
      return found.map
    }
    const entry = { map, refs: 1 }
    if (bucket === undefined) this.buckets.set(hash, entry)
    else this.buckets.set(hash, Array.isArray(bucket) ? [...bucket, entry] : [bucket, entry])
    this.distinct++
    return map
  }

  /** Counts one holder fewer of a map returned by {@link acquire}. */
  release(map: ReadonlyMap<string, V>): void {
    if (map.size === 0) return
    const hash = hashMap(map)
    const bucket = this.buckets.get(hash)
    if (bucket === undefined) return
    const entries = Array.isArray(bucket) ? bucket : [bucket]
    const entry = entries.find((e) => e.map === map)
    if (entry === undefined || --entry.refs > 0) return
    const rest = entries.filter((e) => e !== entry)
    if (rest.length === 0) this.buckets.delete(hash)
    else this.buckets.set(hash, rest.length === 1 ? (rest[0] as Entry<V>) : rest)
    this.distinct--
  }
}

function find<V>(bucket: Entry<V> | Entry<V>[], map: ReadonlyMap<string, V>): Entry<V> | undefined {
  if (!Array.isArray(bucket)) return sameMap(bucket.map, map) ? bucket : undefined
  return bucket.find((e) => sameMap(e.map, map))
}

/** True when both maps hold the same entries (in any order). */
export function sameMap<V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>): boolean {
  if (a === b) return true
  if (a.size !== b.size) return false
  for (const [k, v] of a) if (b.get(k) !== v || (v === undefined && !b.has(k))) return false
  return true
}

// Order-independent, so maps equal in content but built in another order share a bucket.
function hashMap(map: ReadonlyMap<string, string | number>): number {
  let hash = map.size
  for (const [k, v] of map) hash = (hash + Math.imul(hashString(k), 31) + hashValue(v)) | 0
  return hash
}

function hashValue(v: string | number): number {
  return typeof v === 'number' ? hashString(String(v)) : hashString(v)
}

function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h
}

/**
 * Keeps one copy of strings that repeat across pods (namespaces, owner kinds,
 * phases). Bounded: past `limit` distinct strings, new ones are not kept.
 */
export class StringPool {
  private readonly strings = new Map<string, string>()

  constructor(private readonly limit = 10_000) {}

  intern(s: string): string {
    const found = this.strings.get(s)
    if (found !== undefined) return found
    if (this.strings.size < this.limit) this.strings.set(s, s)
    return s
  }
}
