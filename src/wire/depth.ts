import { BACKSLASH, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET } from './bytes.js'

/**
 * True when JSON text nests objects and arrays deeper than `maxDepth`
 * (`{}` is depth 1). One pass over the bytes, brackets inside strings
 * ignored; malformed text is left for the parser to report. Node objects
 * need about 20 levels (managedFields the most), so a limit far above that
 * refuses only documents built to be deep.
 */
export function jsonDepthExceeds(buf: Uint8Array, maxDepth: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) {
      inString = true
    } else if (c === LBRACE || c === LBRACKET) {
      if (++depth > maxDepth) return true
    } else if (c === RBRACE || c === RBRACKET) {
      depth--
    }
  }
  return false
}
