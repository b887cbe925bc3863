/**
 * Places podnet writes to (`-o FILE`, `--dir DIR`), checked before any work is done: a file that
 * is a directory, a parent that is missing or not a directory, a directory this user cannot write
 * in. A check cannot foresee everything (a full disk, a read-only mount that `access` misses), so
 * a set of files is written all or nothing: what was written before a failure is removed again.
 */
import { dirname, join } from 'node:path';
import { type FileSystem, FileWriteError } from './fs.js';

/** Why `path` cannot take a file podnet writes, or undefined when it can. */
export function outputFileProblem(fs: FileSystem, path: string): string | undefined {
  const kind = fs.kind(path);
  if (kind === 'directory') return 'it is a directory; name a file to write';
  if (kind === 'other') return 'it is not a regular file (a pipe, a device or a socket)';
  const parent = dirname(path);
  const parentKind = fs.kind(parent);
  if (parentKind === 'missing') return `its directory ${parent} does not exist`;
  if (parentKind !== 'directory') return `${parent} is not a directory`;
  const writable = fs.writableDir(parent);
  return writable.ok ? undefined : `cannot write in ${parent}: ${(writable as { reason: string }).reason}`;
}

/** Why `path` cannot be (or become) a directory podnet writes files into, or undefined. */
export function outputDirProblem(fs: FileSystem, path: string): string | undefined {
  const kind = fs.kind(path);
  if (kind === 'file' || kind === 'other') return 'it is a file, not a directory';
  let existing = path;
  while (fs.kind(existing) === 'missing' && dirname(existing) !== existing) existing = dirname(existing);
  if (fs.kind(existing) !== 'directory') return `${existing} is not a directory`;
  const writable = fs.writableDir(existing);
  return writable.ok ? undefined : `cannot write in ${existing}: ${(writable as { reason: string }).reason}`;
}

/** Throws the problem with `path` as a FileWriteError, so it reads like any failed write. */
export function requireOutputFile(fs: FileSystem, path: string): void {
  const problem = outputFileProblem(fs, path);
  if (problem !== undefined) throw new FileWriteError(path, problem);
}

export function requireOutputDir(fs: FileSystem, path: string): void {
  const problem = outputDirProblem(fs, path);
  if (problem !== undefined) throw new FileWriteError(path, problem);
}

/**
 * Writes files (relative names) into `dir`, all or nothing: on a failure every new file written
 * so far is removed, and so is `dir` itself if this call created it; a file that existed is
 * either replaced whole or left as it was.
 */
export function writeFiles(fs: FileSystem, dir: string, files: readonly (readonly [string, string])[]): void {
  requireOutputDir(fs, dir);
  const created = fs.kind(dir) === 'missing';
  const written: string[] = [];
  try {
    fs.mkdirp(dir);
    for (const [name, text] of files) {
      const path = join(dir, name);
      fs.mkdirp(dirname(path));
      // A file that was there before is replaced atomically, so it is never one to remove.
      const isNew = fs.kind(path) === 'missing';
      fs.writeAtomic(path, text);
      if (isNew) written.push(path);
    }
  } catch (error) {
    if (created) fs.remove(dir);
    else for (const path of written) fs.remove(path);
    throw error;
  }
}
