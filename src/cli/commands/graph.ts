/** `podnet graph`: the topology, the BGP sessions, a prefix's forwarding or a trace, as SVG, DOT or Mermaid. */
import { resolve } from 'node:path';
import { toDot } from '../../io/graph/dot.js';
import { toMermaid } from '../../io/graph/mermaid.js';
import { bgpPicture, type Picture, routesToPicture, tracePicture, underlayPicture } from '../../io/graph/picture.js';
import { toSvg } from '../../io/graph/svg.js';
import { requireOutputFile } from '../../io/output.js';
import { type GlobalOptions, viewSimulation } from '../context.js';
import { CommandFailure } from '../errors.js';
import type { CliIo } from '../io.js';
import { parseAt } from './at-flag.js';
import { prefixArg } from './bgp.js';
import { traceBetween } from './trace.js';

export type GraphLayer = 'underlay' | 'bgp' | 'routes-to' | 'trace';
export type GraphFormat = 'svg' | 'dot' | 'mermaid';

export interface GraphFlags {
  readonly layer: GraphLayer;
  readonly format: GraphFormat;
  readonly at?: string;
  readonly output?: string;
}

const WRITERS: Readonly<Record<GraphFormat, (picture: Picture) => string>> = {
  svg: toSvg,
  dot: toDot,
  mermaid: toMermaid,
};

const USAGE: Readonly<Record<GraphLayer, { args: number; usage: string }>> = {
  underlay: { args: 0, usage: 'podnet graph --layer underlay' },
  bgp: { args: 0, usage: 'podnet graph --layer bgp' },
  'routes-to': { args: 1, usage: 'podnet graph --layer routes-to PREFIX' },
  trace: { args: 2, usage: 'podnet graph --layer trace SRC DST' },
};

function picture(io: CliIo, options: GlobalOptions, args: readonly string[], flags: GraphFlags): Picture {
  const at = parseAt(flags.at);
  if (flags.layer === 'trace') {
    const { sim, forward } = traceBetween(
      io,
      options,
      args[0] as string,
      args[1] as string,
      at === undefined ? {} : { at: flags.at as string },
    );
    return tracePicture(sim, forward);
  }
  const { sim } = viewSimulation(options, io, at === undefined ? {} : { at });
  if (flags.layer === 'routes-to') return routesToPicture(sim, prefixArg(args[0] as string));
  return flags.layer === 'bgp' ? bgpPicture(sim) : underlayPicture(sim);
}

export function graphCommand(io: CliIo, options: GlobalOptions, args: readonly string[], flags: GraphFlags): number {
  const { args: wanted, usage } = USAGE[flags.layer];
  if (args.length !== wanted)
    throw new CommandFailure(
      `error: --layer ${flags.layer} takes ${wanted === 0 ? 'no arguments' : wanted === 1 ? 'one argument' : 'two arguments'}: ${usage}`,
      1,
    );
  const output = flags.output === undefined ? undefined : resolve(io.cwd, flags.output);
  if (output !== undefined) requireOutputFile(io.fs, output);
  const text = WRITERS[flags.format](picture(io, options, args, flags));
  if (output === undefined) io.stdout(text);
  else io.fs.writeAtomic(output, text);
  return 0;
}
