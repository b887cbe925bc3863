/**
 * The written topology format and the Kubernetes/Calico resources it accepts, as zod schemas.
 *
 * "Written" means as a user types it: every field optional where Calico or Kubernetes has a
 * default, and nothing cross-checked yet (resolve.ts does that). The same schemas produce the
 * JSON Schema shipped in schema/topology.schema.json, so editors and podnet agree on the format.
 */
import * as z from 'zod';
import { parseDuration } from './duration.js';

/** About 31 years of simulated time: more is a typo, and would overflow the event clock's arithmetic. */
const MAX_DURATION_SECONDS = 1e9;
const DURATION_TEXT = /^\d+(\.\d+)?(ms|s|m|h)$/;
const DURATION_TOO_LONG = 'a duration of at most 1000000000 seconds (about 31 years)';

const text = (description: string) => z.string().min(1).describe(description);

export const durationSchema = z
  .union([
    z.number().nonnegative().max(MAX_DURATION_SECONDS, DURATION_TOO_LONG),
    z
      .string()
      .regex(DURATION_TEXT, 'expected a duration such as 30s, 2m or 1.5h')
      .refine((value) => !DURATION_TEXT.test(value) || parseDuration(value) <= MAX_DURATION_SECONDS, DURATION_TOO_LONG),
  ])
  .describe('simulated time: seconds as a number, or a string such as 500ms, 30s, 2m, 1h');

export const asNumberSchema = z
  .number()
  .int('an AS number is a whole number')
  .min(1, 'an AS number is between 1 and 4294967295')
  .max(4294967295, 'an AS number is between 1 and 4294967295')
  .describe('BGP autonomous system number (4-byte)');

export const encapModeSchema = z.enum(['Never', 'Always', 'CrossSubnet']);

const labelsSchema = z.record(z.string(), z.string()).describe('Kubernetes-style labels');

/** Marks the issues that refuse a field podnet does not simulate, so they get their own code. */
export const NOT_MODELLED = 'not-modelled';

/**
 * A field Kubernetes or Calico accepts whose effect podnet does not simulate. Accepting it silently
 * would answer the user's question falsely, so it is refused where it stands, naming what is missing.
 */
function notModelled(what: string) {
  return z
    .unknown()
    .refine(() => false, refusal(what))
    .optional()
    .describe(`refused: podnet does not model ${what}`);
}

/** A field podnet models only at its default value: the default is accepted, any other refused. */
function onlyDefault<T extends z.ZodType>(schema: T, accepted: (value: z.output<T>) => boolean, what: string) {
  return schema
    .refine(accepted, refusal(what))
    .optional()
    .describe(`refused unless left at its default: podnet does not model ${what}`);
}

function refusal(what: string) {
  return { message: `podnet does not model ${what}; remove this field`, params: { [NOT_MODELLED]: true } };
}

export const bgpConfigurationSpec = z.strictObject({
  asNumber: asNumberSchema.default(64512).describe('default AS of every node (Calico: 64512)'),
  nodeToNodeMeshEnabled: z.boolean().default(true).describe('full iBGP mesh between all nodes'),
  listenPort: z.number().int().min(1).max(65535).default(179),
  logSeverityScreen: onlyDefault(z.string(), (level) => level === 'Info', 'BIRD log levels other than Info'),
});

export const ipamConfigurationSpec = z.strictObject({
  strictAffinity: z.boolean().default(false).describe("forbid borrowing addresses from other nodes' blocks"),
  maxBlocksPerHost: z.number().int().min(0).default(20).describe("blocks a node may claim (0 = Calico's built-in 20)"),
  autoAllocateBlocks: z.boolean().default(true),
});

export const ipPoolSpec = z.strictObject({
  cidr: text('the pool, e.g. 192.168.0.0/16 (a masked network)'),
  blockSize: z.number().int().default(26).describe('prefix length of the blocks handed to nodes (20-32)'),
  ipipMode: encapModeSchema.default('Never'),
  vxlanMode: encapModeSchema.default('Never'),
  natOutgoing: z.boolean().default(false),
  nodeSelector: z.string().default('all()').describe('Calico selector of the nodes that may use this pool'),
  disabled: z.boolean().default(false),
  disableBGPExport: z.boolean().default(false),
  allowedUses: notModelled('pool uses: every pool serves both workloads and tunnel addresses'),
});

export const ipPoolEntry = ipPoolSpec.extend({ name: text('pool name, e.g. default-ipv4-ippool') });

export const taintSchema = z.strictObject({
  key: text('taint key'),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});

export const nodeEntry = z.strictObject({
  name: text('node name (its hostname)'),
  address: text('node address with prefix length, e.g. 10.0.1.11/24; the prefix is its subnet'),
  role: z.enum(['control-plane', 'worker']).default('worker'),
  labels: labelsSchema.optional(),
  taints: z
    .array(taintSchema)
    .optional()
    .describe('default: control-plane nodes get node-role.kubernetes.io/control-plane:NoSchedule'),
  asNumber: asNumberSchema.optional().describe('per-node AS override'),
  routeReflectorClusterID: z.string().optional().describe('makes the node a route reflector (dotted quad)'),
  gateway: z.string().optional().describe('default gateway on the node subnet'),
  podCIDR: z.string().optional().describe('Node.spec.podCIDR (informational: calico-ipam ignores it)'),
});

export const routerInterface = z.strictObject({
  name: z.string().optional(),
  address: text('interface address with prefix length, e.g. 10.0.1.1/24'),
});

export const routerPeer = z.strictObject({
  node: z.string().optional(),
  router: z.string().optional(),
  nodeSelector: z.string().optional(),
  peerIP: z.string().optional(),
  asNumber: asNumberSchema.optional(),
  routeReflectorClient: z.boolean().optional().describe('the router reflects routes to this peer (rr client)'),
});

export const staticRoute = z.strictObject({
  dst: text('destination prefix'),
  via: text('next hop address'),
});

export const routerEntry = z.strictObject({
  name: text('router name'),
  asNumber: asNumberSchema,
  routerId: z.string().optional(),
  routeReflectorClusterID: z.string().optional().describe('cluster ID when the router reflects routes (dotted quad)'),
  interfaces: z.array(routerInterface).min(1, 'a router needs at least one interface'),
  peers: z.array(routerPeer).optional().describe('BGP neighbours of the router'),
  routes: z.array(staticRoute).optional().describe('static routes'),
});

export const segmentEntry = z.strictObject({
  name: text('segment name'),
  cidr: text("the layer-2 segment's subnet"),
});

export const bgpPeerSpec = z.strictObject({
  node: z.string().optional(),
  nodeSelector: z.string().optional(),
  peerIP: z.string().optional(),
  peerSelector: z.string().optional(),
  asNumber: asNumberSchema.optional(),
  localASNumber: notModelled('a per-peer local AS number'),
  keepOriginalNextHop: z.boolean().optional(),
  nextHopMode: z.enum(['Auto', 'Self', 'Keep']).optional(),
  sourceAddress: onlyDefault(
    z.enum(['UseNodeIP', 'None']),
    (source) => source === 'UseNodeIP',
    'BGP sessions from other than the node IP',
  ),
  keepaliveTime: notModelled('per-peer BGP timers'),
  maxRestartTime: notModelled('graceful restart'),
  numAllowedLocalASNumbers: notModelled('allowas-in'),
});

export const bgpPeerEntry = bgpPeerSpec.extend({ name: text('peer name') });

const containerPort = z.strictObject({
  containerPort: z
    .number()
    .int('a port is a whole number')
    .min(1, 'a port is between 1 and 65535')
    .max(65535, 'a port is between 1 and 65535'),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).default('TCP'),
  name: z.string().optional(),
  hostPort: z
    .number()
    .int()
    .min(1, 'a port is between 1 and 65535')
    .max(65535, 'a port is between 1 and 65535')
    .optional(),
  hostIP: notModelled('a hostPort bound to one host address'),
});

/** Container fields Kubernetes accepts whose effects podnet does not simulate. */
const unmodelledContainerFields = {
  imagePullPolicy: notModelled('image pulls (images come from the offline registry)'),
  env: notModelled('environment variables'),
  envFrom: notModelled('environment variables'),
  resources: notModelled('resource requests and limits'),
  volumeMounts: notModelled('volumes'),
  livenessProbe: notModelled('liveness probes'),
  readinessProbe: notModelled('readiness probes (a running pod is Ready)'),
  startupProbe: notModelled('startup probes'),
  securityContext: notModelled('security contexts'),
  workingDir: notModelled('working directories'),
  stdin: notModelled('attached terminals'),
  tty: notModelled('attached terminals'),
};

export const containerSchema = z.strictObject({
  name: text('container name, unique in the pod'),
  image: text('image reference, looked up in the offline registry'),
  ports: z.array(containerPort).optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  ...unmodelledContainerFields,
});

const tolerationSchema = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: z.number().int().optional(),
});

export const podSpecSchema = z.strictObject({
  containers: z.array(containerSchema).min(1, 'a pod needs at least one container'),
  initContainers: onlyDefault(z.array(z.unknown()), (list) => list.length === 0, 'init containers'),
  nodeName: z.string().optional(),
  nodeSelector: labelsSchema.optional(),
  tolerations: z.array(tolerationSchema).optional(),
  restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).default('Always'),
  hostNetwork: onlyDefault(z.boolean(), (on) => !on, 'host-network pods (every pod gets a pool address)'),
  serviceAccountName: notModelled('service accounts'),
  terminationGracePeriodSeconds: notModelled('termination grace periods'),
  volumes: notModelled('volumes'),
  affinity: notModelled('affinity (the scheduler honours nodeName, nodeSelector and taints)'),
  securityContext: notModelled('security contexts'),
  priorityClassName: notModelled('pod priority and preemption'),
  dnsPolicy: notModelled('cluster DNS'),
});

export const objectMeta = z.strictObject({
  name: text('object name'),
  namespace: z.string().optional(),
  labels: labelsSchema.optional(),
  annotations: labelsSchema.optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  creationTimestamp: z.unknown().optional(),
});

export const podManifest = z.strictObject({
  apiVersion: z.literal('v1', 'a Pod has apiVersion: v1'),
  kind: z.literal('Pod'),
  metadata: objectMeta,
  spec: podSpecSchema,
  status: z.unknown().optional(),
});

const matchExpression = z.strictObject({
  key: text('label key'),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
  values: z.array(z.string()).optional(),
});

/** A Kubernetes LabelSelector (ReplicaSet, Deployment): matchLabels and matchExpressions, ANDed. */
export const labelSelectorSchema = z.strictObject({
  matchLabels: labelsSchema.optional(),
  matchExpressions: z.array(matchExpression).optional(),
});

export const podTemplateSchema = z.strictObject({
  metadata: z.strictObject({ labels: labelsSchema.optional(), annotations: labelsSchema.optional() }).optional(),
  spec: podSpecSchema,
});

const replicasSchema = z.number().int('replicas is a whole number').max(1_000_000);
const minReadySeconds = z.number().int().min(0).max(MAX_DURATION_SECONDS).optional();

export const replicationControllerManifest = z.strictObject({
  apiVersion: z.literal('v1', 'a ReplicationController has apiVersion: v1'),
  kind: z.literal('ReplicationController'),
  metadata: objectMeta,
  spec: z.strictObject({
    replicas: replicasSchema.optional(),
    selector: labelsSchema.optional(),
    template: podTemplateSchema,
    minReadySeconds,
  }),
  status: z.unknown().optional(),
});

export const replicaSetManifest = z.strictObject({
  apiVersion: z.literal('apps/v1', 'a ReplicaSet has apiVersion: apps/v1'),
  kind: z.literal('ReplicaSet'),
  metadata: objectMeta,
  spec: z.strictObject({
    replicas: replicasSchema.optional(),
    selector: labelSelectorSchema.optional(),
    template: podTemplateSchema,
    minReadySeconds,
  }),
  status: z.unknown().optional(),
});

const intOrPercent = z.union([
  z.number().int().min(0),
  z.string().regex(/^[0-9]{1,3}%$/, 'a whole number or a percentage such as 25%'),
]);

export const deploymentManifest = z.strictObject({
  apiVersion: z.literal('apps/v1', 'a Deployment has apiVersion: apps/v1'),
  kind: z.literal('Deployment'),
  metadata: objectMeta,
  spec: z.strictObject({
    replicas: replicasSchema.default(1),
    selector: labelSelectorSchema.optional(),
    template: podTemplateSchema,
    strategy: z
      .strictObject({
        type: z.enum(['RollingUpdate', 'Recreate']).optional(),
        rollingUpdate: z
          .strictObject({ maxSurge: intOrPercent.optional(), maxUnavailable: intOrPercent.optional() })
          .optional(),
      })
      .optional(),
    minReadySeconds,
    revisionHistoryLimit: z.number().int().min(0).max(1_000).optional(),
    progressDeadlineSeconds: notModelled('rollout progress deadlines'),
    paused: notModelled('paused rollouts'),
  }),
  status: z.unknown().optional(),
});

export type WorkloadManifest =
  | z.output<typeof replicationControllerManifest>
  | z.output<typeof replicaSetManifest>
  | z.output<typeof deploymentManifest>;
export type DeploymentManifest = z.output<typeof deploymentManifest>;

export const podFileReference = z.strictObject({
  file: text('path of a YAML file with one or more Pod manifests, relative to this file'),
});

export const imageEntry = z.strictObject({
  ports: z
    .array(z.number().int().min(1, 'a port is between 1 and 65535').max(65535, 'a port is between 1 and 65535'))
    .optional()
    .describe('ports the image listens on (default: the declared containerPorts)'),
  pullSeconds: z.number().nonnegative().optional(),
  exitAfter: durationSchema.optional().describe('the process exits this long after it starts'),
  exitCode: z.number().int().min(0).max(255).optional(),
});

const linkPair = z.tuple([z.string(), z.string()]).describe('the two ends: node or router names');

export const eventEntry = z.discriminatedUnion('action', [
  z.strictObject({ at: durationSchema, action: z.literal('link-down'), link: linkPair }),
  z.strictObject({ at: durationSchema, action: z.literal('link-up'), link: linkPair }),
  z.strictObject({ at: durationSchema, action: z.literal('node-down'), node: text('node or router name') }),
  z.strictObject({ at: durationSchema, action: z.literal('node-up'), node: text('node or router name') }),
  z.strictObject({ at: durationSchema, action: z.literal('pod-create'), pod: podManifest }),
  z.strictObject({ at: durationSchema, action: z.literal('pod-delete'), pod: text('pod name, or namespace/name') }),
  z.strictObject({
    at: durationSchema,
    action: z
      .enum(['block-port', 'unblock-port'])
      .describe('a firewall rule dropping a TCP port in both directions on a machine'),
    node: text('node or router name'),
    port: z
      .number()
      .int()
      .min(1, 'a port is between 1 and 65535')
      .max(65535, 'a port is between 1 and 65535')
      .optional()
      .describe("default: BGP, the cluster's bgp.listenPort (179 unless configured)"),
  }),
]);

const checkName = z.string().optional().describe('what the check is called in reports');

export const checkEntry = z.discriminatedUnion('check', [
  z.strictObject({
    check: z.literal('reach').describe('a pod reaches another pod (or address) on a port'),
    name: checkName,
    from: text('source pod (name or namespace/name)'),
    to: text("destination pod, an IPv4 address, or localhost (the source pod's own loopback)"),
    port: z
      .number()
      .int()
      .min(1, 'a port is between 1 and 65535')
      .max(65535, 'a port is between 1 and 65535')
      .optional(),
    expect: z
      .enum([
        'ACCEPTED',
        'CONNECTION_REFUSED',
        'NO_ROUTE',
        'NULL_ROUTED',
        'LOOP',
        'TTL_EXCEEDED',
        'NEIGHBOR_UNREACHABLE',
        'EXITS_NETWORK',
      ])
      .default('ACCEPTED'),
  }),
  z.strictObject({
    check: z.literal('peers').describe('a node has exactly this many established BGP peers'),
    name: checkName,
    node: text('node or router'),
    established: z.number().int().min(0),
  }),
  z.strictObject({
    check: z.literal('best').describe('a prefix is best via a next hop, or learned from a reflector'),
    name: checkName,
    node: text('node or router'),
    prefix: text('prefix, e.g. 192.168.10.0/26'),
    via: z.string().optional().describe('the next hop address'),
    from: z.string().optional().describe('the neighbour it was learned from (node or router name)'),
  }),
  z.strictObject({
    check: z.literal('no-route').describe('no node (or the listed ones) has a route to an address'),
    name: checkName,
    to: text('an IPv4 address'),
    nodes: z.array(z.string()).optional(),
  }),
  z.strictObject({
    check: z.literal('free-blocks').describe('a pool still has unclaimed blocks'),
    name: checkName,
    pool: text('pool name'),
    atLeast: z.number().int().min(0).default(1),
  }),
  z.strictObject({
    check: z.literal('converged').describe('routes stop changing within a time after the last event'),
    name: checkName,
    within: durationSchema,
  }),
]);

export type CheckEntry = z.output<typeof checkEntry>;

export const clusterSection = z.strictObject({
  name: text('cluster name'),
  seed: z.number().int().min(0).default(1).describe('random seed: the same files and seed give the same output'),
  bgp: bgpConfigurationSpec.prefault({}),
  ipam: ipamConfigurationSpec.prefault({}),
});

export const topologyDocument = z.strictObject({
  cluster: clusterSection,
  pools: z
    .array(ipPoolEntry)
    .optional()
    .describe('IP pools; default: default-ipv4-ippool 192.168.0.0/16, IPIP Always, natOutgoing'),
  nodes: z.array(nodeEntry).default([]),
  routers: z.array(routerEntry).optional(),
  segments: z
    .array(segmentEntry)
    .optional()
    .describe("named layer-2 segments; an address outside them gets its own subnet's segment"),
  peers: z.array(bgpPeerEntry).optional().describe('BGPPeer resources'),
  pods: z.array(z.union([podFileReference, podManifest])).optional(),
  images: z
    .record(z.string(), imageEntry)
    .optional()
    .describe('the offline registry: images beyond the built-in catalogue'),
  events: z.array(eventEntry).optional().describe('timed scenario events'),
  checks: z.array(checkEntry).optional().describe('checks for grading: podnet check FILE runs them'),
});

export type TopologyDocument = z.output<typeof topologyDocument>;
export type PodManifest = z.output<typeof podManifest>;
export type ContainerManifest = z.output<typeof containerSchema>;
export type EventEntry = z.output<typeof eventEntry>;
export type ImageEntry = z.output<typeof imageEntry>;

// Calico and Kubernetes resources that may stand as extra YAML documents in a topology file.
const calicoMeta = z.strictObject({
  name: text('resource name'),
  labels: labelsSchema.optional(),
  annotations: labelsSchema.optional(),
});
const calicoApi = z.literal('projectcalico.org/v3', 'Calico resources have apiVersion: projectcalico.org/v3');

export const ipPoolResource = z.strictObject({
  apiVersion: calicoApi,
  kind: z.literal('IPPool'),
  metadata: calicoMeta,
  spec: ipPoolSpec,
});
export const bgpPeerResource = z.strictObject({
  apiVersion: calicoApi,
  kind: z.literal('BGPPeer'),
  metadata: calicoMeta,
  spec: bgpPeerSpec,
});
export const bgpConfigurationResource = z.strictObject({
  apiVersion: calicoApi,
  kind: z.literal('BGPConfiguration'),
  metadata: calicoMeta,
  spec: bgpConfigurationSpec.partial(),
});
export const ipamConfigurationResource = z.strictObject({
  apiVersion: calicoApi,
  kind: z.literal('IPAMConfiguration'),
  metadata: calicoMeta,
  spec: ipamConfigurationSpec.partial(),
});
export const calicoNodeResource = z.strictObject({
  apiVersion: calicoApi,
  kind: z.literal('Node'),
  metadata: calicoMeta,
  spec: z.strictObject({
    bgp: z.strictObject({
      ipv4Address: text('node address with prefix length'),
      asNumber: asNumberSchema.optional(),
      routeReflectorClusterID: z.string().optional(),
      ipv4IPIPTunnelAddr: z.string().optional(),
    }),
  }),
});
export const kubeNodeResource = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Node'),
  metadata: calicoMeta,
  spec: z
    .strictObject({
      taints: z.array(taintSchema).optional(),
      podCIDR: z.string().optional(),
      podCIDRs: z.array(z.string()).optional(),
    })
    .optional(),
});

export const RESOURCE_KINDS = [
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'Node',
  'IPPool',
  'BGPPeer',
  'BGPConfiguration',
  'IPAMConfiguration',
] as const;
