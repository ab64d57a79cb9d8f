const openBrace = 0x7b
const openBracket = 0x5b
const closeBrace = 0x7d
const closeBracket = 0x5d
const quote = 0x22
const backslash = 0x5c

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
      if (c === backslash) i++
      else if (c === quote) inString = false
    } else if (c === quote) {
      inString = true
    } else if (c === openBrace || c === openBracket) {
      if (++depth > maxDepth) return true
    } else if (c === closeBrace || c === closeBracket) {
      depth--
    }
  }
  return false
}
