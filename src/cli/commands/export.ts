/** `podnet export containerlab|calico DIR`: the design, handed to engines that run it for real. */
import { dirname, join, resolve } from 'node:path';
import { calicoManifests } from '../../io/export-calico.js';
import { containerlabFiles } from '../../io/export-containerlab.js';
import { displayPath, openSource, viewSimulation, type GlobalOptions } from '../context.js';
import { CommandFailure } from '../errors.js';
import type { CliIo } from '../io.js';

/** Writes every file atomically into a directory that must be new or empty, so nothing is overwritten. */
function writeInto(io: CliIo, dir: string, files: ReadonlyMap<string, string>, what: string): number {
  const target = resolve(io.cwd, dir);
  if ((io.fs.list(target) ?? []).length > 0) throw new CommandFailure(`error: ${displayPath(io, target)} is not empty; podnet export writes only into a new or empty directory`, 1);
  for (const [name, text] of files) {
    io.fs.mkdirp(dirname(join(target, name)));
    io.fs.writeAtomic(join(target, name), text);
  }
  io.stdout(`${what} written to ${displayPath(io, target)}: ${[...files.keys()].join(', ')}\n`);
  return 0;
}

export function exportContainerlabCommand(io: CliIo, options: GlobalOptions, dir: string): number {
  const { sim } = viewSimulation(options, io);
  return writeInto(io, dir, containerlabFiles(sim), 'containerlab lab');
}

export function exportCalicoCommand(io: CliIo, options: GlobalOptions, dir: string): number {
  const { topology } = openSource(options, io);
  return writeInto(io, dir, calicoManifests(topology), 'Calico and Kubernetes manifests');
}
