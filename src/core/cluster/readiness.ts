/**
 * When a pod turns Ready, in closed form, for the controllers: a rollout moves on, and a
 * scale-down picks its victims, by when each pod became available. A pod whose containers all run
 * for ever on their own ports stays Ready once it is.
 */
import { normalizeImage } from '../topology/images.js';
import type { ImageBehaviour, PodSpec } from '../topology/model.js';
import { initEnd } from './init-containers.js';
import {
  listeningPorts,
  type PodRun,
  PULL_START,
  podStatusAt,
  portHolders,
  runSeconds,
  SANDBOX_DELAY,
  START_DELAY,
} from './lifecycle.js';
import { probeReadyAt } from './probes.js';

/** Whether a pod, once Ready, stays Ready: every container runs for ever and binds its own ports. */
export function runsForever(spec: PodSpec, images: ReadonlyMap<string, ImageBehaviour>): boolean {
  const holders = portHolders(spec, images);
  return spec.containers.every((container) => {
    const image = images.get(normalizeImage(container.image));
    if (image === undefined || runSeconds(container, image) !== Infinity) return false;
    return listeningPorts(container, image).every((port) => holders.get(port) === container.name);
  });
}

/**
 * When every container of the pod is first running, so the pod turns Ready (no probes are
 * modelled): after the sandbox and each image's pull and start, in order. Undefined when that
 * never happens: unplaced, no address, an image that cannot be pulled, or a container that has
 * already exited by then.
 */
export function readySince(run: PodRun, images: ReadonlyMap<string, ImageBehaviour>): number | undefined {
  if (run.scheduleError !== undefined || run.nodeName === undefined || run.sandboxError !== undefined) return undefined;
  let cursor = initEnd(run.spec, images, run.scheduledAt + SANDBOX_DELAY + PULL_START);
  if (cursor === undefined) return undefined;
  // Containers start one after the other; each is Ready once started (and its probe passed).
  let ready = cursor;
  for (const container of run.spec.containers) {
    const image = images.get(normalizeImage(container.image));
    if (image === undefined) return undefined;
    cursor = cursor + image.pullSeconds + START_DELAY;
    ready = Math.max(ready, probeReadyAt(container, cursor));
  }
  const status = podStatusAt(run, images, ready);
  return status.conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? ready : undefined;
}
