/**
 * Renders the policy reference (docs/policy-reference.md) from the policy
 * JSON Schema: one section per object, one row per field with its type,
 * constraints, default, examples and description.
 */

type Schema = Record<string, unknown>

interface Section {
  path: string
  schema: Schema
}

const code = (v: unknown) => `\`${JSON.stringify(v)}\``

/** The whole reference as Markdown. */
export function renderPolicyReference(root: Schema): string {
  const sections: Section[] = []
  collect('', root, sections)
  const intro = [
    '# Placement policy reference',
    '',
    '<!-- Generated from src/policy/schema.ts by `npm run docs:policy`: do not edit by hand. -->',
    '',
    String(root.description ?? ''),
    '',
    'Each section lists the fields of one object of the policy; a path such as',
    '`classes[].pools[]` names the objects of the list `pools` of every class.',
    'Fields in **bold** are required.',
    '',
  ]
  return `${[...intro, ...sections.flatMap(renderSection)].join('\n').trimEnd()}\n`
}

/** Every property of every object schema, depth first. */
export function describedProperties(root: Schema): { path: string; schema: Schema }[] {
  const sections: Section[] = []
  collect('', root, sections)
  return sections.flatMap(({ path, schema }) =>
    Object.entries(properties(schema)).map(([name, s]) => ({ path: join(path, name), schema: s })),
  )
}

function collect(path: string, schema: Schema, out: Section[]): void {
  const props = properties(schema)
  if (Object.keys(props).length > 0) out.push({ path, schema })
  for (const [name, s] of Object.entries(props)) {
    let inner: Schema = s
    let sub = join(path, name)
    while (inner.type === 'array' && isSchema(inner.items)) {
      inner = inner.items
      sub = `${sub}[]`
    }
    if (out.some((seen) => seen.schema === inner)) continue
    collect(sub, inner, out)
  }
}

function renderSection({ path, schema }: Section): string[] {
  const required = new Set((schema.required as string[] | undefined) ?? [])
  const rows = Object.entries(properties(schema)).map(([name, s]) => {
    const field = required.has(name) ? `**\`${name}\`**` : `\`${name}\``
    const examples = Array.isArray(s.examples) ? s.examples.map(code).join(', ') : ''
    const cells = [field, typeOf(s), s.default === undefined ? '' : code(s.default), examples]
    return `| ${[...cells, cell(String(s.description ?? ''))].join(' | ')} |`
  })
  const title = path === '' ? 'Top level' : `\`${path}\``
  const one = schema.maxProperties === 1
  const notes = [
    one && schema.minProperties === 1 ? 'Exactly one field is set.' : '',
    one && schema.minProperties === undefined ? 'At most one field is set.' : '',
  ].filter((n) => n !== '')
  return [
    `## ${title}`,
    '',
    ...(path === '' ? [] : [cell(String(schema.description ?? '')), '']),
    ...(notes.length > 0 ? [notes.join(' '), ''] : []),
    '| Field | Type | Default | Examples | Description |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ]
}

function typeOf(s: Schema): string {
  if (s.const !== undefined) return code(s.const)
  if (Array.isArray(s.enum)) return `one of ${s.enum.map(code).join(', ')}`
  const type = Array.isArray(s.type) ? s.type.join(' or ') : String(s.type ?? 'any')
  if (type === 'array') {
    const items = isSchema(s.items) ? s.items : {}
    const of = Object.keys(properties(items)).length > 0 ? 'objects' : typeOf(items)
    const nonEmpty = s.minItems === 1 ? ', not empty' : bounds(s.minItems, undefined, ' items')
    return `list of ${of}${nonEmpty}`
  }
  if (type === 'object' && isSchema(s.additionalProperties)) {
    return `map of ${typeOf(s.additionalProperties)}`
  }
  const range =
    s.exclusiveMinimum === undefined
      ? bounds(s.minimum, s.maximum, '')
      : `, above ${String(s.exclusiveMinimum)}${bounds(undefined, s.maximum, '')}`
  const extra = [
    range,
    s.pattern === undefined ? '' : `, pattern \`${String(s.pattern)}\``,
    s.maxLength === undefined ? '' : `, at most ${String(s.maxLength)} characters`,
  ]
  return `${type}${extra.join('')}`
}

function bounds(min: unknown, max: unknown, unit: string): string {
  if (min !== undefined && max !== undefined) return ` ${String(min)}..${String(max)}${unit}`
  if (min !== undefined) return `, at least ${String(min)}${unit}`
  if (max !== undefined) return `, at most ${String(max)}${unit}`
  return ''
}

function properties(schema: Schema): Record<string, Schema> {
  return isSchema(schema.properties) ? (schema.properties as Record<string, Schema>) : {}
}

function isSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`
}

/** Keeps a table cell on one line and its pipes literal. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ')
}
