/**
 * A fast decoder for large full-object ExtenderArgs bodies. kube-scheduler
 * sends every candidate Node in full (about 4 KiB each, 20 MiB for 5,000
 * nodes), yet the policy reads only a node's name, labels, taints and
 * allocatable. This decoder validates the whole body as JSON.parse would,
 * but materialises only those fields, and remembers where each node's bytes
 * are so that the filter reply can echo them unchanged.
 *
 * It agrees with JSON.parse on every input: a body it does not accept, or
 * any shape it does not expect, makes it give up (`undefined`) so that the
 * caller falls back to JSON.parse and the ordinary checks.
 */
import { ExtenderError } from '../errors.js'
import { BACKSLASH, COLON, COMMA, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET } from './bytes.js'
import { fold } from './decode.js'
import { parseQuantity } from '../engine/quantity.js'
import { readResourceList, type ResourceAmounts } from '../engine/resources.js'
import { readTaints, type NodeView } from '../engine/views.js'

/** Where a node object's bytes are in the request body. */
export interface RawSpan {
  buffer: Buffer
  start: number
  end: number
}

const raw = new WeakMap<object, RawSpan>()
const views = new WeakMap<object, NodeView>()

/** The projection of a node object the scanner produced, if it did. */
export function scannedNodeView(node: unknown): NodeView | undefined {
  return typeof node === 'object' && node !== null ? views.get(node) : undefined
}

// Buffer's own UTF-8 decoder, without toString's argument handling: the
// scanner decodes hundreds of thousands of short keys and values per body.
const utf8Slice: (this: Buffer, start: number, end: number) => string =
  (Buffer.prototype as unknown as { utf8Slice?: (start: number, end: number) => string })
    .utf8Slice ??
  function (this: Buffer, start: number, end: number) {
    return this.toString('utf8', start, end)
  }

/** The original bytes of a node object the scanner produced, if it did. */
export function rawSpanOf(node: unknown): RawSpan | undefined {
  return typeof node === 'object' && node !== null ? raw.get(node) : undefined
}

const giveUp = Symbol('give up')
const tooMuch = Symbol('too much')
const tooDeep = Symbol('too deep')

/** What one map entry (a label, an allocatable amount) costs of the budget, in bytes. */
const entryCost = 64

/**
 * What one node costs of the budget before its labels, in bytes: its
 * projection, verdict and reply part. Many tiny nodes weigh as much as a few
 * large ones.
 */
const nodeCost = 1024

/**
 * Default budget of what one body may make the scanner materialise, in
 * estimated bytes: far above what 5,000 real nodes and a pod need (about
 * 10 MiB), and small enough that one request stays well inside a 256 MiB
 * heap (checked with 300,000 tiny nodes and 3,000,000 labels).
 */
export const defaultMaterialBudgetBytes = 48 * 1024 * 1024

/** A key to look for, with its bytes for comparison without decoding. */
interface Candidate {
  text: string
  bytes: Buffer
}

const candidates = (...keys: string[]): Candidate[] =>
  keys.map((text) => ({ text, bytes: Buffer.from(text) }))

/** The sections of a node the policy reads, and which of their fields. */
const sectionKeys = candidates('metadata', 'spec', 'status')
const fieldKeys: Record<string, Candidate[]> = {
  metadata: candidates('name', 'labels'),
  spec: candidates('taints'),
  status: candidates('allocatable', 'capacity'),
}

type Json = Record<string, unknown>

/** Sets an own property, as JSON.parse does, even for `__proto__`. */
function setOwn(object: Json, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  } else object[key] = value
}

class Scanner {
  pos = 0
  /** Containers open around the position in the structured walk (not in skipValue). */
  depth = 0
  /** Deepest nesting allowed, `{}` being 1; 0 for no limit. */
  maxDepth = 0
  /** What may still be materialised (see {@link Scanner.spend}). */
  budget: number
  /** Open containers of skipValue, shared by every call. */
  readonly stack: number[] = []
  readonly buf: Buffer
  readonly end: number

  /** True when the body holds no byte below 0x20: strings need no control-character checks. */
  readonly clean: boolean
  /** Position of the next backslash at or after the last search (end of body when none). */
  nextBackslash = -1

  constructor(buf: Buffer, budget: number) {
    this.budget = budget
    this.buf = buf
    this.end = buf.length
    this.clean = !hasControlByte(buf)
  }

  ws(): void {
    const b = this.buf
    let p = this.pos
    while (p < this.end) {
      const c = b[p]!
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break
      p++
    }
    this.pos = p
  }

  expect(byte: number): void {
    if (this.buf[this.pos] !== byte) throw giveUp
    this.pos++
  }

  /** Skips a string (the position is on its opening quote), validating it; true if it has escapes. */
  skipString(): boolean {
    const b = this.buf
    let i = this.pos + 1
    let escaped = false
    let q = b.indexOf(QUOTE, i)
    if (this.clean && q >= 0) {
      // Nothing to check but escapes: find the next backslash once for many strings.
      if (this.nextBackslash < i) {
        const found = b.indexOf(BACKSLASH, i)
        this.nextBackslash = found < 0 ? this.end : found
      }
      if (this.nextBackslash > q) {
        this.pos = q + 1
        return false
      }
    }
    for (;;) {
      if (q < 0) throw giveUp
      while (i < q) {
        const c = b[i]!
        if (c < 0x20) throw giveUp
        if (c === BACKSLASH) {
          escaped = true
          i = this.escape(i) + 1
        } else i++
      }
      if (i === q) {
        this.pos = q + 1
        return escaped
      }
      // An escape took the quote at q (\"): the string goes on.
      q = b.indexOf(QUOTE, i)
    }
  }

  /** Validates the escape at `i` (a backslash); returns the index of its last byte. */
  escape(i: number): number {
    const c = this.buf[i + 1]
    if (c === undefined) throw giveUp
    if (c === 0x75) {
      for (let k = i + 2; k < i + 6; k++) {
        const h = this.buf[k]
        if (h === undefined || !isHex(h)) throw giveUp
      }
      return i + 5
    }
    // " \ / b f n r t
    if (
      c === 0x22 ||
      c === 0x5c ||
      c === 0x2f ||
      c === 0x62 ||
      c === 0x66 ||
      c === 0x6e ||
      c === 0x72 ||
      c === 0x74
    ) {
      return i + 1
    }
    throw giveUp
  }

  skipNumber(): void {
    const b = this.buf
    let p = this.pos
    if (b[p] === 0x2d) p++
    if (b[p] === 0x30) p++
    else if (isDigit(b[p])) while (isDigit(b[p])) p++
    else throw giveUp
    if (b[p] === 0x2e) {
      p++
      if (!isDigit(b[p])) throw giveUp
      while (isDigit(b[p])) p++
    }
    if (b[p] === 0x65 || b[p] === 0x45) {
      p++
      if (b[p] === 0x2b || b[p] === 0x2d) p++
      if (!isDigit(b[p])) throw giveUp
      while (isDigit(b[p])) p++
    }
    this.pos = p
  }

  skipLiteral(text: string): void {
    for (let k = 0; k < text.length; k++) {
      if (this.buf[this.pos + k] !== text.charCodeAt(k)) throw giveUp
    }
    this.pos += text.length
  }

  /**
   * The index just past the string starting at `p` (its opening quote),
   * validating it. In a clean body only escapes need looking at, and the
   * next backslash is searched once for many strings.
   */
  stringEnd(p: number): number {
    const b = this.buf
    const q = b.indexOf(QUOTE, p + 1)
    if (q < 0) throw giveUp
    if (this.clean) {
      if (this.nextBackslash <= p) {
        const found = b.indexOf(BACKSLASH, p + 1)
        this.nextBackslash = found < 0 ? this.end : found
      }
      if (this.nextBackslash > q) return q + 1
    }
    this.pos = p
    this.skipString()
    return this.pos
  }

  /** Skips any JSON value, validating it; iterative, so depth costs no stack. */
  skipValue(): void {
    const b = this.buf
    const stack = this.stack
    const base = stack.length
    let p = this.pos
    let c = 0
    for (;;) {
      // A value.
      c = b[p]!
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p]!
      if (c === QUOTE) p = this.stringEnd(p)
      else if (c === LBRACE || c === LBRACKET) {
        const open = c
        c = b[++p]!
        while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p]!
        if (this.maxDepth > 0 && this.depth + stack.length - base + 1 > this.maxDepth) throw tooDeep
        if (c === (open === LBRACE ? RBRACE : RBRACKET)) p++
        else {
          stack.push(open)
          if (open === LBRACE) p = this.keyEnd(p)
          continue
        }
      } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
        this.pos = p
        this.skipLiteral(c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null')
        p = this.pos
      } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
        this.pos = p
        this.skipNumber()
        p = this.pos
      } else throw giveUp

      // After a value: close containers or move to the next member.
      for (;;) {
        if (stack.length === base) {
          this.pos = p
          return
        }
        c = b[p]!
        while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p]!
        const top = stack[stack.length - 1]
        if (c === COMMA) {
          p++
          if (top === LBRACE) p = this.keyEnd(p)
          break
        }
        if ((top === LBRACE && c === RBRACE) || (top === LBRACKET && c === RBRACKET)) {
          p++
          stack.pop()
          continue
        }
        throw giveUp
      }
    }
  }

  /** The index past the object key at `p` (whitespace allowed) and its colon. */
  keyEnd(p: number): number {
    const b = this.buf
    let c = b[p]
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p]
    if (c !== QUOTE) throw giveUp
    p = this.stringEnd(p)
    c = b[p]
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p]
    if (c !== COLON) throw giveUp
    return p + 1
  }

  /** Skips an object key and its colon, validating them. */
  skipKey(): void {
    this.ws()
    if (this.buf[this.pos] !== QUOTE) throw giveUp
    this.skipString()
    this.ws()
    this.expect(COLON)
  }

  /**
   * Reads an object key and its colon. With `candidates`, returns the one the
   * key equals (compared as bytes, without decoding) or `undefined`; without,
   * returns the decoded key.
   */
  key(candidates: readonly Candidate[] | null): string | undefined {
    this.ws()
    const start = this.pos
    if (this.buf[start] !== QUOTE) throw giveUp
    const escaped = this.skipString()
    const end = this.pos
    this.ws()
    this.expect(COLON)
    if (candidates === null || escaped) {
      const key = escaped
        ? (JSON.parse(this.text(start, end)) as string)
        : this.text(start + 1, end - 1)
      return candidates === null ? key : candidates.find((c) => c.text === key)?.text
    }
    const length = end - start - 2
    for (const c of candidates) {
      if (c.bytes.length !== length) continue
      let k = 0
      while (k < length && this.buf[start + 1 + k] === c.bytes[k]) k++
      if (k === length) return c.text
    }
    return undefined
  }

  /** Parses the value at the position with JSON.parse (for small values). */
  parseValue(): unknown {
    this.ws()
    const start = this.pos
    this.skipValue()
    this.spend(this.pos - start)
    return JSON.parse(this.text(start, this.pos))
  }

  /**
   * Counts what the scanner materialises (bytes parsed in full, map entries)
   * against the budget: a body of millions of tiny labels would otherwise
   * fill the heap however small its node objects look.
   */
  spend(units: number): void {
    this.budget -= units
    if (this.budget < 0) throw tooMuch
  }

  /**
   * Walks an object's members, calling `member` with each key; `member` must
   * consume the value.
   */
  object(candidates: readonly Candidate[] | null, member: (key: string | undefined) => void): void {
    this.ws()
    this.expect(LBRACE)
    if (this.maxDepth > 0 && this.depth + 1 > this.maxDepth) throw tooDeep
    this.depth++
    this.ws()
    if (this.buf[this.pos] === RBRACE) {
      this.pos++
      this.depth--
      return
    }
    for (;;) {
      member(this.key(candidates))
      this.ws()
      const c = this.buf[this.pos]
      this.pos++
      if (c === RBRACE) break
      if (c !== COMMA) throw giveUp
    }
    this.depth--
  }

  /**
   * A node object. Returns what decoding checks of it (`metadata.name`) and
   * records its projection and its bytes; everything else is skipped.
   */
  node(): Json {
    this.ws()
    const start = this.pos
    if (this.buf[start] !== LBRACE) throw giveUp
    // JSON.parse keeps the last of repeated keys, so each section starts over.
    let metadata: unknown
    let name: unknown
    let labels: Map<string, string> = new Map()
    let taints: unknown
    let allocatable: ResourceAmounts | undefined
    let capacity: [number, number] | undefined
    this.object(sectionKeys, (key) => {
      if (key === undefined) return this.skipValue()
      this.ws()
      const isSection = this.buf[this.pos] === LBRACE
      if (key === 'metadata') {
        name = undefined
        labels = new Map()
        if (!isSection) return void (metadata = this.parseValue())
        metadata = {}
        this.object(fieldKeys.metadata!, (k) => {
          if (k === 'name') name = this.anyValue()
          else if (k === 'labels') labels = this.labels()
          else this.skipValue()
        })
      } else if (key === 'spec') {
        taints = undefined
        if (!isSection) return this.skipValue()
        this.object(fieldKeys.spec!, (k) =>
          k === 'taints' ? (taints = this.parseValue()) : this.skipValue(),
        )
      } else {
        allocatable = undefined
        capacity = undefined
        if (!isSection) return this.skipValue()
        this.object(fieldKeys.status!, (k) => {
          this.ws()
          if (k === 'allocatable' && this.buf[this.pos] === LBRACE)
            return void (allocatable = this.amounts())
          const at = this.pos
          this.skipValue()
          if (k === 'allocatable') allocatable = undefined
          else if (k === 'capacity') capacity = [at, this.pos]
        })
      }
    })
    const node: Json = {}
    if (metadata !== undefined) {
      setOwn(node, 'metadata', isObject(metadata) && name !== undefined ? { name } : metadata)
    }
    views.set(node, {
      name: typeof name === 'string' ? name : '',
      labels,
      taints: readTaints(taints),
      // Capacity only counts when there is no allocatable object, so it is parsed only then.
      allocatable:
        allocatable ??
        (capacity === undefined
          ? new Map()
          : readResourceList(JSON.parse(this.text(capacity[0], capacity[1])))),
    })
    raw.set(node, { buffer: this.buf, start, end: this.pos })
    return node
  }

  /** Labels: string values only, as {@link readStringMap} reads them. */
  labels(): Map<string, string> {
    const out = new Map<string, string>()
    this.ws()
    if (this.buf[this.pos] !== LBRACE) {
      this.skipValue()
      return out
    }
    this.object(null, (key) => {
      this.ws()
      const at = this.pos
      if (this.buf[this.pos] === QUOTE) out.set(key!, this.stringValue())
      else {
        this.skipValue()
        out.delete(key!)
      }
      this.spend(entryCost + this.pos - at)
    })
    return out
  }

  /** A resource list, as {@link readResourceList} reads it. */
  amounts(): ResourceAmounts {
    const out: ResourceAmounts = new Map()
    this.object(null, (key) => {
      this.spend(entryCost)
      const amount = parseQuantity(this.anyValue())
      if (amount !== undefined && amount !== 0) out.set(key!, amount)
      else out.delete(key!)
    })
    return out
  }

  /** A list of strings (node names) read directly; anything else goes through parseValue. */
  names(): unknown {
    this.ws()
    const b = this.buf
    const start = this.pos
    if (b[start] !== LBRACKET) return this.parseValue()
    this.pos++
    const out: string[] = []
    this.ws()
    if (b[this.pos] === RBRACKET) {
      this.pos++
      return out
    }
    for (;;) {
      this.ws()
      if (b[this.pos] !== QUOTE) {
        // Not a list of strings: parse it the ordinary way; the backslash
        // search may have run past the rewind point, so it starts over.
        this.pos = start
        this.nextBackslash = -1
        return this.parseValue()
      }
      out.push(this.stringValue())
      this.ws()
      const c = b[this.pos++]
      if (c === RBRACKET) return out
      if (c !== COMMA) throw giveUp
    }
  }

  /** Any value; strings are read without a second parse. */
  anyValue(): unknown {
    this.ws()
    return this.buf[this.pos] === QUOTE ? this.stringValue() : this.parseValue()
  }

  /** A string at the position, decoded as JSON.parse would. */
  stringValue(): string {
    const start = this.pos
    const escaped = this.skipString()
    if (!escaped) return this.text(start + 1, this.pos - 1)
    return JSON.parse(this.text(start, this.pos)) as string
  }

  /** Decodes bytes as UTF-8. */
  text(start: number, end: number): string {
    return utf8Slice.call(this.buf, start, end)
  }

  /** A NodeList: `items` scanned node by node, anything else skipped. */
  nodeList(): unknown {
    this.ws()
    if (this.buf[this.pos] !== LBRACE) return this.parseValue()
    const list: Json = {}
    this.object(null, (key) => {
      if (fold(key!) !== 'items') return this.skipValue()
      this.ws()
      if (this.buf[this.pos] !== LBRACKET) return setOwn(list, key!, this.parseValue())
      this.pos++
      // The items array is one level too.
      this.depth++
      const items: unknown[] = []
      this.ws()
      if (this.buf[this.pos] === RBRACKET) this.pos++
      else
        for (;;) {
          this.spend(nodeCost)
          items.push(this.node())
          this.ws()
          const c = this.buf[this.pos]
          this.pos++
          if (c === RBRACKET) break
          if (c !== COMMA) throw giveUp
        }
      this.depth--
      setOwn(list, key!, items)
    })
    return list
  }
}

/**
 * True when some byte is below 0x20. Reads four bytes at a time: a word has
 * such a byte when subtracting 0x20 from each byte borrows into its top bit
 * while that byte's top bit was clear.
 */
function hasControlByte(buf: Buffer): boolean {
  const head = Math.min(buf.length, (4 - (buf.byteOffset % 4)) % 4)
  for (let i = 0; i < head; i++) if (buf[i]! < 0x20) return true
  const words = Math.floor((buf.length - head) / 4)
  const view = new Uint32Array(buf.buffer, buf.byteOffset + head, words)
  for (let w = 0; w < words; w++) {
    const x = view[w]!
    if (((x - 0x20202020) & ~x & 0x80808080) !== 0) return true
  }
  for (let i = head + words * 4; i < buf.length; i++) if (buf[i]! < 0x20) return true
  return false
}

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
}

/**
 * Scans an ExtenderArgs body. Returns the body with `Pod` and `NodeNames`
 * parsed in full and each node of `Nodes.items` reduced to name, labels,
 * taints, allocatable and capacity; or `undefined` when the body is not
 * valid JSON or not an object (the caller then uses JSON.parse).
 */
export function scanExtenderArgs(
  buf: Buffer,
  budgetBytes = defaultMaterialBudgetBytes,
  maxDepth = 0,
): Json | undefined {
  const s = new Scanner(buf, budgetBytes)
  s.maxDepth = maxDepth
  try {
    const body: Json = {}
    s.ws()
    s.object(null, (key) => {
      // Only the "Nodes" key (any casing) is scanned node by node.
      const name = fold(key!)
      setOwn(
        body,
        key!,
        name === 'nodes' ? s.nodeList() : name === 'nodenames' ? s.names() : s.parseValue(),
      )
    })
    s.ws()
    if (s.pos !== buf.length) return undefined
    return body
  } catch (err) {
    if (err === giveUp || err instanceof SyntaxError) return undefined
    if (err === tooDeep) {
      throw new ExtenderError(
        'HX_REQUEST_TOO_DEEP',
        `request body nests deeper than ${maxDepth} levels`,
      )
    }
    if (err === tooMuch) {
      const message =
        `request body holds more than ${Math.round(budgetBytes / 2 ** 20)} MiB of labels, ` +
        'resources and pod data to read'
      throw new ExtenderError('HX_REQUEST_TOO_LARGE', message)
    }
    throw err
  }
}
