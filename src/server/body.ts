import { ExtenderError } from '../errors.js'
import { jsonDepthExceeds } from '../wire/depth.js'
import { scanExtenderArgs } from '../wire/scan.js'

const itemsKey = Buffer.from('"items"')

/** Largest body parsed in full with JSON.parse (bodies without node objects). */
export const maxParsedBodyBytes = 4 * 1024 * 1024

const notJson = (message: string, cause?: unknown) =>
  new ExtenderError('HX_REQUEST_JSON', message, cause === undefined ? {} : { cause })

/**
 * Reads a request body. Bodies with node objects ("items") go through the
 * node decoder, which builds only what the policy reads and checks nesting
 * as it goes; others are parsed whole with JSON.parse, after size and depth
 * checks, since they are small. Throws a coded ExtenderError naming the
 * problem; a valid body that is not an object is returned for the shape
 * checks to name.
 */
export function readBody(buf: Buffer, maxDepth: number): unknown {
  if (buf.length === 0) throw notJson('request body is empty')
  if (buf.indexOf(itemsKey) >= 0) {
    const body = scanExtenderArgs(buf, undefined, maxDepth)
    if (body !== undefined) return body
    // Too big to build whole just to find where it goes wrong.
    if (buf.length > maxParsedBodyBytes) throw notJson('request body is not a valid JSON object')
  } else if (buf.length > maxParsedBodyBytes) {
    // JSON.parse builds the whole body: past this size an object of millions
    // of keys could exhaust the heap. Names-only bodies for 5,000 nodes are
    // about 100 KiB.
    const message = `a request body without node objects may be at most ${maxParsedBodyBytes} bytes`
    throw new ExtenderError('HX_REQUEST_TOO_LARGE', message)
  }
  if (maxDepth > 0 && jsonDepthExceeds(buf, maxDepth)) {
    throw new ExtenderError(
      'HX_REQUEST_TOO_DEEP',
      `request body nests deeper than ${maxDepth} levels`,
    )
  }
  try {
    return JSON.parse(buf.toString('utf8'))
  } catch (err) {
    throw notJson(`request body is not valid JSON: ${(err as Error).message}`, err)
  }
}
