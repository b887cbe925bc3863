/**
 * Where a packet ends: in a pod (a container that holds the port, or refused), or on a machine
 * itself (its own services, a hostNetwork pod on its address, or a hostPort the CNI portmap plugin
 * maps to a pod). Statuses are read once per pod, at the tracer's moment.
 */
import type { Speaker } from '../bgp/peering.js';
import { BGP_PORT } from '../bgp/session.js';
import type { Simulation } from '../bgp/simulate.js';
import type { PodRecord } from '../cluster/index.js';
import type { PodStatus } from '../cluster/lifecycle.js';
import type { Delivery, Disposition, Flow, Hop, Step } from './types.js';

/** What a host listens on by itself: sshd, BIRD, the kubelet, and the API server on control planes. */
const HOST_PORTS: Readonly<Record<number, string>> = { 22: 'sshd', 10250: 'kubelet' };

export function podLabel(pod: PodRecord): string {
  return `${pod.spec.namespace}/${pod.spec.name}`;
}

export class Deliveries {
  private readonly statuses = new Map<PodRecord, PodStatus>();

  constructor(
    private readonly sim: Simulation,
    private readonly now: number,
  ) {}

  private speakerNamed(machine: string): Speaker {
    const speaker = this.sim.peering.speakers[this.sim.peering.byName.get(machine) ?? -1];
    if (speaker === undefined) throw new Error(`tracer asked for unknown machine ${machine}`);
    return speaker;
  }

  private statusOf(pod: PodRecord): PodStatus {
    let status = this.statuses.get(pod);
    if (status === undefined) {
      status = this.sim.cluster.statusAt(pod, this.now);
      this.statuses.set(pod, status);
    }
    return status;
  }

  /** A pod on the machine (not hostNetwork) with a container port mapped to this hostPort. */
  hostPortTarget(machine: string, flow: Flow): { pod: PodRecord; containerPort: number } | undefined {
    for (const pod of this.sim.cluster.podsOn(machine)) {
      if (pod.spec.hostNetwork || pod.podIp === undefined) continue;
      for (const container of pod.spec.containers)
        for (const p of container.ports)
          if (p.hostPort === flow.port && p.protocol === flow.protocol) return { pod, containerPort: p.port };
    }
    return undefined;
  }

  /** A hostNetwork pod on the machine whose container holds the port, on the node's address. */
  private hostNetworkListener(machine: string, port: number): { pod: PodRecord; container: string } | undefined {
    for (const pod of this.sim.cluster.podsOn(machine)) {
      if (!pod.spec.hostNetwork) continue;
      const holder = this.statusOf(pod).containers.find((c) => c.listening.includes(port));
      if (holder !== undefined) return { pod, container: holder.name };
    }
    return undefined;
  }

  toPod(pod: PodRecord, flow: Flow, steps: Step[], ttl: number): { hop: Hop; disposition: Disposition } {
    const status = this.statusOf(pod);
    const label = podLabel(pod);
    const { port, protocol } = flow;
    if (flow.reply === true) {
      const by: Delivery = { kind: 'reply-socket', pod: label };
      const undo = flow.untranslate;
      if (undo !== undefined) steps.push({ kind: 'UN_DNAT', ...undo });
      steps.push({ kind: 'DELIVERED', to: by });
      return {
        hop: { node: label, ttl, steps },
        disposition: { kind: 'ACCEPTED', at: label, by, port, protocol, lost: [] },
      };
    }
    // TCP: a container that holds the port. UDP: a running container that declares it as UDP.
    const holder =
      protocol === 'UDP'
        ? status.containers.find(
            (c, i) =>
              c.state.state === 'running' &&
              (pod.spec.containers[i]?.ports ?? []).some((p) => p.port === port && p.protocol === 'UDP'),
          )
        : status.containers.find((c) => c.listening.includes(port));
    const lost = status.containers.filter((c) => c.bindConflict?.port === port).map((c) => c.name);
    if (holder !== undefined) {
      const by: Delivery = { kind: 'container', container: holder.name, port };
      steps.push({ kind: 'DELIVERED', to: by });
      return {
        hop: { node: label, ttl, steps },
        disposition: { kind: 'ACCEPTED', at: label, by, port, protocol, lost },
      };
    }
    const listening = status.containers.flatMap((c) => c.listening.map((p) => `${c.name} ${p}/TCP`));
    return {
      hop: { node: label, ttl, steps },
      disposition: {
        kind: 'CONNECTION_REFUSED',
        at: label,
        port,
        protocol,
        listening,
        podStatus: status.display,
        onHost: false,
        lost,
      },
    };
  }

  toHost(machine: string, flow: Flow, steps: Step[], ttl: number): { hop: Hop; disposition: Disposition } {
    const speaker = this.speakerNamed(machine);
    const bgpPort = speaker.kind === 'node' ? this.sim.topology.bgp.listenPort : BGP_PORT;
    const ports: Record<number, string> = {
      ...HOST_PORTS,
      [bgpPort]: 'bird (BGP)',
      ...(speaker.node?.role === 'control-plane' ? { 6443: 'kube-apiserver' } : {}),
    };
    const service = ports[flow.port];
    const { port, protocol } = flow;
    const hostPod = protocol === 'TCP' ? this.hostNetworkListener(machine, port) : undefined;
    if (hostPod !== undefined) {
      const by: Delivery = { kind: 'container', container: hostPod.container, port };
      steps.push({ kind: 'DELIVERED', to: by });
      return {
        hop: { node: machine, ttl, steps },
        disposition: { kind: 'ACCEPTED', at: podLabel(hostPod.pod), by, port, protocol, lost: [] },
      };
    }
    if (service !== undefined && protocol === 'TCP') {
      const by: Delivery = { kind: 'host-service', service };
      steps.push({ kind: 'DELIVERED', to: by });
      return {
        hop: { node: machine, ttl, steps },
        disposition: { kind: 'ACCEPTED', at: machine, by, port, protocol, lost: [] },
      };
    }
    return {
      hop: { node: machine, ttl, steps },
      disposition: { kind: 'CONNECTION_REFUSED', at: machine, port, protocol, onHost: true, lost: [] },
    };
  }
}
