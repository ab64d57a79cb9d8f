import { parseArgs, type ParseArgsConfig } from 'node:util'
import { ExtenderError } from '../errors.js'

type Options = NonNullable<ParseArgsConfig['options']>

/** Parses flags strictly; a bad command line throws HX_USAGE (exit 2). */
export function parseFlags<O extends Options>(argv: string[], options: O, positionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: positionals })
  } catch (err) {
    throw new ExtenderError('HX_USAGE', (err as Error).message, { cause: err })
  }
}

/** Output for people, or JSON for machines. */
export type OutputFormat = 'text' | 'json'

/** Reads `--output`; throws HX_USAGE for anything but text or json. */
export function outputFormat(value: string | undefined): OutputFormat {
  if (value === undefined || value === 'text') return 'text'
  if (value === 'json') return 'json'
  throw new ExtenderError('HX_USAGE', `--output must be text or json, got "${value}"`)
}

/** Throws HX_USAGE naming a missing flag. */
export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') {
    throw new ExtenderError('HX_USAGE', `${flag} is required`)
  }
  return value
}
