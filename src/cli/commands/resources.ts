/**
 * kubectl's names for the resource types podnet serves: what a user may type (`rc`, `deploy`,
 * `deployments`), and how kubectl names each in its messages (`deployment.apps/web created`,
 * `deployments.apps "web" not found`).
 */
import type { WorkloadKind } from '../../core/topology/model.js';
import { CommandFailure } from '../errors.js';

export type ResourceKind =
  | 'pods'
  | 'nodes'
  | 'Service'
  | 'Endpoints'
  | 'EndpointSlice'
  | 'NetworkPolicy'
  | 'Namespace'
  | WorkloadKind;

export interface ResourceNames {
  /** What a user may type for it. */
  readonly typed: readonly string[];
  /** `deployment.apps`: as in `deployment.apps/web created`. */
  readonly singular: string;
  /** `deployments.apps`: as in `deployments.apps "web" not found`. */
  readonly plural: string;
}

export const RESOURCES: Readonly<Record<ResourceKind, ResourceNames>> = {
  pods: { typed: ['pod', 'pods', 'po'], singular: 'pod', plural: 'pods' },
  nodes: { typed: ['node', 'nodes', 'no'], singular: 'node', plural: 'nodes' },
  Service: { typed: ['svc', 'service', 'services'], singular: 'service', plural: 'services' },
  Endpoints: { typed: ['ep', 'endpoints'], singular: 'endpoints', plural: 'endpoints' },
  EndpointSlice: {
    typed: ['endpointslice', 'endpointslices'],
    singular: 'endpointslice.discovery.k8s.io',
    plural: 'endpointslices.discovery.k8s.io',
  },
  NetworkPolicy: {
    typed: ['netpol', 'networkpolicy', 'networkpolicies'],
    singular: 'networkpolicy.networking.k8s.io',
    plural: 'networkpolicies.networking.k8s.io',
  },
  Namespace: { typed: ['ns', 'namespace', 'namespaces'], singular: 'namespace', plural: 'namespaces' },
  ReplicationController: {
    typed: ['rc', 'replicationcontroller', 'replicationcontrollers'],
    singular: 'replicationcontroller',
    plural: 'replicationcontrollers',
  },
  ReplicaSet: { typed: ['rs', 'replicaset', 'replicasets'], singular: 'replicaset.apps', plural: 'replicasets.apps' },
  Deployment: {
    typed: ['deploy', 'deployment', 'deployments'],
    singular: 'deployment.apps',
    plural: 'deployments.apps',
  },
};

const KINDS = Object.keys(RESOURCES) as ResourceKind[];

export function resourceKind(resource: string): ResourceKind {
  const lower = resource.toLowerCase();
  const kind = KINDS.find((k) => RESOURCES[k].typed.includes(lower) || RESOURCES[k].singular === lower);
  if (kind !== undefined) return kind;
  throw new CommandFailure(
    `error: the server doesn't have a resource type "${resource}" (podnet knows pods, nodes, services, endpoints, endpointslices, networkpolicies, namespaces, replicationcontrollers, replicasets and deployments)`,
    1,
  );
}

export function isWorkloadKind(kind: ResourceKind): kind is WorkloadKind {
  return kind === 'ReplicationController' || kind === 'ReplicaSet' || kind === 'Deployment';
}

export function isServiceKind(kind: ResourceKind): kind is 'Service' | 'Endpoints' | 'EndpointSlice' {
  return kind === 'Service' || kind === 'Endpoints' || kind === 'EndpointSlice';
}

/** A controller's kind from what the user typed, refusing pods and nodes with `verb`'s words. */
export function workloadKind(resource: string, verb: string): WorkloadKind {
  const kind = resourceKind(resource);
  if (isWorkloadKind(kind)) return kind;
  throw new CommandFailure(
    `error: podnet can ${verb} replicationcontrollers, replicasets and deployments, not ${RESOURCES[kind].plural}`,
    1,
  );
}

/** `TYPE/NAME` or `TYPE NAME`, as `scale` and `rollout` take them. */
export function typeAndName(args: readonly string[], verb: string): { kind: WorkloadKind; name: string } {
  const [first, second] = args;
  if (first === undefined) throw new CommandFailure(`error: ${verb} needs TYPE NAME or TYPE/NAME`, 1);
  const slash = first.indexOf('/');
  if (slash >= 0) return { kind: workloadKind(first.slice(0, slash), verb), name: first.slice(slash + 1) };
  if (second === undefined) throw new CommandFailure(`error: ${verb} needs TYPE NAME or TYPE/NAME`, 1);
  return { kind: workloadKind(first, verb), name: second };
}
