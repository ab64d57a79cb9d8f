import { hostFeatures } from '../engine/views.js'

/**
 * The JSON Schema of a placement policy. It is the single source of truth for
 * the policy format: validation runs against it and the policy reference in
 * docs/ is generated from it (`npm run docs:policy`), so every property
 * carries a description, and a default and examples where they help.
 */

const name = {
  type: 'string',
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
  maxLength: 63,
  description: 'A lowercase DNS label: letters, digits and dashes.',
}

const resourceNames = (description: string, example: string[]) => ({
  type: 'array',
  items: { type: 'string', minLength: 1 },
  default: [],
  description,
  examples: [example],
})

const resourceSet = {
  type: 'object',
  additionalProperties: false,
  description: 'A set of resource names, given exactly or by prefix.',
  properties: {
    names: resourceNames('Exact resource names.', ['nvidia.com/gpu']),
    prefixes: resourceNames('Resource name prefixes.', ['nvidia.com/mig-']),
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
        key: { type: 'string', minLength: 1, description: 'Label key.', examples: ['type'] },
        values: {
          type: 'array',
          items: { type: 'string' },
          description: 'Accepted label values; without it any value matches.',
          examples: [['virtual-kubelet']],
        },
      },
    },
    taint: {
      type: 'object',
      additionalProperties: false,
      required: ['key'],
      description: 'The node has a taint with this key (and value and effect, when given).',
      properties: {
        key: {
          type: 'string',
          minLength: 1,
          description: 'Taint key.',
          examples: ['virtual-kubelet.io/provider'],
        },
        value: { type: 'string', description: 'Taint value; without it any value matches.' },
        effect: {
          enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'],
          description: 'Taint effect; without it any effect matches.',
        },
      },
    },
    advertises: {
      ...resourceSet,
      description: 'The node advertises one of these resources with an allocatable amount above 0.',
    },
    advertisesDevice: {
      type: 'boolean',
      description:
        'The node advertises (true) or does not advertise (false) a resource of `devices`.',
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
    any: {
      type: 'array',
      items: nodeCondition,
      minItems: 1,
      description: 'At least one condition holds.',
    },
    all: {
      type: 'array',
      items: nodeCondition,
      minItems: 1,
      description: 'Every condition holds.',
    },
  },
}

const labelSelector = {
  type: 'object',
  additionalProperties: false,
  description: 'A Kubernetes label selector on the pod labels.',
  properties: {
    matchLabels: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'Labels the pod must carry with exactly these values.',
      examples: [{ tier: 'batch' }],
    },
    matchExpressions: {
      type: 'array',
      description: 'Label tests that must all hold.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'operator'],
        description: 'One label test.',
        properties: {
          key: { type: 'string', minLength: 1, description: 'Label key.' },
          operator: {
            enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'],
            description: 'How the label is tested against `values`.',
          },
          values: {
            type: 'array',
            items: { type: 'string' },
            description: 'Values for `In` and `NotIn`.',
          },
        },
      },
    },
  },
}

const namespaceList = (description: string) => ({
  type: 'array',
  items: { type: 'string', minLength: 1 },
  minItems: 1,
  description,
  examples: [['team-a', 'team-b']],
})

const podMatch = {
  type: 'object',
  additionalProperties: false,
  default: {},
  description:
    'Which pods belong to the class: every given test must hold. `{}` matches every pod.',
  properties: {
    ownerKinds: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      description: 'Kind of the controlling owner; `None` stands for a pod without owner.',
      examples: [['ReplicaSet', 'StatefulSet', 'None']],
    },
    namespaces: namespaceList('The pod is in one of these namespaces.'),
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

const score = (description: string, example: number) => ({
  type: 'integer',
  minimum: 0,
  maximum: 10,
  description,
  examples: [example],
})

const overflow = {
  type: 'object',
  additionalProperties: false,
  required: ['thresholdPercent', 'score'],
  description:
    'Prefer this pool only while it is not busy. The pool is busy when the share of its ' +
    'allocatable `resource` already requested by running pods, summed over every node of the ' +
    'pool, is at or above `thresholdPercent`; its nodes then score `score` instead, so the ' +
    'next pool of the class wins. Nodes are never refused for it: capacity is kube-scheduler’s ' +
    'own check. Without cluster state the share reads as 0 %. Not allowed on virtual pools.',
  properties: {
    resource: {
      type: 'string',
      minLength: 1,
      default: 'cpu',
      description: 'Resource whose requested share is measured: `cpu`, `memory` or a device.',
      examples: ['cpu', 'memory', 'nvidia.com/gpu'],
    },
    thresholdPercent: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 100,
      description: 'Requested share of the pool’s allocatable, in percent, that makes it busy.',
      examples: [70],
    },
    score: score('Score 0..10 of the pool’s nodes while the pool is busy.', 2),
  },
}

const poolRule = {
  type: 'object',
  additionalProperties: false,
  required: ['pool', 'score'],
  description: 'A pool the class may use, and how much the class prefers it.',
  properties: {
    pool: { ...name, description: 'Name of a pool of `pools`.' },
    score: score('Score 0..10 of every node of this pool for this class.', 10),
    bestFit: {
      type: 'object',
      additionalProperties: false,
      required: ['lowestScore'],
      description:
        'Spread scores by device fit: the tightest fit gets `score`, looser fits less, down to ' +
        '`lowestScore`. Only for pods requesting devices; not allowed on virtual pools.',
      properties: {
        lowestScore: score('Score 0..10 of the loosest fit; at most `score`.', 6),
      },
    },
    overflow,
  },
}

const poolRules = (description: string) => ({ type: 'array', items: poolRule, description })

const cpuQuantity = {
  type: ['string', 'number'],
  pattern: '^[0-9]+(\\.[0-9]+)?m?$',
  minimum: 0,
  description:
    'Most CPU, in cores as a Kubernetes quantity, that the counted pods may request on the ' +
    'pool together, this pod included.',
  examples: ['16', '500m'],
}

const budget = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'pool'],
  description:
    'A cap on what pods may hold on one pool at once, counted from the pods running on the ' +
    'pool’s nodes. A node of the pool is refused (FailedNodes: the cap is transient) when ' +
    'placing the pod there would go over `maxPods` or `maxCpu`. Give at least one of them. ' +
    'Without cluster state budgets are not enforced.',
  properties: {
    name: { ...name, description: 'Name of the budget, shown in the reason of a refusal.' },
    description: { type: 'string', description: 'What the budget is for, for people.' },
    pool: { ...name, description: 'Name of the pool of `pools` the budget caps.' },
    per: {
      enum: ['namespace', 'class'],
      default: 'namespace',
      description:
        'What holds the budget: each namespace on its own, or each workload class on its own.',
    },
    namespaces: namespaceList('Only pods in these namespaces count and are capped.'),
    classes: {
      type: 'array',
      items: name,
      minItems: 1,
      description: 'Only pods of these workload classes count and are capped.',
      examples: [['bursty']],
    },
    maxPods: {
      type: 'integer',
      minimum: 0,
      description: 'Most pods, this pod included, that each holder may run on the pool.',
      examples: [20],
    },
    maxCpu: cpuQuantity,
  },
}

const pool = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description: 'A node pool.',
  properties: {
    name: { ...name, description: 'Name of the pool, used by classes and shown in metrics.' },
    description: { type: 'string', description: 'What the pool is, for people.' },
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
}

const workloadClass = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'pools'],
  description: 'A workload class.',
  properties: {
    name: { ...name, description: 'Name of the class, used by the annotation and in metrics.' },
    description: { type: 'string', description: 'What the class is, for people.' },
    match: podMatch,
    pools: poolRules('Pools the class may use. Nodes of any other pool are refused.'),
    overrides: {
      type: 'array',
      default: [],
      description:
        'Other pool rules for pods of this class in some namespaces; the first override ' +
        'naming the pod’s namespace replaces `pools` whole.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['namespaces', 'pools'],
        description: 'Pool rules for the class in some namespaces.',
        properties: {
          namespaces: namespaceList('Namespaces the override applies to.'),
          pools: poolRules('Pools the class may use in these namespaces, as in `pools`.'),
        },
      },
    },
  },
}

/** The policy schema (JSON Schema draft-07). */
export const policySchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://hybrid-scheduler.io/schemas/placement-policy.json',
  title: 'PlacementPolicy',
  description: 'Sorts nodes into pools and pods into workload classes, and joins them by rules.',
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind', 'pools', 'classes'],
  properties: {
    apiVersion: { const: 'hybrid-scheduler.io/v1alpha1', description: 'Version of the format.' },
    kind: { const: 'PlacementPolicy', description: 'Kind of the document.' },
    metadata: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'About the policy.',
      properties: {
        name: {
          type: 'string',
          default: 'unnamed',
          description: 'Name of the policy, shown in metrics and in `GET /policy`.',
          examples: ['default'],
        },
      },
    },
    devices: {
      ...resourceSet,
      description:
        'Extended resources that are accelerator devices: fitted by count, best-fit scored.',
    },
    pools: {
      type: 'array',
      minItems: 1,
      description: 'Node pools, tried in order; a node belongs to the first that matches.',
      items: pool,
    },
    classAnnotation: {
      type: 'string',
      minLength: 1,
      default: 'hybrid-scheduler.io/workload-class',
      description: 'Pod annotation naming a class explicitly, overriding `match`.',
    },
    defaultClass: {
      ...name,
      description:
        'Class of pods that match no class. Without it such pods are refused everywhere.',
    },
    classes: {
      type: 'array',
      minItems: 1,
      description: 'Workload classes, tried in order; a pod belongs to the first that matches.',
      items: workloadClass,
    },
    budgets: {
      type: 'array',
      default: [],
      description: 'Burst budgets: caps on what a namespace or class may hold on a pool.',
      items: budget,
    },
  },
} as const
