import { readFileSync } from 'node:fs'
import t from 'tap'
import { describedProperties, renderPolicyReference } from '../../src/policy/reference.js'
import { policySchema } from '../../src/policy/schema.js'
import { repoPath } from '../support/objects.js'

t.test('the committed policy reference matches the schema (run npm run docs:policy)', async (t) => {
  const committed = readFileSync(repoPath('docs/policy-reference.md'), 'utf8')
  t.equal(committed, renderPolicyReference(policySchema))
})

t.test('every field of the policy schema carries a description', async (t) => {
  const fields = describedProperties(policySchema)
  t.ok(fields.length > 50, `${fields.length} fields found`)
  const missing = fields.filter((f) => typeof f.schema.description !== 'string')
  t.same(
    missing.map((f) => f.path),
    [],
  )
})

t.test('the reference shows each field with its type, default and examples', async (t) => {
  const text = renderPolicyReference(policySchema)
  t.match(text, '## `classes[].pools[].overflow`')
  t.match(
    text,
    '| `resource` | string | `"cpu"` | `"cpu"`, `"memory"`, `"nvidia.com/gpu"` | Resource whose',
  )
  t.match(text, '| **`thresholdPercent`** | number, above 0, at most 100 |')
  t.match(text, '| `per` | one of `"namespace"`, `"class"` | `"namespace"` |')
})
