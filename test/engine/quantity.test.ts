import t from 'tap'
import { formatAmount, parseQuantity } from '../../src/engine/quantity.js'

t.test('every Kubernetes quantity form parses to base units', async (t) => {
  const cases: [unknown, number][] = [
    ['500m', 0.5],
    ['1', 1],
    ['10k', 10_000],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['4Ti', 4 * 2 ** 40],
    ['1e3', 1000],
    ['1E3', 1000],
    ['2.5e-3', 0.003],
    ['0.1G', 1e8],
    ['913620Ki', 913620 * 1024],
    ['100M', 1e8],
    ['1Mi', 2 ** 20],
    ['5k', 5000],
    ['+3', 3],
    ['.5', 0.5],
    ['250n', 0.001],
    ['0', 0],
    [8, 8],
    [0.25, 0.25],
  ]
  for (const [input, expected] of cases) {
    t.equal(parseQuantity(input), expected, `${JSON.stringify(input)} is ${expected}`)
  }
})

t.test('sub-milli amounts round up to a milli, as Kubernetes does', async (t) => {
  t.equal(parseQuantity('1n'), 0.001)
  t.equal(parseQuantity('1500u'), 0.002)
})

t.test('anything that is not a quantity reads as undefined', async (t) => {
  for (const bad of [
    '',
    'abc',
    '1.2.3',
    '1Ki5',
    '10 k',
    '1kk',
    'Infinity',
    null,
    {},
    [],
    true,
    NaN,
    Infinity,
    '1e400',
  ]) {
    t.equal(parseQuantity(bad), undefined, JSON.stringify(bad))
  }
})

t.test(
  'amounts print as integers when whole and with up to three decimals otherwise',
  async (t) => {
    t.equal(formatAmount(8), '8')
    t.equal(formatAmount(0.5), '0.5')
    t.equal(formatAmount(1.25), '1.25')
  },
)

t.test('amounts near an integer print without a trailing dot', async (t) => {
  const cases: [number, string][] = [
    [2.5, '2.5'],
    [0.125, '0.125'],
    [0.1 * 3, '0.3'],
    [57.000000001, '57'],
    [10.0000004, '10'],
  ]
  for (const [value, text] of cases) t.equal(formatAmount(value), text, `${value}`)
})
