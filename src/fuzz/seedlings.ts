/** The texts the fuzz run mutates: every shipped topology, lab, broken example and pod manifest. */
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Seedling } from './mutate.js';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? yamlFiles(join(dir, entry.name))
        : /\.ya?ml$/.test(entry.name)
          ? [join(dir, entry.name)]
          : [],
    )
    .sort();
}

export function seedlings(topologies: string): Seedling[] {
  return yamlFiles(topologies)
    .filter((file) => !file.endsWith('catalogue.yaml'))
    .map((file) => ({ name: relative(topologies, file), text: readFileSync(file, 'utf8') }));
}

/** A fuzz directory gets the pod files the topologies reference (pods/...). */
export function prepareDirectory(topologies: string, dir: string): void {
  cpSync(join(topologies, 'pods'), join(dir, 'pods'), { recursive: true });
}
