/**
 * Readiness probes, as the kubelet's prober runs them: the first at start + initialDelaySeconds,
 * then every periodSeconds. A probe succeeds when the container holds the port it connects to
 * (podnet's containers serve what they bind), so a container is Ready from its successThreshold-th
 * probe on; one whose port is never open stays not Ready, with an Unhealthy event per failed probe.
 */
import { formatIpv4 } from '../net/index.js';
import type { ContainerSpec } from '../topology/model.js';
import type { ContainerStatus, EventLog } from './lifecycle.js';

/** Probe times from `first`, every `period`, up to now (bounded, as the kubelet's event counts are). */
function probeTimes(first: number, period: number, now: number): number[] {
  const times: number[] = [];
  for (let t = first; t <= now && times.length < 100_000; t += period) times.push(t);
  return times;
}

/** When a container started at `startedAt` turns Ready, if its probe can pass. */
export function probeReadyAt(container: ContainerSpec, startedAt: number): number {
  const probe = container.readinessProbe;
  if (probe === undefined) return startedAt;
  return startedAt + probe.initialDelaySeconds + (probe.successThreshold - 1) * probe.periodSeconds;
}

export function applyReadinessProbe(
  container: ContainerSpec,
  status: ContainerStatus,
  now: number,
  events: EventLog,
  podIp: number | undefined,
): ContainerStatus {
  const probe = container.readinessProbe;
  if (probe === undefined || status.state.state !== 'running') return status;
  const startedAt = status.state.startedAt;
  if (status.listening.includes(probe.port)) return { ...status, ready: now >= probeReadyAt(container, startedAt) };
  const target = `${podIp === undefined ? '' : formatIpv4(podIp)}:${probe.port}`;
  const refused = `dial tcp ${target}: connect: connection refused`;
  const message =
    probe.kind === 'httpGet'
      ? `Readiness probe failed: Get "${probe.scheme === 'HTTPS' ? 'https' : 'http'}://${target}${probe.path ?? '/'}": ${refused}`
      : `Readiness probe failed: ${refused}`;
  events.add(
    'Warning',
    'Unhealthy',
    'kubelet',
    message,
    probeTimes(startedAt + probe.initialDelaySeconds, probe.periodSeconds, now),
  );
  return { ...status, ready: false };
}
