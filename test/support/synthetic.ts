/**
 * Synthetic but realistic Node objects (about 4 KiB each: labels,
 * annotations, conditions, images), shaped like what kube-scheduler sends.
 * Used by tests of the fast decoder and by the benchmarks.
 */

const zones = ['zone-a', 'zone-b', 'zone-c']

function conditions(i: number) {
  const at = '2026-11-30T10:00:00Z'
  return [
    [
      'MemoryPressure',
      'False',
      'KubeletHasSufficientMemory',
      'kubelet has sufficient memory available',
    ],
    ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
    ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
    ['Ready', 'True', 'KubeletReady', `kubelet is posting ready status. AppArmor enabled (${i})`],
  ].map(([type, status, reason, message]) => ({
    type,
    status,
    lastHeartbeatTime: at,
    lastTransitionTime: at,
    reason,
    message,
  }))
}

function images(i: number) {
  return Array.from({ length: 8 }, (_, k) => ({
    names: [
      `registry.example.com/team-${k}/service-${(i + k) % 50}@sha256:${'ab12cd34'.repeat(8)}`,
      `registry.example.com/team-${k}/service-${(i + k) % 50}:v1.${k}.${i % 10}`,
    ],
    sizeBytes: 10_000_000 + k * 1_234_567,
  }))
}

/** The n-th synthetic node: every 10th is a GPU node, every 50th a virtual node. */
export function syntheticNode(i: number): Record<string, unknown> {
  const name = `node-${String(i).padStart(5, '0')}`
  const gpu = i % 10 === 3
  const virtual = i % 50 === 7
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'node.kubernetes.io/instance-type': gpu ? 'p4d.24xlarge' : 'm6i.4xlarge',
    'topology.kubernetes.io/region': 'region-1',
    'topology.kubernetes.io/zone': zones[i % 3] as string,
  }
  if (gpu)
    Object.assign(labels, {
      'nvidia.com/gpu.product': 'A100-SXM4-40GB',
      'nvidia.com/gpu.count': '8',
    })
  if (virtual) labels.type = 'virtual-kubelet'
  const allocatable: Record<string, string> = virtual
    ? { cpu: '10k', memory: '4Ti', pods: '5k' }
    : { cpu: '15890m', memory: '62880392Ki', pods: '110', 'ephemeral-storage': '95491281146' }
  if (gpu) allocatable['nvidia.com/gpu'] = '8'
  return {
    metadata: {
      name,
      uid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(1_000_000 + i),
      creationTimestamp: '2026-11-01T00:00:00Z',
      labels,
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        'csi.volume.kubernetes.io/nodeid': `{"ebs.csi.aws.com":"i-0${i.toString(16).padStart(16, '0')}"}`,
      },
    },
    spec: {
      podCIDR: `10.${(i >> 8) & 255}.${i & 255}.0/24`,
      providerID: `aws:///${zones[i % 3]}/i-0${i.toString(16).padStart(16, '0')}`,
      ...(gpu ? { taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }] } : {}),
      ...(virtual
        ? { taints: [{ key: 'virtual-kubelet.io/provider', value: 'azure', effect: 'NoSchedule' }] }
        : {}),
    },
    status: {
      capacity: allocatable,
      allocatable,
      conditions: conditions(i),
      addresses: [
        { type: 'InternalIP', address: `10.0.${(i >> 8) & 255}.${i & 255}` },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: 'ec2' + 'f'.repeat(29),
        systemUUID: 'ec2' + 'e'.repeat(29),
        bootID: '00000000-0000-0000-0000-000000000000',
        kernelVersion: '6.1.112-122.189.amzn2023.x86_64',
        osImage: 'Amazon Linux 2023.6.20241031',
        containerRuntimeVersion: 'containerd://1.7.22',
        kubeletVersion: 'v1.31.2-eks-94953ac',
        kubeProxyVersion: 'v1.31.2-eks-94953ac',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images: images(i),
    },
  }
}

/** `count` synthetic nodes. */
export const syntheticNodes = (count: number) =>
  Array.from({ length: count }, (_, i) => syntheticNode(i))
