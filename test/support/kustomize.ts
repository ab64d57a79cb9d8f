import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'

/** The repository root. */
export const root = fileURLToPath(new URL('../../', import.meta.url))

/** The kustomization roots a user applies or builds on. */
export const kustomizations = [
  'manifests/base',
  'manifests/overlays/extender',
  'manifests/overlays/second-scheduler',
  'manifests/monitoring',
] as const

/** A Kubernetes object as read from YAML, with where it came from. */
export interface Manifest {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string> }
  [field: string]: unknown
}

export interface Sourced {
  object: Manifest
  /** Repository-relative file, with `#n` for the n-th document when a file has several. */
  source: string
}

/** The parts of kustomization.yaml these checks read. */
export interface Kustomization {
  namespace?: string
  resources?: string[]
  patches?: { path?: string; patch?: string; target?: Record<string, string> }[]
  configMapGenerator?: {
    name: string
    namespace?: string
    files?: string[]
    options?: { labels?: Record<string, string> }
  }[]
  [field: string]: unknown
}

/** Every YAML document in a file, parsed; a parse error throws. */
export function readDocuments(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'))
  const values = docs.map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`)
    return doc.toJS() as unknown
  })
  return values.filter((d) => d !== null && d !== undefined)
}

export function readKustomization(dir: string): Kustomization {
  const [doc] = readDocuments(join(root, dir, 'kustomization.yaml'))
  return doc as Kustomization
}

/** `file=key` or `file` of a generator entry: the file part. */
export function generatorFile(entry: string): string {
  const eq = entry.indexOf('=')
  return eq === -1 ? entry : entry.slice(eq + 1)
}

/** `file=key` or `file` of a generator entry: the ConfigMap key. */
export function generatorKey(entry: string): string {
  const eq = entry.indexOf('=')
  return eq === -1 ? basename(entry) : entry.slice(0, eq)
}

/** True when `ref`, relative to the kustomization `dir`, names a kustomization directory. */
export function isKustomizationDir(dir: string, ref: string): boolean {
  const path = join(root, dir, ref)
  return (
    existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, 'kustomization.yaml'))
  )
}

/**
 * The objects a kustomization declares: its resource files, the resources of
 * the kustomizations it includes, and ConfigMaps from its generators. Patches
 * are left out (see {@link applyPatches}); names carry no hash suffix.
 */
export function declaredObjects(dir: string): Sourced[] {
  const k = readKustomization(dir)
  const out: Sourced[] = []
  for (const ref of k.resources ?? []) {
    const path = relative(root, join(root, dir, ref))
    if (isKustomizationDir(dir, ref)) {
      out.push(...builtObjects(path))
      continue
    }
    const docs = readDocuments(join(root, path))
    docs.forEach((object, i) => {
      const source = docs.length > 1 ? `${path}#${i + 1}` : path
      out.push({ object: object as Manifest, source })
    })
  }
  for (const gen of k.configMapGenerator ?? []) {
    const data: Record<string, string> = {}
    for (const entry of gen.files ?? []) {
      data[generatorKey(entry)] = readFileSync(join(root, dir, generatorFile(entry)), 'utf8')
    }
    const labels = gen.options?.labels
    const metadata = { name: gen.name, ...(labels === undefined ? {} : { labels }) }
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata, data }
    out.push({ object, source: `${dir}/kustomization.yaml` })
  }
  const namespace = k.namespace
  if (namespace !== undefined) {
    for (const { object } of out) {
      if (!clusterScoped.has(object.kind)) object.metadata.namespace = namespace
    }
  }
  return out
}

/** Kinds without a namespace, among those the manifests use. */
export const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding'])

/** Patch documents of a kustomization, each with its file. */
export function patchDocuments(dir: string): Sourced[] {
  const k = readKustomization(dir)
  return (k.patches ?? []).flatMap((p) => {
    if (p.path === undefined) return []
    const source = join(dir, p.path)
    return readDocuments(join(root, source)).map((object) => ({
      object: object as Manifest,
      source,
    }))
  })
}

/** The object a patch targets, by apiVersion, kind, name and namespace, if any. */
export function patchTarget(patch: Manifest, objects: Sourced[]): Sourced | undefined {
  return objects.find(
    ({ object }) =>
      object.apiVersion === patch.apiVersion &&
      object.kind === patch.kind &&
      object.metadata.name === patch.metadata.name &&
      (patch.metadata.namespace === undefined ||
        object.metadata.namespace === patch.metadata.namespace),
  )
}

/**
 * Applies a kustomization's strategic-merge patches the simple way: maps merge
 * key by key and everything else is replaced. Enough for patches that set
 * fields; a patch that edits a list would need kustomize's merge keys.
 */
export function applyPatches(dir: string, objects: Sourced[]): Sourced[] {
  const patches = patchDocuments(dir)
  return objects.map((entry) => {
    let object = entry.object
    for (const { object: patch } of patches) {
      if (patchTarget(patch, [entry]) !== undefined) object = merge(object, patch) as Manifest
    }
    return { ...entry, object }
  })
}

/** Every object a user gets from `kubectl apply -k dir`, patches applied. */
export function builtObjects(dir: string): Sourced[] {
  return applyPatches(dir, declaredObjects(dir))
}

function merge(base: unknown, patch: unknown): unknown {
  if (!isMap(base) || !isMap(patch)) return structuredClone(patch)
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(patch)) out[key] = merge(base[key], value)
  return out
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
