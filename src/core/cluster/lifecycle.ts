/**
 * Pod lifecycle in simulated time, computed in closed form: given when a pod was created, where
 * it was placed, whether its sandbox got an address and how its images behave, what is its
 * status at time `now`? No state is stepped, so any moment can be asked for directly.
 *
 * Models: sandbox then sequential image pulls; ErrImagePull/ImagePullBackOff and
 * CrashLoopBackOff with kubelet's back-off (10 s doubling to 300 s); containers that exit
 * (Succeeded/Failed by restart policy); a port bound twice inside a pod (the later container
 * fails with "address already in use"); an address-less sandbox (FailedCreatePodSandBox).
 * Invariants: the same inputs and `now` give the same status; times never precede creation.
 * What a stopped node does to a pod's status is in node-lifecycle.ts.
 * Init containers run first, one at a time (init-containers.ts).
 * Readiness probes gate a container's Ready (probes.ts).
 * Leaves out: liveness and startup probes, resource limits, graceful termination.
 */
import { normalizeImage } from '../topology/images.js';
import type { ContainerSpec, ImageBehaviour, PodSpec } from '../topology/model.js';
import { type InitRunning, runInitContainers } from './init-containers.js';
import { applyReadinessProbe } from './probes.js';

export type ContainerState =
  | { readonly state: 'waiting'; readonly reason: string; readonly message?: string }
  | { readonly state: 'running'; readonly startedAt: number }
  | {
      readonly state: 'terminated';
      readonly reason: string;
      readonly exitCode: number;
      readonly startedAt: number;
      readonly finishedAt: number;
      readonly message?: string;
    };

export interface ContainerStatus {
  readonly name: string;
  readonly image: string;
  readonly imageKnown: boolean;
  readonly state: ContainerState;
  readonly lastState?: ContainerState;
  readonly ready: boolean;
  readonly restartCount: number;
  readonly started: boolean;
  /** Ports this container holds open at `now` (it is running and won the bind). */
  readonly listening: readonly number[];
  /** The port it failed to bind, when another container of the pod holds it. */
  readonly bindConflict?: { readonly port: number; readonly holder: string };
}

export interface PodEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly from: string;
  readonly message: string;
  readonly first: number;
  readonly last: number;
  readonly count: number;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface PodStatus {
  readonly phase: PodPhase;
  /** kubectl's STATUS column. */
  readonly display: string;
  readonly readyContainers: number;
  readonly restarts: number;
  readonly lastRestartAt?: number;
  readonly containers: readonly ContainerStatus[];
  readonly conditions: readonly { readonly type: string; readonly status: 'True' | 'False' }[];
  readonly events: readonly PodEvent[];
  readonly startTime?: number;
  /** When the pod was deleted, for a pod that is Terminating. */
  readonly deletionTimestamp?: number;
  /** Its init containers, in the order they run. */
  readonly initContainers?: readonly ContainerStatus[];
}

/** What the lifecycle needs to know about one pod. */
export interface PodRun {
  readonly spec: PodSpec;
  readonly createdAt: number;
  /** When the scheduler placed it: its creation, or later for a pod that waited for a node. */
  readonly scheduledAt: number;
  /** Why it could not be placed when it was created, for a pod placed later. */
  readonly firstScheduleError?: string;
  readonly nodeName?: string;
  readonly scheduledBy: 'default-scheduler' | 'nodeName';
  readonly scheduleError?: string;
  readonly sandboxError?: string;
  readonly sandboxId: string;
  readonly uid: string;
  /** Where a probe connects to. */
  readonly podIp?: number;
}

export const SANDBOX_DELAY = 0.5;
export const PULL_START = 1;
export const START_DELAY = 0.2;
const BACKOFF_START = 10;
const BACKOFF_CAP = 300;
const SANDBOX_RETRY = 15;
const CRASH_RUN_SECONDS = 0.1;
/** How long a freshly terminated container shows Terminated before kubelet reports its back-off. */
export const TERMINATED_VISIBLE = 1;

export function backoffDelay(restartIndex: number): number {
  return Math.min(BACKOFF_START * 2 ** restartIndex, BACKOFF_CAP);
}

export class EventLog {
  private readonly events: PodEvent[] = [];

  add(type: PodEvent['type'], reason: string, from: string, message: string, times: readonly number[]): void {
    if (times.length === 0) return;
    this.events.push({
      type,
      reason,
      from,
      message,
      first: times[0] as number,
      last: times.at(-1) as number,
      count: times.length,
    });
  }

  sorted(): PodEvent[] {
    return [...this.events].sort((a, b) => a.first - b.first || a.last - b.last);
  }
}

/** Times of attempts: first at `start`, then each after the previous one's back-off, up to now. */
export function attemptsUntil(start: number, now: number, runSeconds: number): number[] {
  const times: number[] = [];
  let t = start;
  let index = 0;
  while (t <= now && times.length < 100_000) {
    times.push(t);
    t += runSeconds + backoffDelay(index++);
  }
  return times;
}

export function listeningPorts(container: ContainerSpec, image: ImageBehaviour | undefined): number[] {
  return [...(image?.ports ?? container.ports.map((p) => p.port))];
}

/** How long one run of a container lasts before its process exits (Infinity: it keeps running). */
export function runSeconds(container: ContainerSpec, image: ImageBehaviour): number {
  const words = [...(container.command ?? []), ...(container.args ?? [])];
  const sleep = words.indexOf('sleep');
  if (sleep >= 0) {
    const arg = words[sleep + 1];
    return arg === 'infinity' ? Infinity : Number(arg ?? 0) || 0;
  }
  return image.exitAfter ?? Infinity;
}

export function podStatusAt(run: PodRun, images: ReadonlyMap<string, ImageBehaviour>, now: number): PodStatus {
  const events = new EventLog();
  const { spec } = run;
  if (run.scheduleError !== undefined || run.nodeName === undefined) {
    events.add('Warning', 'FailedScheduling', 'default-scheduler', run.scheduleError ?? 'no node', [run.createdAt]);
    return pendingStatus(spec, 'Pending', events, [{ type: 'PodScheduled', status: 'False' }]);
  }
  if (run.firstScheduleError !== undefined)
    events.add('Warning', 'FailedScheduling', 'default-scheduler', run.firstScheduleError, [run.createdAt]);
  if (run.scheduledBy === 'default-scheduler') {
    events.add(
      'Normal',
      'Scheduled',
      'default-scheduler',
      `Successfully assigned ${spec.namespace}/${spec.name} to ${run.nodeName}`,
      [run.scheduledAt],
    );
  }
  const sandboxAt = run.scheduledAt + SANDBOX_DELAY;
  if (run.sandboxError !== undefined) {
    const message =
      `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${run.sandboxId}": ` +
      `plugin type="calico" failed (add): ${run.sandboxError}`;
    events.add('Warning', 'FailedCreatePodSandBox', 'kubelet', message, attemptsEvery(sandboxAt, SANDBOX_RETRY, now));
    return pendingStatus(spec, 'ContainerCreating', events, [
      { type: 'PodReadyToStartContainers', status: 'False' },
      { type: 'PodScheduled', status: 'True' },
    ]);
  }
  const startTime = now >= sandboxAt ? sandboxAt : undefined;
  const init = runInitContainers(run, images, sandboxAt + PULL_START, now, events);
  if (!init.done) return initializing(spec, init, events, startTime);
  const containers = containerStatuses(run, images, init.appStart, now, events);
  const status = summarize(spec, containers, events, startTime);
  return init.statuses.length === 0 ? status : { ...status, initContainers: init.statuses };
}

/** A pod still in its init containers: Init:i/N (or Init:Error, Init:CrashLoopBackOff, ...). */
function initializing(spec: PodSpec, init: InitRunning, events: EventLog, startTime: number | undefined): PodStatus {
  return {
    phase: init.failed ? 'Failed' : 'Pending',
    display: init.display,
    readyContainers: 0,
    restarts: init.statuses.reduce((sum, c) => sum + c.restartCount, 0),
    containers: spec.containers.map((c) => waiting(c, 'PodInitializing')),
    initContainers: init.statuses,
    conditions: [
      { type: 'PodReadyToStartContainers', status: 'True' },
      { type: 'Initialized', status: 'False' },
      { type: 'Ready', status: 'False' },
      { type: 'ContainersReady', status: 'False' },
      { type: 'PodScheduled', status: 'True' },
    ],
    events: events.sorted(),
    ...(startTime !== undefined ? { startTime } : {}),
  };
}

function attemptsEvery(start: number, every: number, now: number): number[] {
  const times: number[] = [];
  for (let t = start; t <= now && times.length < 10_000; t += every) times.push(t);
  return times;
}

function pendingStatus(
  spec: PodSpec,
  reason: string,
  events: EventLog,
  conditions: PodStatus['conditions'],
): PodStatus {
  return {
    phase: 'Pending',
    display: reason,
    readyContainers: 0,
    restarts: 0,
    containers: spec.containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageKnown: true,
      state: { state: 'waiting', reason: 'ContainerCreating' },
      ready: false,
      restartCount: 0,
      started: false,
      listening: [],
    })),
    conditions,
    events: events.sorted(),
  };
}

/** Which container holds each port: the first, in start order, whose image pulls and declares it. */
export function portHolders(spec: PodSpec, images: ReadonlyMap<string, ImageBehaviour>): Map<number, string> {
  const holders = new Map<number, string>();
  for (const container of spec.containers) {
    const image = images.get(normalizeImage(container.image));
    if (image === undefined) continue;
    for (const port of listeningPorts(container, image)) if (!holders.has(port)) holders.set(port, container.name);
  }
  return holders;
}

function containerStatuses(
  run: PodRun,
  images: ReadonlyMap<string, ImageBehaviour>,
  pullStart: number,
  now: number,
  events: EventLog,
): ContainerStatus[] {
  const holders = portHolders(run.spec, images);
  let cursor = pullStart;
  return run.spec.containers.map((container) => {
    const image = images.get(normalizeImage(container.image));
    if (image === undefined) return failedPull(container, cursor, now, events);
    const pullAt = cursor;
    const pulledAt = pullAt + image.pullSeconds;
    const startAt = pulledAt + START_DELAY;
    cursor = startAt;
    if (now < pullAt) return waiting(container, 'ContainerCreating');
    events.add('Normal', 'Pulling', 'kubelet', `Pulling image "${container.image}"`, [pullAt]);
    if (now < pulledAt) return waiting(container, 'ContainerCreating');
    events.add(
      'Normal',
      'Pulled',
      'kubelet',
      `Successfully pulled image "${container.image}" in ${image.pullSeconds}s (${image.pullSeconds}s including waiting)`,
      [pulledAt],
    );
    if (now < startAt) return waiting(container, 'ContainerCreating');
    const conflict = listeningPorts(container, image)
      .map((port) => ({ port, holder: holders.get(port) as string }))
      .find((c) => c.holder !== container.name);
    const status = runLoop(run, container, image, startAt, now, events, conflict);
    return applyReadinessProbe(container, status, now, events, run.podIp);
  });
}

export function waiting(container: ContainerSpec, reason: string, message?: string): ContainerStatus {
  return {
    name: container.name,
    image: container.image,
    imageKnown: true,
    state: message === undefined ? { state: 'waiting', reason } : { state: 'waiting', reason, message },
    ready: false,
    restartCount: 0,
    started: false,
    listening: [],
  };
}

export function failedPull(container: ContainerSpec, start: number, now: number, events: EventLog): ContainerStatus {
  const attempts = attemptsUntil(start, now, 1);
  const failures = attempts.map((t) => t + 1).filter((t) => t <= now);
  const reference = normalizeImage(container.image);
  const pullError =
    `failed to pull and unpack image "${reference}": failed to resolve reference "${reference}": ` +
    `${reference}: not found (the offline registry has no such image: add it under images:)`;
  events.add('Normal', 'Pulling', 'kubelet', `Pulling image "${container.image}"`, attempts);
  events.add('Warning', 'Failed', 'kubelet', `Failed to pull image "${container.image}": ${pullError}`, failures);
  events.add('Warning', 'Failed', 'kubelet', 'Error: ErrImagePull', failures);
  const backoffs = failures.filter((t) => t + TERMINATED_VISIBLE <= now).map((t) => t + TERMINATED_VISIBLE);
  events.add('Normal', 'BackOff', 'kubelet', `Back-off pulling image "${container.image}"`, backoffs);
  events.add('Warning', 'Failed', 'kubelet', 'Error: ImagePullBackOff', backoffs);
  const lastFailure = failures.at(-1);
  const inBackoff =
    lastFailure !== undefined && now >= lastFailure + TERMINATED_VISIBLE && (attempts.at(-1) as number) < lastFailure;
  const status = waiting(
    container,
    failures.length === 0 ? 'ContainerCreating' : inBackoff ? 'ImagePullBackOff' : 'ErrImagePull',
    failures.length === 0 ? undefined : inBackoff ? `Back-off pulling image "${container.image}"` : pullError,
  );
  return { ...status, imageKnown: false };
}

function runLoop(
  run: PodRun,
  container: ContainerSpec,
  image: ImageBehaviour,
  firstStart: number,
  now: number,
  events: EventLog,
  conflict: { port: number; holder: string } | undefined,
): ContainerStatus {
  const duration = conflict ? CRASH_RUN_SECONDS : runSeconds(container, image);
  const exitCode = conflict ? 1 : image.exitCode;
  const restarts = run.spec.restartPolicy === 'Always' || (run.spec.restartPolicy === 'OnFailure' && exitCode !== 0);
  const starts = restarts ? attemptsUntil(firstStart, now, duration) : [firstStart];
  const lastStart = starts.at(-1) as number;
  const message = conflict ? `listen tcp :${conflict.port}: bind: address already in use` : undefined;
  const terminatedAt = (start: number): ContainerState => ({
    state: 'terminated',
    reason: exitCode === 0 ? 'Completed' : 'Error',
    exitCode,
    startedAt: start,
    finishedAt: start + duration,
    ...(message !== undefined ? { message } : {}),
  });
  events.add('Normal', 'Created', 'kubelet', `Created container: ${container.name}`, starts);
  events.add('Normal', 'Started', 'kubelet', `Started container ${container.name}`, starts);
  const crashes = starts.map((t) => t + duration).filter((t) => t + TERMINATED_VISIBLE <= now && restarts);
  events.add(
    'Warning',
    'BackOff',
    'kubelet',
    `Back-off restarting failed container ${container.name} in pod ${run.spec.name}_${run.spec.namespace}(${run.uid})`,
    crashes.map((t) => t + TERMINATED_VISIBLE),
  );
  const previous = starts.length > 1 ? terminatedAt(starts.at(-2) as number) : undefined;
  const base = {
    name: container.name,
    image: container.image,
    imageKnown: true,
    restartCount: starts.length - 1,
    started: true,
  };
  const withLast = previous === undefined ? {} : { lastState: previous };
  if (now < lastStart + duration) {
    return {
      ...base,
      ...withLast,
      state: { state: 'running', startedAt: lastStart },
      ready: true,
      listening: conflict ? [] : listeningPorts(container, image),
    };
  }
  const ended = terminatedAt(lastStart);
  if (restarts && now >= lastStart + duration + TERMINATED_VISIBLE) {
    const delay = backoffDelay(starts.length - 1);
    const waitingState: ContainerState = {
      state: 'waiting',
      reason: 'CrashLoopBackOff',
      message: `back-off ${delay}s restarting failed container=${container.name} pod=${run.spec.name}_${run.spec.namespace}(${run.uid})`,
    };
    return {
      ...base,
      state: waitingState,
      lastState: ended,
      ready: false,
      listening: [],
      ...(conflict ? { bindConflict: conflict } : {}),
    };
  }
  return {
    ...base,
    ...withLast,
    state: ended,
    ready: false,
    listening: [],
    ...(conflict ? { bindConflict: conflict } : {}),
  };
}

function summarize(
  spec: PodSpec,
  containers: readonly ContainerStatus[],
  events: EventLog,
  startTime: number | undefined,
): PodStatus {
  const allStarted = containers.every((c) => c.started);
  const allDone =
    containers.every((c) => c.state.state === 'terminated') &&
    spec.restartPolicy !== 'Always' &&
    containers.every(
      (c) => spec.restartPolicy === 'Never' || (c.state.state === 'terminated' && c.state.exitCode === 0),
    );
  const phase: PodPhase = allDone
    ? containers.every((c) => c.state.state === 'terminated' && c.state.exitCode === 0)
      ? 'Succeeded'
      : 'Failed'
    : allStarted || containers.some((c) => c.started)
      ? allStarted
        ? 'Running'
        : 'Pending'
      : 'Pending';
  const readyContainers = containers.filter((c) => c.ready).length;
  const allReady = readyContainers === containers.length;
  const restarts = containers.reduce((sum, c) => sum + c.restartCount, 0);
  const lastRestartAt = containers
    .map((c) =>
      c.restartCount > 0 && c.state.state === 'running'
        ? c.state.startedAt
        : c.lastState?.state === 'terminated'
          ? c.lastState.finishedAt
          : undefined,
    )
    .filter((t): t is number => t !== undefined)
    .sort((a, b) => b - a)[0];
  return {
    phase,
    display: displayStatus(phase, containers),
    readyContainers,
    restarts,
    ...(lastRestartAt !== undefined && restarts > 0 ? { lastRestartAt } : {}),
    containers,
    conditions: [
      { type: 'PodReadyToStartContainers', status: 'True' },
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: allReady ? 'True' : 'False' },
      { type: 'ContainersReady', status: allReady ? 'True' : 'False' },
      { type: 'PodScheduled', status: 'True' },
    ],
    events: events.sorted(),
    ...(startTime !== undefined ? { startTime } : {}),
  };
}

/** kubectl's printPod: the last container with a waiting or terminated reason names the status. */
function displayStatus(phase: PodPhase, containers: readonly ContainerStatus[]): string {
  let reason: string = phase;
  let anyRunning = false;
  for (let i = containers.length - 1; i >= 0; i--) {
    const state = (containers[i] as ContainerStatus).state;
    if (state.state === 'waiting' && state.reason !== '') reason = state.reason;
    else if (state.state === 'terminated') reason = state.reason || `ExitCode:${state.exitCode}`;
    else anyRunning = true;
  }
  if (reason === 'Completed' && anyRunning) return 'Running';
  return reason;
}
