/**
 * Pods and the controllers that make them (ReplicationController, ReplicaSet, Deployment) as
 * Kubernetes manifests: what is accepted, with defaults, and what is refused as not modelled.
 */
import * as z from 'zod';
import { labelsSchema, MAX_DURATION_SECONDS, notModelled, onlyDefault, portNumber, text } from './schema-fields.js';

const probePort = z.union([z.number().int().min(1).max(65535), z.string().min(1)]);

/** A readiness probe: an HTTP GET or a TCP connect to one of the container's ports. */
const probeSchema = z
  .strictObject({
    httpGet: z
      .strictObject({ path: z.string().optional(), port: probePort, scheme: z.enum(['HTTP', 'HTTPS']).optional() })
      .optional(),
    tcpSocket: z.strictObject({ port: probePort }).optional(),
    exec: notModelled('exec probes (podnet runs no processes in containers)'),
    grpc: notModelled('gRPC probes'),
    initialDelaySeconds: z.number().int().min(0).max(MAX_DURATION_SECONDS).optional(),
    periodSeconds: z.number().int().min(1).max(MAX_DURATION_SECONDS).optional(),
    successThreshold: z.number().int().min(1).max(1000).optional(),
    timeoutSeconds: onlyDefault(z.number(), (t) => t === 1, 'probe timeouts (a port answers at once or refuses)'),
    failureThreshold: onlyDefault(
      z.number(),
      (n) => n === 3,
      'failure thresholds (a port that answered keeps answering while its container runs)',
    ),
  })
  .refine((probe) => (probe.httpGet === undefined) !== (probe.tcpSocket === undefined), {
    message: 'a probe needs exactly one handler: httpGet or tcpSocket',
  });

const containerPort = z.strictObject({
  containerPort: portNumber,
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).default('TCP'),
  name: z.string().optional(),
  hostPort: portNumber.optional(),
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
  readinessProbe: probeSchema
    .optional()
    .describe('gates Ready: the container is Ready once the probe finds its port open'),
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
  initContainers: z
    .array(containerSchema)
    .optional()
    .describe('run in order, each to exit 0, before the containers start'),
  nodeName: z.string().optional(),
  nodeSelector: labelsSchema.optional(),
  tolerations: z.array(tolerationSchema).optional(),
  restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).default('Always'),
  hostNetwork: z
    .boolean()
    .optional()
    .describe("the pod shares its node's network namespace and address: no pool address, no veth"),
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
  uid: z.string().optional().describe('set by the API server: a submitted one is replaced, as Kubernetes does'),
  resourceVersion: notModelled('resource versions (optimistic concurrency); kubectl strips it before create'),
  creationTimestamp: z
    .unknown()
    .optional()
    .describe('set by the API server: a submitted one is replaced, as Kubernetes does'),
});

export const podManifest = z.strictObject({
  apiVersion: z.literal('v1', 'a Pod has apiVersion: v1'),
  kind: z.literal('Pod'),
  metadata: objectMeta,
  spec: podSpecSchema,
  status: z.unknown().optional().describe('reported by the cluster: ignored on create, as Kubernetes ignores it'),
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
  metadata: z
    .strictObject({
      name: z.string().optional().describe('ignored, as Kubernetes ignores it: each pod gets a generated name'),
      labels: labelsSchema.optional(),
      annotations: labelsSchema.optional(),
    })
    .optional(),
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
  status: z.unknown().optional().describe('reported by the cluster: ignored on create, as Kubernetes ignores it'),
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
  status: z.unknown().optional().describe('reported by the cluster: ignored on create, as Kubernetes ignores it'),
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
  status: z.unknown().optional().describe('reported by the cluster: ignored on create, as Kubernetes ignores it'),
});

export type WorkloadManifest =
  | z.output<typeof replicationControllerManifest>
  | z.output<typeof replicaSetManifest>
  | z.output<typeof deploymentManifest>;
export type DeploymentManifest = z.output<typeof deploymentManifest>;

/** Each controller kind's manifest schema. */
export const WORKLOAD_SCHEMAS = {
  ReplicationController: replicationControllerManifest,
  ReplicaSet: replicaSetManifest,
  Deployment: deploymentManifest,
} as const;
