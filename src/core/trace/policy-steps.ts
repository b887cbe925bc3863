/**
 * Where Felix's policy meets a traced packet: the source pod's egress chain (`cali-fw-<veth>`) on
 * its node, after kube-proxy's DNAT, and the destination pod's ingress chain (`cali-tw-<veth>`)
 * before the packet enters its veth. A reply on an established connection is accepted by the
 * chains' first rule (conntrack RELATED,ESTABLISHED) before any policy. hostNetwork pods have no
 * workload endpoint, and a node's own traffic to its local pods is not policed (Felix's OUTPUT
 * chain returns early for cali interfaces).
 */
import type { PodRecord } from '../cluster/index.js';
import type { PolicyEngine } from '../policy/index.js';
import type { Direction } from '../topology/policy-model.js';
import { podLabel } from './delivery.js';
import type { Disposition, Flow, Step } from './types.js';

/**
 * Felix's chain for `pod` in `direction`: its POLICY step onto `steps` (when the walk explains),
 * and the disposition when it drops the packet.
 */
export function policed(
  engine: PolicyEngine,
  pod: PodRecord,
  direction: Direction,
  flow: Flow,
  packet: { readonly src: number; readonly dst: number },
  machine: string,
  steps: Step[] | undefined,
): Disposition | undefined {
  // Without any policy the chains decide nothing worth a step, forward or reply.
  if (pod.spec.hostNetwork || engine.empty) return undefined;
  if (flow.reply) {
    steps?.push({ kind: 'POLICY', direction, endpoint: podLabel(pod), iface: pod.vethName, established: true });
    return undefined;
  }
  const verdict = engine.verdict(pod, direction, { ...packet, protocol: flow.protocol, port: flow.port });
  steps?.push({ kind: 'POLICY', direction, endpoint: podLabel(pod), iface: pod.vethName, verdict });
  return verdict.allowed
    ? undefined
    : { kind: direction === 'ingress' ? 'DENIED_IN' : 'DENIED_OUT', at: machine, verdict };
}
