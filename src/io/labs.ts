/**
 * The lab catalogue shipped in topologies/labs: teaching order from catalogue.yaml, each lab's
 * title from its exercise's first heading, and whether it starts broken (it has a solution).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { FileSystem } from './fs.js';

export const LABS_DIR = fileURLToPath(new URL('../../topologies/labs/', import.meta.url));

export const LAB_FILES = { topology: 'lab.yaml', exercise: 'exercise.md', solution: 'solution.yaml' } as const;

export interface Lab {
  readonly name: string;
  readonly dir: string;
  readonly title: string;
  /** The lab starts broken: its checks fail until the student fixes it. */
  readonly broken: boolean;
}

/** The catalogue; a lab missing its files is a packaging bug, so it throws. */
export function labCatalogue(fs: FileSystem, root = LABS_DIR): Lab[] {
  const names = parse(fs.readText(join(root, 'catalogue.yaml')) ?? '[]') as string[];
  return names.map((name) => {
    const dir = join(root, name);
    const exercise = fs.readText(join(dir, LAB_FILES.exercise));
    if (exercise === undefined || !fs.exists(join(dir, LAB_FILES.topology)))
      throw new Error(`lab ${name} is incomplete in ${dir}`);
    const title = /^# (.+)$/m.exec(exercise)?.[1] ?? name;
    return { name, dir, title, broken: fs.exists(join(dir, LAB_FILES.solution)) };
  });
}
