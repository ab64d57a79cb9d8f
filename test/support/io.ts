import { main } from '../../src/cli/main.js'

/** Runs a command line in-process; resolves to its exit code and what it printed. */
export async function run(argv: string[]) {
  let out = ''
  let err = ''
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) })
  return { code, out, err }
}
