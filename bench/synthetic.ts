/**
 * Synthetic cluster objects for the memory benchmark, shaped like what the
 * API server returns (status, managed defaults, owner references), with the
 * parts that repeat per controller built once and shared, so that the
 * stand-in holding them stays small while the JSON it sends is full size.
 */

type Json = Record<string, unknown>

const zones = ['zone-a', 'zone-b', 'zone-c']
const teams = ['payments', 'search', 'ml', 'web', 'data', 'platform']

export function syntheticNode(i: number): Json {
  const name = `node-${String(i).padStart(5, '0')}`
  const gpu = i % 10 === 0
  const allocatable: Json = {
    cpu: '31850m',
    memory: '126Gi',
    pods: '110',
    'ephemeral-storage': '95551679124',
  }
  if (gpu) allocatable['nvidia.com/gpu'] = '8'
  return {
    metadata: {
      name,
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      creationTimestamp: '2024-01-01T00:00:00Z',
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': gpu ? 'gpu-8x-a100' : 'general-32',
        'topology.kubernetes.io/zone': zones[i % 3],
        'topology.kubernetes.io/region': 'region-1',
        'node-role.kubernetes.io/worker': '',
        ...(gpu ? { 'nvidia.com/gpu.product': 'A100-SXM4-80GB', 'nvidia.com/gpu.count': '8' } : {}),
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {
      podCIDR: `10.${(i >> 8) & 255}.${i & 255}.0/24`,
      providerID: `example://region-1/${name}`,
      taints: gpu ? [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }] : undefined,
    },
    status: {
      capacity: { ...allocatable, cpu: '32', memory: '128Gi' },
      allocatable,
      conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({
        type,
        status: type === 'Ready' ? 'True' : 'False',
        lastHeartbeatTime: '2024-06-01T00:00:00Z',
        lastTransitionTime: '2024-01-01T00:00:00Z',
        reason: type === 'Ready' ? 'KubeletReady' : `KubeletHas No${type}`,
        message: 'kubelet is posting ready status',
      })),
      addresses: [
        { type: 'InternalIP', address: `10.0.${(i >> 8) & 255}.${i & 255}` },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        kubeletVersion: 'v1.30.2',
        kubeProxyVersion: 'v1.30.2',
        containerRuntimeVersion: 'containerd://1.7.18',
        kernelVersion: '6.1.0-21-amd64',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        operatingSystem: 'linux',
        architecture: 'amd64',
        machineID: name,
        systemUUID: name,
        bootID: name,
      },
      images: sharedImages,
    },
  }
}

const sharedImages = Array.from({ length: 25 }, (_, i) => ({
  names: [
    `registry.example.com/team/image-${i}@sha256:${'ab'.repeat(32)}`,
    `registry.example.com/team/image-${i}:v1.${i}`,
  ],
  sizeBytes: 100_000_000 + i,
}))

interface Template {
  namespace: string
  owner: Json
  ownerKind: string
  labels: Json
  annotations: Json
  containers: Json[]
  containerStatuses: Json[]
  gpu: boolean
}

const templates = new Map<number, Template>()

/** Controllers of ~20 pods each: ReplicaSets mostly, some Jobs and DaemonSets. */
function template(t: number, gpu: boolean): Template {
  const key = t * 2 + (gpu ? 1 : 0)
  const found = templates.get(key)
  if (found !== undefined) return found
  const ownerKind = t % 10 === 0 ? 'Job' : t % 10 === 1 ? 'DaemonSet' : 'ReplicaSet'
  const app = `app-${t}`
  const hash = ((t * 2654435761) % 4294967296).toString(16).padStart(8, '0').slice(0, 8)
  const labels: Json = {
    app,
    'app.kubernetes.io/name': app,
    team: teams[t % teams.length],
    version: `v${t % 7}`,
  }
  if (ownerKind === 'ReplicaSet') labels['pod-template-hash'] = hash
  if (ownerKind === 'Job') labels['batch.kubernetes.io/job-name'] = app
  const resources = (cpu: string, memory: string): Json => ({
    requests: { cpu, memory, ...(gpu ? { 'nvidia.com/gpu': '1' } : {}) },
    limits: { memory, ...(gpu ? { 'nvidia.com/gpu': '1' } : {}) },
  })
  const container = (name: string, cpu: string, memory: string): Json => ({
    name,
    image: `registry.example.com/${app}/${name}:1.${t % 50}.0`,
    ports: [{ containerPort: 8080, protocol: 'TCP' }],
    env: [
      { name: 'APP', value: app },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ],
    resources: resources(cpu, memory),
    volumeMounts: [
      {
        name: 'kube-api-access',
        readOnly: true,
        mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      },
    ],
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  })
  const containers = [
    container('main', `${100 + (t % 9) * 50}m`, `${128 + (t % 5) * 64}Mi`),
    container('proxy', '50m', '64Mi'),
  ]
  const built: Template = {
    namespace: `ns-${t % 50}`,
    owner: {
      apiVersion: ownerKind === 'Job' ? 'batch/v1' : 'apps/v1',
      kind: ownerKind,
      name: `${app}-${hash}`,
      uid: `uid-${t}`,
      controller: true,
      blockOwnerDeletion: true,
    },
    ownerKind,
    labels,
    annotations: {
      'prometheus.io/scrape': 'true',
      'kubectl.kubernetes.io/default-container': 'main',
    },
    containers,
    containerStatuses: containers.map((c) => ({
      name: c.name,
      ready: true,
      restartCount: 0,
      image: c.image,
      imageID: `${String(c.image)}@sha256:${'cd'.repeat(32)}`,
      containerID: `containerd://${'ef'.repeat(32)}`,
      started: true,
      state: { running: { startedAt: '2024-06-01T00:00:00Z' } },
    })),
    gpu,
  }
  templates.set(key, built)
  return built
}

/** Pod `i` of `podsPerNode` on each of `nodes` nodes; a few have finished. */
export function syntheticPod(i: number, nodes: number, phase?: string): Json {
  const nodeIndex = i % nodes
  const gpuNode = nodeIndex % 10 === 0
  const t = Math.floor(i / 20)
  const tpl = template(t, gpuNode && i % 4 === 0)
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
  return {
    metadata: {
      name: `app-${t}-${String(tpl.labels['pod-template-hash'] ?? 'x')}-${suffix(i)}`,
      namespace: tpl.namespace,
      uid: `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`,
      creationTimestamp: '2024-06-01T00:00:00Z',
      generateName: `app-${t}-`,
      labels: tpl.labels,
      annotations: { ...tpl.annotations, 'cni.example.com/podIP': `${ip}/32` },
      ownerReferences: [tpl.owner],
    },
    spec: {
      nodeName: `node-${String(nodeIndex).padStart(5, '0')}`,
      containers: tpl.containers,
      volumes: [
        {
          name: 'kube-api-access',
          projected: {
            defaultMode: 420,
            sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }],
          },
        },
      ],
      restartPolicy: tpl.ownerKind === 'Job' ? 'Never' : 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      schedulerName: 'default-scheduler',
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      tolerations: defaultTolerations,
    },
    status: {
      phase: phase ?? (tpl.ownerKind === 'Job' && i % 3 === 0 ? 'Succeeded' : 'Running'),
      conditions: podConditions,
      hostIP: `10.0.${(nodeIndex >> 8) & 255}.${nodeIndex & 255}`,
      podIP: ip,
      podIPs: [{ ip }],
      startTime: '2024-06-01T00:00:00Z',
      containerStatuses: tpl.containerStatuses,
      qosClass: 'Burstable',
    },
  }
}

const suffix = (i: number) => (i * 7919).toString(36).slice(-5)

const defaultTolerations = ['not-ready', 'unreachable'].map((k) => ({
  key: `node.kubernetes.io/${k}`,
  operator: 'Exists',
  effect: 'NoExecute',
  tolerationSeconds: 300,
}))

const podConditions = [
  'PodReadyToStartContainers',
  'Initialized',
  'Ready',
  'ContainersReady',
  'PodScheduled',
].map((type) => ({
  type,
  status: 'True',
  lastProbeTime: null,
  lastTransitionTime: '2024-06-01T00:00:00Z',
}))
