/** The lab catalogue: `podnet labs` lists it, `podnet labs open NAME` copies a lab into a workspace. */
import { join, resolve } from 'node:path';
import { didYouMean } from '../../core/topology/suggest.js';
import { kubectlTable } from '../../io/format/tabwriter.js';
import { LAB_FILES, type Lab, labCatalogue } from '../../io/labs.js';
import { requireOutputDir, writeFiles } from '../../io/output.js';
import { createWorkspace } from '../../io/workspace.js';
import { displayPath, loadTopologyOrFail } from '../context.js';
import { CommandFailure } from '../errors.js';
import type { CliIo } from '../io.js';

export function labsCommand(io: CliIo, flags: { output?: 'json' } = {}): number {
  const catalogue = labCatalogue(io.fs);
  if (flags.output === 'json') {
    const labs = catalogue.map((lab) => ({
      name: lab.name,
      starts: lab.broken ? 'broken' : 'working',
      title: lab.title,
    }));
    io.stdout(`${JSON.stringify(labs, null, 2)}\n`);
    return 0;
  }
  const rows = catalogue.map((lab) => [lab.name, lab.broken ? 'broken: fix it' : 'explore', lab.title]);
  io.stdout(`${kubectlTable(['NAME', 'STARTS', 'TITLE'], rows)}\n`);
  return 0;
}

function findLab(io: CliIo, name: string): Lab {
  const labs = labCatalogue(io.fs);
  const lab = labs.find((l) => l.name === name);
  if (lab !== undefined) return lab;
  throw new CommandFailure(
    `error: no lab "${name}"${didYouMean(
      name,
      labs.map((l) => l.name),
    )}; podnet labs lists them`,
    1,
  );
}

/**
 * Copies the lab's topology and exercise (not its solution) into a new directory and opens a
 * workspace there, settled at once so that every command of the exercise answers the same way.
 */
export function labsOpenCommand(io: CliIo, name: string, flags: { dir?: string }): number {
  const lab = findLab(io, name);
  const target = resolve(io.cwd, flags.dir ?? lab.name);
  if ((io.fs.list(target) ?? []).length > 0) {
    throw new CommandFailure(
      `error: ${displayPath(io, target)} is not empty; podnet labs open leaves existing files alone (choose another --dir)`,
      1,
    );
  }
  requireOutputDir(io.fs, target);
  const { topology, snapshot } = loadTopologyOrFail(io, join(lab.dir, LAB_FILES.topology));
  const created = io.fs.kind(target) === 'missing';
  const files = [LAB_FILES.topology, LAB_FILES.exercise].map(
    (file) => [file, withSchemaFrom(lab.dir, io.fs.readText(join(lab.dir, file)) as string)] as const,
  );
  writeFiles(io.fs, target, files);
  try {
    createWorkspace(join(target, '.podnet'), LAB_FILES.topology, snapshot(), io.fs, {
      instant: true,
      wallMs: io.wallMs(),
    });
  } catch (error) {
    // All or nothing: a lab without its workspace is removed again.
    for (const [file] of files) io.fs.remove(join(target, file));
    if (created) io.fs.remove(target);
    throw error;
  }
  const where = displayPath(io, target);
  io.stdout(
    `lab ${lab.name} opened in ${where}: ${LAB_FILES.topology}, ${LAB_FILES.exercise} and a workspace (cluster ${topology.name}, ` +
      `${topology.nodes.length} nodes, ${topology.routers.length} routers, ${topology.pods.length} pods)\n` +
      `  cd ${where} and read ${LAB_FILES.exercise}: it has the questions, hints and commands.\n` +
      `  After editing ${LAB_FILES.topology}: podnet init ${LAB_FILES.topology} --force reloads the workspace; podnet check ${LAB_FILES.topology} grades the file.\n`,
  );
  return 0;
}

/**
 * A lab's `$schema` comment points at podnet's schema relative to where the lab ships; the copy
 * lives elsewhere, so the link is made absolute and editors keep validating the copied file.
 */
function withSchemaFrom(labDir: string, text: string): string {
  return text.replace(
    /^(# yaml-language-server: \$schema=)(?!\/|[a-z]+:)(\S+)$/m,
    (_, lead: string, path: string) => `${lead}${resolve(labDir, path)}`,
  );
}
