/**
 * The v1 Service manifest as podnet accepts it: ClusterIP, NodePort and headless Services, with
 * their ports, selector, external IPs, session affinity and traffic policies. What it does not
 * model (LoadBalancer, dual stack, per-port app protocols) is refused where it stands.
 */
import * as z from 'zod';
import { labelsSchema, notModelled, portNumber } from './schema-fields.js';
import { objectMeta } from './schema-workloads.js';

const servicePort = z.strictObject({
  name: z.string().optional(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).default('TCP'),
  port: portNumber,
  targetPort: z
    .union([portNumber, z.string().min(1)])
    .optional()
    .describe("the pods' port, by number or by container port name"),
  nodePort: z.number().int().optional().describe('for NodePort Services: 30000-32767, or chosen by the API server'),
  appProtocol: notModelled('application protocols'),
});

export const serviceManifest = z.strictObject({
  apiVersion: z.literal('v1', 'a Service has apiVersion: v1'),
  kind: z.literal('Service'),
  metadata: objectMeta,
  spec: z.strictObject({
    type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).default('ClusterIP'),
    selector: labelsSchema.optional(),
    clusterIP: z.string().optional().describe('an address in 10.96.0.0/12, None for a headless Service, or chosen'),
    ports: z.array(servicePort).optional(),
    externalIPs: z.array(z.string()).optional(),
    sessionAffinity: z.enum(['None', 'ClientIP']).optional(),
    externalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
    internalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
    publishNotReadyAddresses: z.boolean().optional(),
    clusterIPs: notModelled('clusterIPs (dual-stack Services); write clusterIP'),
    ipFamilies: notModelled('dual-stack Services'),
    ipFamilyPolicy: notModelled('dual-stack Services'),
    sessionAffinityConfig: notModelled('session affinity timeouts other than the default 10800 s'),
    loadBalancerIP: notModelled('LoadBalancer Services'),
    loadBalancerSourceRanges: notModelled('LoadBalancer Services'),
    externalName: notModelled('ExternalName Services'),
    healthCheckNodePort: notModelled('LoadBalancer health checks'),
    allocateLoadBalancerNodePorts: notModelled('LoadBalancer Services'),
  }),
  status: z.unknown().optional().describe('reported by the cluster: ignored on create, as Kubernetes ignores it'),
});

export type ServiceManifest = z.output<typeof serviceManifest>;
