/**
 * Init containers, as the kubelet runs them: one at a time, each pulled and started after the one
 * before exited 0; the app containers wait (PodInitializing) until all have. A failing one is
 * restarted with back-off (Init:CrashLoopBackOff) unless the pod's restartPolicy is Never, which
 * fails the pod (Init:Error). One that never exits holds the pod at Init:i/N for ever.
 */
import { normalizeImage } from '../topology/images.js';
import type { ContainerSpec, ImageBehaviour, PodSpec } from '../topology/model.js';
import {
  attemptsUntil,
  type ContainerStatus,
  type EventLog,
  failedPull,
  type PodRun,
  runSeconds,
  START_DELAY,
  TERMINATED_VISIBLE,
  waiting,
} from './lifecycle.js';

export type InitOutcome =
  | { readonly done: true; readonly appStart: number; readonly statuses: ContainerStatus[] }
  | InitRunning;

export interface InitRunning {
  readonly done: false;
  readonly statuses: ContainerStatus[];
  /** kubectl's STATUS: Init:i/N, Init:<reason>. */
  readonly display: string;
  /** The pod has failed (an init container failed under restartPolicy Never). */
  readonly failed: boolean;
}

/** When the last init container exits 0, or undefined if that never happens. */
export function initEnd(spec: PodSpec, images: ReadonlyMap<string, ImageBehaviour>, start: number): number | undefined {
  let cursor = start;
  for (const container of spec.initContainers ?? []) {
    const image = images.get(normalizeImage(container.image));
    if (image === undefined || image.exitCode !== 0) return undefined;
    const duration = runSeconds(container, image);
    if (duration === Infinity) return undefined;
    cursor += image.pullSeconds + START_DELAY + duration;
  }
  return cursor;
}

function completed(container: ContainerSpec, startedAt: number, finishedAt: number, exitCode: number): ContainerStatus {
  return {
    name: container.name,
    image: container.image,
    imageKnown: true,
    state: { state: 'terminated', reason: exitCode === 0 ? 'Completed' : 'Error', exitCode, startedAt, finishedAt },
    ready: exitCode === 0,
    restartCount: 0,
    started: false,
    listening: [],
  };
}

export function runInitContainers(
  run: PodRun,
  images: ReadonlyMap<string, ImageBehaviour>,
  start: number,
  now: number,
  events: EventLog,
): InitOutcome {
  const inits = run.spec.initContainers ?? [];
  const statuses: ContainerStatus[] = [];
  let cursor = start;
  for (let i = 0; i < inits.length; i++) {
    const container = inits[i] as ContainerSpec;
    const later = inits.slice(i + 1).map((c) => waiting(c, 'PodInitializing'));
    const holding = (status: ContainerStatus, display = `Init:${i}/${inits.length}`, failed = false): InitRunning => ({
      done: false,
      statuses: [...statuses, status, ...later],
      display,
      failed,
    });
    const image = images.get(normalizeImage(container.image));
    if (image === undefined) {
      const status = failedPull(container, cursor, now, events);
      const reason = status.state.state === 'waiting' ? status.state.reason : '';
      return holding(status, reason === 'ContainerCreating' ? undefined : `Init:${reason}`);
    }
    const startAt = cursor + image.pullSeconds + START_DELAY;
    if (now < cursor) return holding(waiting(container, 'PodInitializing'));
    events.add('Normal', 'Pulling', 'kubelet', `Pulling image "${container.image}"`, [cursor]);
    if (now < cursor + image.pullSeconds) return holding(waiting(container, 'PodInitializing'));
    events.add('Normal', 'Pulled', 'kubelet', `Successfully pulled image "${container.image}"`, [
      cursor + image.pullSeconds,
    ]);
    if (now < startAt) return holding(waiting(container, 'PodInitializing'));
    const duration = runSeconds(container, image);
    const retried = image.exitCode !== 0 && run.spec.restartPolicy !== 'Never';
    const starts = retried ? attemptsUntil(startAt, now, duration) : [startAt];
    events.add('Normal', 'Created', 'kubelet', `Created container: ${container.name}`, starts);
    events.add('Normal', 'Started', 'kubelet', `Started container ${container.name}`, starts);
    const last = starts.at(-1) as number;
    const restartCount = starts.length - 1;
    if (now < last + duration)
      return holding({
        ...completed(container, last, last + duration, 0),
        state: { state: 'running', startedAt: last },
        ready: false,
        started: true,
        restartCount,
      });
    const ended = { ...completed(container, last, last + duration, image.exitCode), restartCount };
    if (image.exitCode === 0) {
      statuses.push(ended);
      cursor = last + duration;
      continue;
    }
    if (!retried) return holding(ended, 'Init:Error', true);
    const backingOff = now >= last + duration + TERMINATED_VISIBLE;
    return holding(
      backingOff
        ? { ...ended, state: { state: 'waiting', reason: 'CrashLoopBackOff' }, lastState: ended.state }
        : ended,
      backingOff ? 'Init:CrashLoopBackOff' : 'Init:Error',
    );
  }
  return { done: true, appStart: cursor, statuses };
}
