#!/usr/bin/env node
// Runs the TypeScript sources through tsx in a checkout, and the compiled
// output where only dist/ is shipped (the container image).
import { existsSync } from 'node:fs'

const source = new URL('../src/cli/main.ts', import.meta.url)
const compiled = new URL('../dist/cli/main.js', import.meta.url)

let entry = compiled
if (existsSync(source)) {
  try {
    const { register } = await import('tsx/esm/api')
    register()
    entry = source
  } catch {
    // tsx is a development dependency: without it, fall back to dist/.
  }
}
const { main } = await import(entry.href)
process.exitCode = await main(process.argv.slice(2))
