/** A topology's timeline (events) and its grading checks, each cross-checked against the machines. */

import { assertNever } from '../assert.js';
import { parseCidr } from '../net/index.js';
import { parseLabelSelector } from '../selector/label-selector.js';
import { parseDuration } from './duration.js';
import type { IssueSink } from './issue-sink.js';
import {
  type ClusterNode,
  DEFAULT_RESTART_DOWNTIME,
  type NamedCheck,
  type Origin,
  type PodSpec,
  type Pool,
  type Router,
  type ScenarioEvent,
  type WorkloadKind,
} from './model.js';
import { resolvePod } from './resolve-pods.js';
import type * as s from './schema.js';

export function resolveChecks(
  sink: IssueSink,
  written: readonly s.CheckEntry[],
  source: number,
  nodes: readonly ClusterNode[],
  routers: readonly Router[],
  pools: readonly Pool[],
): NamedCheck[] {
  const machines = [...nodes.map((n) => n.name), ...routers.map((r) => r.name)];
  return written.flatMap((entry, i): NamedCheck[] => {
    const at = (key: string): Origin => ({ source, path: ['checks', i, key] });
    const origin: Origin = { source, path: ['checks', i] };
    const name = entry.name ?? `${entry.check} #${i + 1}`;
    switch (entry.check) {
      case 'reach':
      case 'policy':
        return [traceCheck(sink, entry, { name, origin, at })];
      case 'peers':
        return sink.checkName(entry.node, machines, 'node or router', at('node'))
          ? [{ check: 'peers', node: entry.node, established: entry.established, name, origin }]
          : [];
      case 'best': {
        const prefix = parseCidr(entry.prefix);
        if (!prefix.ok) sink.report(at('prefix'), 'invalid-cidr', prefix.reason);
        const via = entry.via === undefined ? undefined : sink.address(entry.via, at('via'));
        const known =
          sink.checkName(entry.node, machines, 'node or router', at('node')) &&
          (entry.from === undefined || sink.checkName(entry.from, machines, 'node or router', at('from')));
        if (!prefix.ok || !known) return [];
        return [
          {
            check: 'best',
            node: entry.node,
            prefix: prefix.value,
            ...(via !== undefined ? { via } : {}),
            ...(entry.from !== undefined ? { from: entry.from } : {}),
            name,
            origin,
          },
        ];
      }
      case 'no-route': {
        const to = sink.address(entry.to, at('to'));
        (entry.nodes ?? []).forEach((node, j) => {
          sink.checkName(node, machines, 'node or router', { source, path: ['checks', i, 'nodes', j] });
        });
        return to === undefined
          ? []
          : [{ check: 'no-route', to, ...(entry.nodes !== undefined ? { nodes: entry.nodes } : {}), name, origin }];
      }
      case 'free-blocks':
        return sink.checkName(
          entry.pool,
          pools.map((p) => p.name),
          'pool',
          at('pool'),
        )
          ? [{ check: 'free-blocks', pool: entry.pool, atLeast: entry.atLeast, name, origin }]
          : [];
      case 'converged':
        return [{ check: 'converged', within: parseDuration(entry.within), name, origin }];
      case 'pods':
      case 'replicas':
      case 'node':
      case 'endpoints':
        return clusterCheck(sink, entry, { name, origin, at, nodes });
      default:
        return assertNever(entry, 'check kind');
    }
  });
}
/** The checks that trace a connection: how it ends (reach), or which policy rule decides it. */
function traceCheck(
  sink: IssueSink,
  entry: Extract<s.CheckEntry, { check: 'reach' | 'policy' }>,
  context: { name: string; origin: Origin; at: (key: string) => Origin },
): NamedCheck {
  const { name, origin, at } = context;
  const ends = { from: entry.from, to: entry.to, ...(entry.port !== undefined ? { port: entry.port } : {}) };
  if (entry.check === 'reach') return { check: 'reach', ...ends, expect: entry.expect, name, origin };
  if (entry.rule !== undefined && !/^((ingress|egress)\[\d+\]|end-of-tier)$/.test(entry.rule))
    sink.report(at('rule'), 'invalid-value', `rule "${entry.rule}" is not ingress[N], egress[N] or end-of-tier`);
  return {
    check: 'policy',
    ...ends,
    policy: entry.policy,
    ...(entry.rule !== undefined ? { rule: entry.rule } : {}),
    ...(entry.action !== undefined ? { action: entry.action } : {}),
    name,
    origin,
  };
}

const CONTROLLER_KINDS: Readonly<Record<string, WorkloadKind>> = {
  rc: 'ReplicationController',
  replicationcontroller: 'ReplicationController',
  rs: 'ReplicaSet',
  replicaset: 'ReplicaSet',
  deploy: 'Deployment',
  deployment: 'Deployment',
};

/** `rc/NAME`, `rs/NAME` or `deploy/NAME`, as kubectl takes a controller. */
function controllerRef(
  sink: IssueSink,
  text: string,
  at: Origin,
): { kind: WorkloadKind; controller: string } | undefined {
  const [type, controller] = text.split('/', 2);
  const kind = CONTROLLER_KINDS[type?.toLowerCase() ?? ''];
  if (kind !== undefined && controller !== undefined && controller !== '') return { kind, controller };
  sink.report(at, 'invalid-value', `"${text}" is not rc/NAME, rs/NAME or deploy/NAME`);
  return undefined;
}

/** The checks on the cluster's objects: pods, a controller's replicas, a node's readiness. */
function clusterCheck(
  sink: IssueSink,
  entry: Extract<s.CheckEntry, { check: 'pods' | 'replicas' | 'node' | 'endpoints' }>,
  context: { name: string; origin: Origin; at: (key: string) => Origin; nodes: readonly ClusterNode[] },
): NamedCheck[] {
  const { name, origin, at, nodes } = context;
  const moment = entry.at === undefined ? {} : { at: parseDuration(entry.at) };
  const nodeNames = nodes.map((n) => n.name);
  if (entry.check === 'endpoints')
    return [{ check: 'endpoints', service: entry.service, ready: entry.ready, ...moment, name, origin }];
  if (entry.check === 'node')
    return sink.checkName(entry.node, nodeNames, 'node', at('node'))
      ? [{ check: 'node', node: entry.node, ready: entry.ready, ...moment, name, origin }]
      : [];
  if (entry.check === 'replicas') {
    const target = controllerRef(sink, entry.controller, at('controller'));
    return target === undefined ? [] : [{ check: 'replicas', ...target, ready: entry.ready, ...moment, name, origin }];
  }
  if ((entry.selector === undefined) === (entry.pod === undefined)) {
    sink.report(origin, 'conflict', 'a pods check names its pods by selector: or by pod:, one of the two');
    return [];
  }
  if (entry.node !== undefined && !sink.checkName(entry.node, nodeNames, 'node', at('node'))) return [];
  const parsed = entry.selector === undefined ? undefined : parseLabelSelector(entry.selector);
  if (parsed !== undefined && !parsed.ok) {
    sink.report(at('selector'), 'invalid-selector', `malformed selector "${entry.selector}": ${parsed.reason}`);
    return [];
  }
  return [
    {
      check: 'pods',
      ...(parsed?.ok ? { selector: parsed.selector, selectorText: entry.selector as string } : {}),
      ...(entry.pod !== undefined ? { pod: entry.pod } : {}),
      ...(entry.node !== undefined ? { node: entry.node } : {}),
      ...(entry.count !== undefined ? { count: entry.count } : {}),
      ...(entry.status !== undefined ? { status: entry.status } : {}),
      ...(entry.ready !== undefined ? { ready: entry.ready } : {}),
      ...moment,
      name,
      origin,
    },
  ];
}

export function resolveEvents(
  sink: IssueSink,
  written: readonly s.EventEntry[],
  source: number,
  nodes: readonly ClusterNode[],
  routers: readonly Router[],
  pods: readonly PodSpec[],
  listenPort: number,
): ScenarioEvent[] {
  const machines = [...nodes.map((n) => n.name), ...routers.map((r) => r.name)];
  const events: ScenarioEvent[] = [];
  written.forEach((event, i) => {
    const origin: Origin = { source, path: ['events', i] };
    const at = parseDuration(event.at);
    const machine = (name: string, ...path: (string | number)[]): void => {
      sink.checkName(name, machines, 'node or router', { source, path: ['events', i, ...path] });
    };
    switch (event.action) {
      case 'link-down':
      case 'link-up':
        for (const [j, end] of event.link.entries()) machine(end, 'link', j);
        events.push({ at, origin, action: event.action, link: event.link });
        break;
      case 'node-down':
      case 'node-up':
        machine(event.node, 'node');
        events.push({ at, origin, action: event.action, node: event.node });
        break;
      case 'node-restart':
        machine(event.node, 'node');
        events.push({
          at,
          origin,
          action: 'node-restart',
          node: event.node,
          downFor: event.downFor === undefined ? DEFAULT_RESTART_DOWNTIME : parseDuration(event.downFor),
        });
        break;
      case 'session-down':
      case 'session-up':
        for (const [j, end] of event.session.entries()) machine(end, 'session', j);
        events.push({ at, origin, action: event.action, session: event.session });
        break;
      case 'block-port':
      case 'unblock-port':
        machine(event.node, 'node');
        events.push({ at, origin, action: event.action, node: event.node, port: event.port ?? listenPort });
        break;
      case 'pod-create': {
        const pod = resolvePod(sink, event.pod, { source, path: ['events', i, 'pod'] }, nodes);
        if (pod) events.push({ at, origin, action: 'pod-create', pod });
        break;
      }
      case 'scale': {
        const target = controllerRef(sink, event.controller, { source, path: ['events', i, 'controller'] });
        if (target !== undefined) events.push({ at, origin, action: 'scale', ...target, replicas: event.replicas });
        break;
      }
      case 'pod-delete': {
        const [namespace, name] = event.pod.includes('/') ? event.pod.split('/', 2) : ['default', event.pod];
        const known = [...pods, ...events.flatMap((e) => (e.action === 'pod-create' ? [e.pod] : []))].map(
          (p) => `${p.namespace}/${p.name}`,
        );
        sink.checkName(`${namespace}/${name}`, known, 'pod', { source, path: ['events', i, 'pod'] });
        events.push({ at, origin, action: 'pod-delete', namespace: namespace as string, name: name as string });
        break;
      }
    }
  });
  return events.sort((a, b) => a.at - b.at);
}
