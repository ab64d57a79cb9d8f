import t from 'tap'
import { emptyMap, MapInterner, sameMap, StringPool } from '../../src/cluster/intern.js'

t.test('equal maps built in any order are shared', async (t) => {
  const interner = new MapInterner<string>()
  const a = interner.acquire(
    new Map([
      ['app', 'web'],
      ['tier', 'front'],
    ]),
  )
  const b = interner.acquire(
    new Map([
      ['tier', 'front'],
      ['app', 'web'],
    ]),
  )
  t.equal(a, b)
  t.equal(interner.size, 1)
})

t.test('maps that differ in one value are kept apart', async (t) => {
  const interner = new MapInterner<number>()
  const a = interner.acquire(new Map([['cpu', 1]]))
  const b = interner.acquire(new Map([['cpu', 2]]))
  t.not(a, b)
  t.equal(interner.size, 2)
})

t.test('a map is forgotten once its last holder releases it', async (t) => {
  const interner = new MapInterner<string>()
  const a = interner.acquire(new Map([['k', 'v']]))
  interner.acquire(new Map([['k', 'v']]))
  interner.release(a)
  t.equal(interner.size, 1)
  interner.release(a)
  t.equal(interner.size, 0)
  const fresh = new Map([['k', 'v']])
  t.equal(interner.acquire(fresh), fresh, 'a new copy becomes the shared one')
})

t.test('empty maps all become the one shared empty map and are not counted', async (t) => {
  const interner = new MapInterner<string>()
  t.equal(interner.acquire(new Map()), emptyMap)
  interner.release(emptyMap)
  t.equal(interner.size, 0)
})

t.test('sameMap compares entries, not identity or order', async (t) => {
  t.ok(
    sameMap(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
      new Map([
        ['b', 2],
        ['a', 1],
      ]),
    ),
  )
  t.notOk(sameMap(new Map([['a', 1]]), new Map([['b', 1]])))
  t.notOk(
    sameMap(
      new Map([['a', 1]]),
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    ),
  )
})

t.test('the string pool returns the first copy and stops growing at its limit', async (t) => {
  const pool = new StringPool(1)
  const first = ['def', 'ault'].join('')
  t.equal(pool.intern(first), first)
  t.equal(pool.intern('default'), first)
  t.equal(pool.intern('other'), 'other')
})
