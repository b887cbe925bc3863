/**
 * Where a packet ends: in a pod (a container that holds the port, or refused), or on a machine
 * itself (its own services, a hostNetwork pod on its address, or a hostPort the CNI portmap plugin
 * maps to a pod). The network is frozen at the tracer's moment, so a pod's status, and how a new
 * connection to one of its ports ends, are found once. Each ending gives the node its last hop is
 * on and the disposition, and adds its DELIVERED step when the walk explains.
 */
import { BGP_PORT } from '../bgp/session.js';
import type { Simulation } from '../bgp/simulate.js';
import type { PodRecord } from '../cluster/index.js';
import type { PodStatus } from '../cluster/lifecycle.js';
import type { Ipv4 } from '../net/index.js';
import type { Machines } from './machines.js';
import type { Delivery, Disposition, Flow, Step } from './types.js';

/** What a host listens on by itself: sshd, BIRD, the kubelet, and the API server on control planes. */
const HOST_PORTS: Readonly<Record<number, string>> = { 22: 'sshd', 10250: 'kubelet' };

export function podLabel(pod: PodRecord): string {
  return `${pod.spec.namespace}/${pod.spec.name}`;
}

/** Where a walk ends: the node of its last hop (a pod's label, or a machine) and how it ended. */
export interface Ending {
  readonly node: string;
  readonly disposition: Disposition;
}

export class Deliveries {
  private readonly statuses = new Map<PodRecord, PodStatus>();
  private readonly endings = new Map<PodRecord, Map<number, Ending>>();
  private readonly addressed = new Map<Ipv4, PodRecord | undefined>();
  private readonly labels = new Map<PodRecord, string>();

  constructor(
    private readonly sim: Simulation,
    private readonly now: number,
    private readonly machines: Machines,
  ) {}

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

  /** The pod an address belongs to, found once per address. */
  podAt(ip: Ipv4): PodRecord | undefined {
    if (!this.addressed.has(ip)) this.addressed.set(ip, this.sim.cluster.podByIp(ip));
    return this.addressed.get(ip);
  }

  /** A pod's namespace/name, made once. */
  label(pod: PodRecord): string {
    let label = this.labels.get(pod);
    if (label === undefined) {
      label = podLabel(pod);
      this.labels.set(pod, label);
    }
    return label;
  }

  toPod(pod: PodRecord, flow: Flow, steps: Step[] | undefined): Ending {
    if (flow.reply === true) {
      const label = this.label(pod);
      const by: Delivery = { kind: 'reply-socket', pod: label };
      const undo = flow.untranslate;
      if (undo !== undefined) steps?.push({ kind: 'UN_DNAT', ...undo });
      steps?.push({ kind: 'DELIVERED', to: by });
      const { port, protocol } = flow;
      return { node: label, disposition: { kind: 'ACCEPTED', at: label, by, port, protocol, lost: [] } };
    }
    const ending = this.connection(pod, flow.port, flow.protocol);
    if (ending.disposition.kind === 'ACCEPTED') steps?.push({ kind: 'DELIVERED', to: ending.disposition.by });
    return ending;
  }

  /** How a new connection to the pod's port ends; the network is frozen, so once per pod, port and protocol. */
  private connection(pod: PodRecord, port: number, protocol: Flow['protocol']): Ending {
    let endings = this.endings.get(pod);
    if (endings === undefined) {
      endings = new Map();
      this.endings.set(pod, endings);
    }
    const key = port * 2 + (protocol === 'UDP' ? 1 : 0);
    let ending = endings.get(key);
    if (ending === undefined) {
      ending = { node: this.label(pod), disposition: this.connect(pod, port, protocol) };
      endings.set(key, ending);
    }
    return ending;
  }

  private connect(pod: PodRecord, port: number, protocol: Flow['protocol']): Disposition {
    const status = this.statusOf(pod);
    const label = this.label(pod);
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
      return { kind: 'ACCEPTED', at: label, by, port, protocol, lost };
    }
    const listening = status.containers.flatMap((c) => c.listening.map((p) => `${c.name} ${p}/TCP`));
    return {
      kind: 'CONNECTION_REFUSED',
      at: label,
      port,
      protocol,
      listening,
      podStatus: status.display,
      onHost: false,
      lost,
    };
  }

  toHost(machine: string, flow: Flow, steps: Step[] | undefined): Ending {
    const speaker = this.machines.speaker(machine);
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
      steps?.push({ kind: 'DELIVERED', to: by });
      return {
        node: machine,
        disposition: { kind: 'ACCEPTED', at: podLabel(hostPod.pod), by, port, protocol, lost: [] },
      };
    }
    if (service !== undefined && protocol === 'TCP') {
      const by: Delivery = { kind: 'host-service', service };
      steps?.push({ kind: 'DELIVERED', to: by });
      return {
        node: machine,
        disposition: { kind: 'ACCEPTED', at: machine, by, port, protocol, lost: [] },
      };
    }
    return {
      node: machine,
      disposition: { kind: 'CONNECTION_REFUSED', at: machine, port, protocol, onHost: true, lost: [] },
    };
  }
}
