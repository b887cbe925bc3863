/**
 * Policy manifests as podnet accepts them: Kubernetes `networking.k8s.io/v1` NetworkPolicy and
 * Namespace, Calico `projectcalico.org/v3` NetworkPolicy, GlobalNetworkPolicy and Tier. Fields
 * whose effect podnet does not simulate (ICMP matches, L7 rules, service accounts, untracked and
 * pre-DNAT policy) are refused where they stand.
 */
import * as z from 'zod';
import { labelsSchema, notModelled, portNumber, text } from './schema-fields.js';
import { labelSelectorSchema, objectMeta } from './schema-workloads.js';

const ipBlock = z.strictObject({
  cidr: text('a CIDR, e.g. 172.17.0.0/16'),
  except: z.array(z.string()).optional().describe('CIDRs inside cidr that the peer leaves out'),
});

const networkPolicyPeer = z.strictObject({
  podSelector: labelSelectorSchema.optional(),
  namespaceSelector: labelSelectorSchema.optional(),
  ipBlock: ipBlock.optional(),
});

const networkPolicyPort = z.strictObject({
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).default('TCP'),
  port: z
    .union([portNumber, z.string().min(1)])
    .optional()
    .describe("a port number, or a container port's name, resolved per destination pod"),
  endPort: portNumber.optional().describe('with a numeric port: the last port of a range'),
});

const ingressRule = z.strictObject({
  from: z.array(networkPolicyPeer).optional(),
  ports: z.array(networkPolicyPort).optional(),
});
const egressRule = z.strictObject({
  to: z.array(networkPolicyPeer).optional(),
  ports: z.array(networkPolicyPort).optional(),
});

export const networkPolicyManifest = z.strictObject({
  apiVersion: z.literal('networking.k8s.io/v1', 'a NetworkPolicy has apiVersion: networking.k8s.io/v1'),
  kind: z.literal('NetworkPolicy'),
  metadata: objectMeta,
  spec: z.strictObject({
    podSelector: labelSelectorSchema.describe('the pods it applies to; {} selects every pod of its namespace'),
    policyTypes: z.array(z.enum(['Ingress', 'Egress'])).optional(),
    ingress: z.array(ingressRule).optional(),
    egress: z.array(egressRule).optional(),
  }),
  status: z.unknown().optional().describe('reported by the cluster: ignored on create, as Kubernetes ignores it'),
});

export const namespaceManifest = z.strictObject({
  apiVersion: z.literal('v1', 'a Namespace has apiVersion: v1'),
  kind: z.literal('Namespace'),
  metadata: z.strictObject({
    name: text('namespace name'),
    labels: labelsSchema.optional(),
    annotations: labelsSchema.optional(),
  }),
  spec: z.strictObject({ finalizers: notModelled('namespace finalizers') }).optional(),
  status: z.unknown().optional().describe('reported by the cluster: ignored on create, as Kubernetes ignores it'),
});

const calicoApi = z.literal('projectcalico.org/v3', 'Calico resources have apiVersion: projectcalico.org/v3');
const calicoPort = z
  .union([portNumber, z.string().min(1)])
  .describe("a port, a range 'from:to', or a named port of the endpoint");

const entityRule = z.strictObject({
  nets: z.array(z.string()).optional(),
  notNets: z.array(z.string()).optional(),
  selector: z.string().optional().describe("endpoints by label, in Calico's selector language"),
  notSelector: z.string().optional(),
  namespaceSelector: z.string().optional(),
  ports: z.array(calicoPort).optional(),
  notPorts: z.array(calicoPort).optional(),
  serviceAccounts: notModelled('service accounts'),
  services: notModelled('Service matches in policy rules'),
});

const protocol = z.union([z.string().min(1), z.number().int().min(1).max(255)]);

const calicoRule = z.strictObject({
  action: z.enum(['Allow', 'Deny', 'Log', 'Pass']),
  protocol: protocol.optional(),
  notProtocol: protocol.optional(),
  ipVersion: z.union([z.literal(4), z.literal(6)]).optional(),
  source: entityRule.optional(),
  destination: entityRule.optional(),
  icmp: notModelled('ICMP (traces are TCP or UDP)'),
  notICMP: notModelled('ICMP (traces are TCP or UDP)'),
  http: notModelled('application-layer (HTTP) policy'),
  metadata: notModelled('rule annotations (iptables comments)'),
});

const calicoPolicySpec = {
  tier: z.string().optional().describe("the policy's tier (Calico 3.29); default: default"),
  order: z.number().optional().describe('lower runs first; missing runs last'),
  selector: z.string().optional().describe('the endpoints it applies to; default all()'),
  types: z.array(z.enum(['Ingress', 'Egress'])).optional(),
  ingress: z.array(calicoRule).optional(),
  egress: z.array(calicoRule).optional(),
  serviceAccountSelector: notModelled('service accounts'),
  performanceHints: notModelled("Felix's performance hints"),
};

const calicoMeta = z.strictObject({
  name: text('resource name'),
  namespace: z.string().optional(),
  labels: labelsSchema.optional(),
  annotations: labelsSchema.optional(),
});

export const calicoNetworkPolicyManifest = z.strictObject({
  apiVersion: calicoApi,
  kind: z.literal('NetworkPolicy'),
  metadata: calicoMeta,
  spec: z.strictObject(calicoPolicySpec),
});

export const globalNetworkPolicyManifest = z.strictObject({
  apiVersion: calicoApi,
  kind: z.literal('GlobalNetworkPolicy'),
  metadata: calicoMeta.omit({ namespace: true }),
  spec: z.strictObject({
    ...calicoPolicySpec,
    namespaceSelector: z.string().optional().describe('the namespaces whose endpoints it applies to'),
    doNotTrack: notModelled('untracked policy'),
    preDNAT: notModelled('pre-DNAT policy'),
    applyOnForward: notModelled('host endpoint forwarding policy'),
  }),
});

export const tierManifest = z.strictObject({
  apiVersion: calicoApi,
  kind: z.literal('Tier'),
  metadata: calicoMeta.omit({ namespace: true }),
  spec: z
    .strictObject({
      order: z.number().optional().describe('lower runs first; missing runs last'),
      defaultAction: z.enum(['Deny', 'Pass']).optional().describe('what a tier that applies but decides nothing does'),
    })
    .prefault({}),
});

export type NetworkPolicyManifest = z.output<typeof networkPolicyManifest>;
export type CalicoPolicyManifest =
  | z.output<typeof calicoNetworkPolicyManifest>
  | z.output<typeof globalNetworkPolicyManifest>;
export type CalicoRuleManifest = z.output<typeof calicoRule>;
export type EntityRuleManifest = z.output<typeof entityRule>;
export type NetworkPolicyPeerManifest = z.output<typeof networkPolicyPeer>;
export type NetworkPolicyPortManifest = z.output<typeof networkPolicyPort>;
export type NamespaceManifest = z.output<typeof namespaceManifest>;
export type TierManifest = z.output<typeof tierManifest>;
