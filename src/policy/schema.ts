import { hostFeatures } from '../engine/views.js'

/**
 * The JSON Schema of a placement policy. It is the single source of truth for
 * the policy format: validation runs against it and the policy reference in
 * docs/ is generated from it.
 */

const name = {
  type: 'string',
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
  maxLength: 63,
  description: 'A lowercase DNS label: letters, digits and dashes.',
}

const resourceSet = {
  type: 'object',
  additionalProperties: false,
  description: 'A set of resource names, given exactly or by prefix.',
  properties: {
    names: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: [],
      description: 'Exact resource names.',
      examples: [['nvidia.com/gpu']],
    },
    prefixes: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: [],
      description: 'Resource name prefixes.',
      examples: [['nvidia.com/mig-']],
    },
  },
}

const nodeCondition = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  description: 'One test on a node; exactly one of its keys is set.',
  properties: {
    label: {
      type: 'object',
      additionalProperties: false,
      required: ['key'],
      description: 'The node has this label; with `values`, with one of these values.',
      properties: {
        key: { type: 'string', minLength: 1, examples: ['type'] },
        values: { type: 'array', items: { type: 'string' }, examples: [['virtual-kubelet']] },
      },
    },
    taint: {
      type: 'object',
      additionalProperties: false,
      required: ['key'],
      description: 'The node has a taint with this key (and value and effect, when given).',
      properties: {
        key: { type: 'string', minLength: 1, examples: ['virtual-kubelet.io/provider'] },
        value: { type: 'string' },
        effect: { enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] },
      },
    },
    advertises: {
      ...resourceSet,
      description: 'The node advertises one of these resources with an allocatable amount above 0.',
    },
    advertisesDevice: {
      type: 'boolean',
      description: 'The node advertises (true) or does not advertise (false) a resource of `devices`.',
    },
  },
}

const nodeMatch = {
  type: 'object',
  additionalProperties: false,
  maxProperties: 1,
  default: {},
  description: 'Which nodes belong to the pool. `{}` matches every node.',
  properties: {
    any: { type: 'array', items: nodeCondition, minItems: 1, description: 'At least one condition holds.' },
    all: { type: 'array', items: nodeCondition, minItems: 1, description: 'Every condition holds.' },
  },
}

const labelSelector = {
  type: 'object',
  additionalProperties: false,
  description: 'A Kubernetes label selector on the pod labels.',
  properties: {
    matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
    matchExpressions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'operator'],
        properties: {
          key: { type: 'string', minLength: 1 },
          operator: { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
          values: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
}

const podMatch = {
  type: 'object',
  additionalProperties: false,
  default: {},
  description: 'Which pods belong to the class: every given test must hold. `{}` matches every pod.',
  properties: {
    ownerKinds: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      description: 'Kind of the controlling owner; `None` stands for a pod without owner.',
      examples: [['ReplicaSet', 'StatefulSet', 'None']],
    },
    namespaces: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
    labels: labelSelector,
    requests: {
      ...resourceSet,
      description: 'The pod requests one of these resources (effective request above 0).',
    },
    requestsDevice: {
      type: 'boolean',
      description: 'The pod requests (true) or does not request (false) a resource of `devices`.',
    },
  },
}

const poolRule = {
  type: 'object',
  additionalProperties: false,
  required: ['pool', 'score'],
  description: 'A pool the class may use, and how much the class prefers it.',
  properties: {
    pool: { ...name, description: 'Name of a pool of `pools`.' },
    score: {
      type: 'integer',
      minimum: 0,
      maximum: 10,
      description: 'Score 0..10 of every node of this pool for this class.',
      examples: [10],
    },
    bestFit: {
      type: 'object',
      additionalProperties: false,
      required: ['lowestScore'],
      description:
        'Spread scores by device fit: the tightest fit gets `score`, looser fits less, down to ' +
        '`lowestScore`. Only for pods requesting devices; not allowed on virtual pools.',
      properties: { lowestScore: { type: 'integer', minimum: 0, maximum: 10, examples: [6] } },
    },
  },
}

/** The policy schema (JSON Schema draft-07). */
export const policySchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://hybrid-scheduler.io/schemas/placement-policy.json',
  title: 'PlacementPolicy',
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind', 'pools', 'classes'],
  properties: {
    apiVersion: { const: 'hybrid-scheduler.io/v1alpha1' },
    kind: { const: 'PlacementPolicy' },
    metadata: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { name: { type: 'string', default: 'unnamed', description: 'Shown in metrics.' } },
    },
    devices: {
      ...resourceSet,
      description: 'Extended resources that are accelerator devices: fitted by count, best-fit scored.',
    },
    pools: {
      type: 'array',
      minItems: 1,
      description: 'Node pools, tried in order; a node belongs to the first that matches.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name,
          description: { type: 'string' },
          virtual: {
            type: 'boolean',
            default: false,
            description: 'Nodes of this pool advertise fake capacity: never scored from it.',
          },
          match: nodeMatch,
          unsupported: {
            type: 'array',
            items: { enum: [...hostFeatures] },
            uniqueItems: true,
            default: [],
            description: 'Pod features the back-end cannot run; pods using one never land here.',
            examples: [['hostPath', 'privileged']],
          },
        },
      },
    },
    classAnnotation: {
      type: 'string',
      minLength: 1,
      default: 'hybrid-scheduler.io/workload-class',
      description: 'Pod annotation naming a class explicitly, overriding `match`.',
    },
    defaultClass: {
      ...name,
      description: 'Class of pods that match no class. Without it such pods are refused everywhere.',
    },
    classes: {
      type: 'array',
      minItems: 1,
      description: 'Workload classes, tried in order; a pod belongs to the first that matches.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'pools'],
        properties: {
          name,
          description: { type: 'string' },
          match: podMatch,
          pools: {
            type: 'array',
            items: poolRule,
            description: 'Pools the class may use. Nodes of any other pool are refused.',
          },
        },
      },
    },
  },
} as const
