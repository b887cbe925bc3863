/**
 * How `get` reads its arguments as kubectl does: `get pods a b`, `get pod/a pod/b`, `-l SELECTOR`
 * and `--show-labels`, refusing the combinations kubectl refuses with kubectl's words.
 */
import { parseLabelSelector } from '../../core/selector/label-selector.js';
import { CommandFailure } from '../errors.js';
import { parseAt } from './at-flag.js';
import type { GetRequest, OutputFormat } from './pods.js';
import { type ResourceKind, resourceKind } from './resources.js';

export type GetKind = ResourceKind | 'all';

const SEPARATE_TYPE =
  'error: there is no need to specify a resource type as a separate argument when passing arguments in ' +
  "resource/name form (e.g. 'podnet get resource/<resource_name>' instead of 'podnet get resource resource/<resource_name>')";

/** The kind and names of `get RESOURCE [NAMES...]` or `get TYPE/NAME [TYPE/NAME...]`. */
function readTargets(
  resource: string,
  names: readonly string[],
): { kind: GetKind; names: string[]; kinds?: ResourceKind[] } {
  if (resource === 'all') return { kind: 'all', names: [...names] };
  if (resource.includes(',') && !resource.includes('/')) {
    // `get deploy,rs`: each type's table in turn, as `get all` prints them.
    const kinds = resource.split(',').map(resourceKind);
    if (kinds.includes('nodes'))
      throw new CommandFailure('error: podnet lists nodes on their own (get nodes), not in a list of types', 1);
    if (names.length > 0)
      throw new CommandFailure('error: name a single resource type when you name objects (get TYPE NAME...)', 1);
    return { kind: 'all', names: [], kinds };
  }
  if (!resource.includes('/')) {
    if (names.some((name) => name.includes('/'))) throw new CommandFailure(SEPARATE_TYPE, 1);
    return { kind: resourceKind(resource), names: [...names] };
  }
  const pairs = [resource, ...names].map((arg) => {
    const slash = arg.indexOf('/');
    if (slash < 0)
      throw new CommandFailure(`error: arguments in resource/name form must have a single resource and name`, 1);
    return { kind: resourceKind(arg.slice(0, slash)), name: arg.slice(slash + 1) };
  });
  const kind = pairs[0]?.kind ?? 'pods';
  if (pairs.some((pair) => pair.kind !== kind))
    throw new CommandFailure(
      'error: podnet lists one resource type per call; run get once for each type (or get all)',
      1,
    );
  return { kind, names: pairs.map((pair) => pair.name) };
}

export function readGetRequest(
  resource: string,
  names: readonly string[],
  options: { output?: OutputFormat; selector?: string; showLabels?: boolean; at?: string },
): { kind: GetKind; request: GetRequest } {
  const targets = readTargets(resource, names);
  const parsed = parseLabelSelector(options.selector ?? '');
  if (!parsed.ok) throw new CommandFailure(`error: unable to parse requirement: ${parsed.reason}`, 1);
  if (options.selector !== undefined && targets.names.length > 0)
    throw new CommandFailure('error: name cannot be provided when a selector is specified', 1);
  return {
    kind: targets.kind,
    request: {
      ...(options.at === undefined ? {} : { at: parseAt(options.at) as number }),
      ...(targets.kinds === undefined ? {} : { kinds: targets.kinds }),
      names: targets.names,
      output: options.output,
      selector: parsed.selector,
      showLabels: options.showLabels ?? false,
    },
  };
}
