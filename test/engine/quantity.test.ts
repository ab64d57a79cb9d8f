import t from 'tap'
import { formatAmount } from '../../src/engine/quantity.js'

t.test('formatAmount prints float sums near an integer without a trailing dot', async (t) => {
  const cases: [number, string][] = [
    [8, '8'],
    [2.5, '2.5'],
    [0.125, '0.125'],
    [0.1 * 3, '0.3'],
    [57.000000001, '57'],
    [10.0000004, '10'],
  ]
  for (const [value, text] of cases) t.equal(formatAmount(value), text, `${value}`)
})
