// Writes docs/policy-reference.md from the policy schema: npm run docs:policy
import { writeFileSync } from 'node:fs'
import { renderPolicyReference } from '../src/policy/reference.js'
import { policySchema } from '../src/policy/schema.js'

const target = new URL('../docs/policy-reference.md', import.meta.url)
writeFileSync(target, renderPolicyReference(policySchema))
process.stdout.write(`wrote ${target.pathname}\n`)
