/**
 * The file system as podnet's edges see it. Writes are atomic: a temporary file in the same
 * directory, flushed, then renamed over the target, so a crash never leaves half a file.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface FileSystem {
  readText(path: string): string | undefined;
  exists(path: string): boolean;
  writeAtomic(path: string, text: string): void;
  mkdirp(path: string): void;
  /** The names in a directory, sorted; undefined when it cannot be read. */
  list(path: string): string[] | undefined;
}

export const nodeFileSystem: FileSystem = {
  readText(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  exists: existsSync,
  writeAtomic(path, text) {
    const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    const fd = openSync(temp, 'w', 0o644);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  },
  mkdirp(path) {
    mkdirSync(path, { recursive: true });
  },
  list(path) {
    try {
      return readdirSync(path).sort();
    } catch {
      return undefined;
    }
  },
};
