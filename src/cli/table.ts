/**
 * Renders rows as a plain-text table: columns padded to their widest cell,
 * two spaces apart, the last column unpadded.
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]) {
  const all = [headers, ...rows]
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  const line = (r: readonly string[]) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return `${all.map(line).join('\n')}\n`
}
