/**
 * Kubernetes resource quantities (`500m`, `1.5Gi`, `10k`, `1e3`, `4Ti`) as
 * plain numbers of base units: cores for `cpu`, bytes for memory, a count for
 * devices. Kubernetes rounds up to milli-units, and so does this parser.
 */

const suffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
}

const pattern = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/

/**
 * Parses a quantity given as a string or (in hand-written manifests) a number.
 * Returns `undefined` for anything that is not a valid quantity.
 */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? roundUpMilli(value) : undefined
  if (typeof value !== 'string') return undefined
  const whole = wholeNumber(value)
  if (whole !== undefined) return whole
  const match = pattern.exec(value.trim())
  if (match === null) return undefined
  const [, digits, exponent, suffix] = match
  const base = Number(digits)
  const scale = exponent !== undefined ? 10 ** Number(exponent.slice(1)) : suffixes[suffix ?? '']
  if (scale === undefined) return undefined
  const result = base * scale
  return Number.isFinite(result) ? roundUpMilli(result) : undefined
}

/**
 * Plain non-negative integers ("8", "110") and milli-values ("15890m"), the
 * commonest forms in node and pod objects, read without the regular expression.
 */
function wholeNumber(text: string): number | undefined {
  let end = text.length
  const milli = end > 1 && text.charCodeAt(end - 1) === 0x6d
  if (milli) end--
  if (end === 0 || end > 15) return undefined
  let n = 0
  for (let i = 0; i < end; i++) {
    const d = text.charCodeAt(i) - 0x30
    if (d < 0 || d > 9) return undefined
    n = n * 10 + d
  }
  return milli ? n / 1000 : n
}

/** Kubernetes keeps quantities at milli precision, rounding away from zero. */
function roundUpMilli(value: number): number {
  const milli = value * 1000
  const rounded = milli > 0 ? Math.ceil(milli - 1e-9) : Math.floor(milli + 1e-9)
  return Math.abs(value) >= 2 ** 43 ? value : rounded / 1000
}

/** Formats a count for a message: integers as is, fractions to three places. */
export function formatAmount(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3).replace(/\.?0+$/, '')
}
