/** `podnet export containerlab|calico DIR`: the design, handed to engines that run it for real. */
import { resolve } from 'node:path';
import { calicoManifests } from '../../io/export-calico.js';
import { containerlabFiles } from '../../io/export-containerlab.js';
import { requireOutputDir, writeFiles } from '../../io/output.js';
import { displayPath, type GlobalOptions, openSource, viewSimulation } from '../context.js';
import { CommandFailure } from '../errors.js';
import type { CliIo } from '../io.js';

/** The target directory, checked before any work: it must be new or empty, and writable. */
function exportTarget(io: CliIo, dir: string): string {
  const target = resolve(io.cwd, dir);
  requireOutputDir(io.fs, target);
  if ((io.fs.list(target) ?? []).length > 0)
    throw new CommandFailure(
      `error: ${displayPath(io, target)} is not empty; podnet export writes only into a new or empty directory`,
      1,
    );
  return target;
}

/** Writes every file into the target, all or nothing, so nothing is overwritten or left half-done. */
function writeInto(io: CliIo, target: string, files: ReadonlyMap<string, string>, what: string): number {
  writeFiles(io.fs, target, [...files]);
  io.stdout(`${what} written to ${displayPath(io, target)}: ${[...files.keys()].join(', ')}\n`);
  return 0;
}

export function exportContainerlabCommand(io: CliIo, options: GlobalOptions, dir: string): number {
  const target = exportTarget(io, dir);
  const { sim } = viewSimulation(options, io);
  const policies = sim.cluster.policies.policies().length;
  if (policies > 0)
    io.stderr(
      `note: network policy is not reproduced in containerlab (its containers run BIRD, not Felix): ${policies} ${policies === 1 ? 'policy is' : 'policies are'} left out\n`,
    );
  return writeInto(io, target, containerlabFiles(sim), 'containerlab lab');
}

export function exportCalicoCommand(io: CliIo, options: GlobalOptions, dir: string): number {
  const target = exportTarget(io, dir);
  const { topology } = openSource(options, io);
  return writeInto(io, target, calicoManifests(topology), 'Calico and Kubernetes manifests');
}
