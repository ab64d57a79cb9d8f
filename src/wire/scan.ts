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
import { fold } from './decode.js'

/** Where a node object's bytes are in the request body. */
export interface RawSpan {
  buffer: Buffer
  start: number
  end: number
}

const raw = new WeakMap<object, RawSpan>()

/** The original bytes of a node object the scanner produced, if it did. */
export function rawSpanOf(node: unknown): RawSpan | undefined {
  return typeof node === 'object' && node !== null ? raw.get(node) : undefined
}

const giveUp = Symbol('give up')

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const LBRACE = 0x7b
const RBRACE = 0x7d
const LBRACKET = 0x5b
const RBRACKET = 0x5d

/** Which fields of a node's sections the policy reads. */
const wanted: Record<string, readonly string[]> = {
  metadata: ['name', 'labels'],
  spec: ['taints'],
  status: ['allocatable', 'capacity'],
}

type Json = Record<string, unknown>

/** Sets an own property, as JSON.parse does, even for `__proto__`. */
function setOwn(object: Json, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
  } else object[key] = value
}

class Scanner {
  pos = 0
  readonly buf: Buffer
  readonly end: number

  constructor(buf: Buffer) {
    this.buf = buf
    this.end = buf.length
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
    if (c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) {
      return i + 1
    }
    throw giveUp
  }

  /** Reads a string value (key or value) with JSON's decoding. */
  readString(): string {
    const start = this.pos
    const escaped = this.skipString()
    if (!escaped) return this.buf.toString('utf8', start + 1, this.pos - 1)
    return JSON.parse(this.buf.toString('utf8', start, this.pos)) as string
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

  /** Skips any JSON value, validating it; iterative, so depth costs no stack. */
  skipValue(): void {
    const b = this.buf
    const stack: number[] = []
    for (;;) {
      this.ws()
      const c = b[this.pos]
      if (c === LBRACE) {
        this.pos++
        this.ws()
        if (b[this.pos] === RBRACE) this.pos++
        else {
          stack.push(LBRACE)
          this.key()
          continue
        }
      } else if (c === LBRACKET) {
        this.pos++
        this.ws()
        if (b[this.pos] === RBRACKET) this.pos++
        else {
          stack.push(LBRACKET)
          continue
        }
      } else if (c === QUOTE) this.skipString()
      else if (c === 0x74) this.skipLiteral('true')
      else if (c === 0x66) this.skipLiteral('false')
      else if (c === 0x6e) this.skipLiteral('null')
      else if (c === 0x2d || isDigit(c)) this.skipNumber()
      else throw giveUp

      // After a value: close containers or move to the next member.
      for (;;) {
        const top = stack[stack.length - 1]
        if (top === undefined) return
        this.ws()
        const d = b[this.pos]
        if (d === COMMA) {
          this.pos++
          if (top === LBRACE) this.key()
          break
        }
        if ((top === LBRACE && d === RBRACE) || (top === LBRACKET && d === RBRACKET)) {
          this.pos++
          stack.pop()
          continue
        }
        throw giveUp
      }
    }
  }

  /** Reads an object key and its colon, leaving the position before the value. */
  key(): string {
    this.ws()
    if (this.buf[this.pos] !== QUOTE) throw giveUp
    const k = this.readString()
    this.ws()
    this.expect(COLON)
    return k
  }

  /** Parses the value at the position with JSON.parse (for small values). */
  parseValue(): unknown {
    this.ws()
    const start = this.pos
    this.skipValue()
    return JSON.parse(this.buf.toString('utf8', start, this.pos))
  }

  /**
   * Walks an object's members, calling `member` with each key; `member` must
   * consume the value.
   */
  object(member: (key: string) => void): void {
    this.ws()
    this.expect(LBRACE)
    this.ws()
    if (this.buf[this.pos] === RBRACE) {
      this.pos++
      return
    }
    for (;;) {
      member(this.key())
      this.ws()
      const c = this.buf[this.pos]
      this.pos++
      if (c === RBRACE) return
      if (c !== COMMA) throw giveUp
    }
  }

  /** A node object, reduced to the fields the policy reads. */
  node(): Json {
    this.ws()
    const start = this.pos
    if (this.buf[start] !== LBRACE) throw giveUp
    const node: Json = {}
    this.object((key) => {
      const fields = Object.hasOwn(wanted, key) ? wanted[key] : undefined
      if (fields === undefined) return this.skipValue()
      this.ws()
      if (this.buf[this.pos] !== LBRACE) return setOwn(node, key, this.parseValue())
      const section: Json = {}
      this.object((k) => (fields.includes(k) ? setOwn(section, k, this.parseValue()) : this.skipValue()))
      setOwn(node, key, section)
    })
    raw.set(node, { buffer: this.buf, start, end: this.pos })
    return node
  }

  /** A NodeList: `items` scanned node by node, anything else skipped. */
  nodeList(): unknown {
    this.ws()
    if (this.buf[this.pos] !== LBRACE) return this.parseValue()
    const list: Json = {}
    this.object((key) => {
      if (fold(key) !== 'items') return this.skipValue()
      this.ws()
      if (this.buf[this.pos] !== LBRACKET) return setOwn(list, key, this.parseValue())
      this.pos++
      const items: unknown[] = []
      this.ws()
      if (this.buf[this.pos] === RBRACKET) this.pos++
      else
        for (;;) {
          items.push(this.node())
          this.ws()
          const c = this.buf[this.pos]
          this.pos++
          if (c === RBRACKET) break
          if (c !== COMMA) throw giveUp
        }
      setOwn(list, key, items)
    })
    return list
  }
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
export function scanExtenderArgs(buf: Buffer): Json | undefined {
  const s = new Scanner(buf)
  try {
    const body: Json = {}
    s.ws()
    s.object((key) => {
      // Only the canonical "Nodes" key (any casing) is scanned node by node.
      setOwn(body, key, fold(key) === 'nodes' ? s.nodeList() : s.parseValue())
    })
    s.ws()
    if (s.pos !== buf.length) return undefined
    return body
  } catch (err) {
    if (err === giveUp || err instanceof SyntaxError) return undefined
    throw err
  }
}
