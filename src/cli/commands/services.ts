/** kubectl's verbs over Services: get svc|endpoints|endpointslices, describe svc, delete svc, expose. */
import { stringify } from 'yaml';
import { buildCluster, type Cluster } from '../../core/cluster/index.js';
import { matches } from '../../core/selector/index.js';
import type { WorkloadKind } from '../../core/topology/model.js';
import { resolveManifest } from '../../core/topology/resolve.js';
import {
  describeService,
  getEndpointSlices,
  getEndpoints,
  getServices,
  serviceObject,
  sliceName,
} from '../../io/format/services.js';
import { labelSelectorObject } from '../../io/format/workloads.js';
import { changeWorkspace, type GlobalOptions, viewCluster } from '../context.js';
import { CommandFailure, notFound } from '../errors.js';
import type { CliIo } from '../io.js';
import { deleteNamed, describeNamed, type GetRequest, printGot } from './pods.js';
import { RESOURCES } from './resources.js';

type ServiceTable = 'Service' | 'Endpoints' | 'EndpointSlice';

export function getServicesCommand(
  io: CliIo,
  options: GlobalOptions,
  kind: ServiceTable,
  request: GetRequest,
  scope: { namespace: string; allNamespaces: boolean },
): number {
  const { cluster, moment } = viewCluster(options, io, request.at);
  const inScope = cluster.services
    .list()
    .filter(
      (r) => (scope.allNamespaces || r.spec.namespace === scope.namespace) && matches(request.selector, r.spec.labels),
    );
  return printGot(io, request, scope, inScope, {
    resource: RESOURCES[kind],
    name: (r) => r.spec.name,
    ...(kind === 'EndpointSlice' ? { listed: sliceName } : {}),
    object: (r) => serviceObject(r, moment),
    table: (shown) =>
      kind === 'Service'
        ? getServices(shown, moment, { wide: request.output === 'wide', allNamespaces: scope.allNamespaces })
        : kind === 'Endpoints'
          ? getEndpoints(cluster, shown, moment)
          : getEndpointSlices(cluster, shown, moment),
  });
}

export function describeServicesCommand(
  io: CliIo,
  options: GlobalOptions,
  requested: readonly string[],
  namespace: string,
  at?: number,
): number {
  const { cluster, moment } = viewCluster(options, io, at);
  const all = cluster.services.list().filter((r) => r.spec.namespace === namespace);
  return describeNamed(
    io,
    all,
    requested,
    (r) => r.spec.name,
    (r) => describeService(cluster, r, moment),
    RESOURCES.Service,
  );
}

export function deleteServices(io: CliIo, options: GlobalOptions, names: readonly string[], namespace: string): number {
  return deleteNamed(io, options, names, {
    resource: RESOURCES.Service,
    exists: (cluster, name) => cluster.services.get(namespace, name) !== undefined,
    deletion: (at, name) => ({
      op: { kind: 'service-delete', at, namespace, name },
      entry: { op: 'delete', at, kind: 'Service', namespace, name },
    }),
  });
}

export interface ExposeFlags {
  readonly port?: string;
  readonly targetPort?: string;
  readonly type?: string;
  readonly name?: string;
  readonly protocol?: string;
}

/** The selector and first container port `expose` takes from what it exposes. */
function introspect(
  cluster: Cluster,
  kind: WorkloadKind | 'pods',
  name: string,
  namespace: string,
): { selector: Record<string, string>; port?: number } {
  if (kind === 'pods') {
    const pod = cluster.pod(namespace, name);
    if (pod === undefined) throw notFound('pods', name);
    return { selector: pod.spec.labels, ...firstPort(pod.spec.containers) };
  }
  const spec = cluster.workloads.specOf(kind, namespace, name);
  if (spec === undefined) throw notFound(RESOURCES[kind].plural, name);
  const selector = labelSelectorObject(spec.selector);
  if (selector.matchExpressions !== undefined)
    throw new CommandFailure(
      `error: couldn't retrieve selectors via --selector flag or introspection: the ${RESOURCES[kind].singular} selector uses expressions, which a Service selector cannot`,
      1,
    );
  return { selector: selector.matchLabels, ...firstPort(spec.template.containers) };
}

function firstPort(containers: readonly { ports: readonly { port: number }[] }[]): { port?: number } {
  const port = containers.flatMap((c) => c.ports)[0]?.port;
  return port === undefined ? {} : { port };
}

/** `kubectl expose TYPE NAME`: a Service selecting what the pod or controller selects. */
export function exposeCommand(
  io: CliIo,
  options: GlobalOptions,
  target: { kind: WorkloadKind | 'pods'; name: string },
  flags: ExposeFlags,
  namespace: string,
): number {
  return changeWorkspace(io, options, 'expose', (workspace, at, say) => {
    const cluster = buildCluster(workspace.topology, workspace.ops(), at);
    const found = introspect(cluster, target.kind, target.name, namespace);
    const port = flags.port === undefined ? found.port : Number(flags.port);
    if (port === undefined) throw new CommandFailure("error: couldn't find port via --port flag or introspection", 1);
    const name = flags.name ?? target.name;
    const targetPort =
      flags.targetPort === undefined
        ? undefined
        : /^\d+$/.test(flags.targetPort)
          ? Number(flags.targetPort)
          : flags.targetPort;
    const manifest = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: {
        ...(flags.type !== undefined ? { type: flags.type } : {}),
        selector: found.selector,
        ports: [{ port, protocol: flags.protocol ?? 'TCP', ...(targetPort !== undefined ? { targetPort } : {}) }],
      },
    };
    const resolved = resolveManifest(manifest, 0, workspace.topology);
    if (!resolved.ok)
      throw new CommandFailure(`error: ${resolved.issues.map((i) => i.message).join('; ')}\n${stringify(manifest)}`, 1);
    if (cluster.services.get(namespace, name) !== undefined)
      throw new CommandFailure(`Error from server (AlreadyExists): services "${name}" already exists`, 1);
    if (resolved.object.kind !== 'Service') throw new Error('expose made something other than a Service');
    const put = cluster.services.put(resolved.object.service, at);
    if ('kind' in put)
      throw new CommandFailure(`error: the Service "${name}" could not get an address or node port`, 1);
    say(`service/${name} exposed\n`);
    return { entries: [{ op: 'create', at, file: '(podnet expose)', manifest }], errors: [] };
  });
}
