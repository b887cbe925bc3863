/**
 * The file system as podnet's edges see it.
 *
 * - Reads of what a user hands podnet are bounded: only regular files, and only up to a stated
 *   size, so a FIFO, a device or an endless file is refused before a byte of it is read.
 * - Writes are durable and atomic: the whole text goes to a temporary file in the same directory,
 *   which is fsynced and renamed over the target, and then the directory is fsynced. A short
 *   write (a full disk) is an error, not a truncated file: on any failure the temporary file is
 *   removed, the target is as it was, and a FileWriteError says what could not be written and why.
 * - A lock file (created exclusively, holding the holder's pid and command) serialises writers.
 */
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A write that did not happen; the target is as it was before. */
export class FileWriteError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot write ${path}: ${reason}`);
  }
}

export type ReadResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: string; readonly tooLarge?: boolean };

export type PathKind = 'file' | 'directory' | 'other' | 'missing';

/** Who holds a workspace lock, as its lock file says. */
export interface LockHolder {
  readonly pid: number;
  readonly command: string;
  readonly since: string;
}

export type LockAttempt =
  | { readonly ok: true; readonly release: () => void }
  | { readonly ok: false; readonly holder?: LockHolder };

export interface FileSystem {
  /** A file podnet itself ships or wrote (labs, the catalogue); undefined when it cannot be read. */
  readText(path: string): string | undefined;
  /** A file a user handed podnet: a regular file of at most `maxBytes`, as UTF-8 text. */
  readInput(path: string, maxBytes: number): ReadResult;
  exists(path: string): boolean;
  kind(path: string): PathKind;
  /** Whether this process may create files in an existing directory. */
  writableDir(path: string): ReadResult | { readonly ok: true };
  writeAtomic(path: string, text: string): void;
  mkdirp(path: string): void;
  /** Removes a file or a directory tree; a missing one is not an error. */
  remove(path: string): void;
  rename(from: string, to: string): void;
  /** The names in a directory, sorted; undefined when it cannot be read. */
  list(path: string): string[] | undefined;
  /** One attempt to take the lock at `path` for this process; a lock whose holder's process is gone is broken. */
  tryLock(path: string, about: Omit<LockHolder, 'pid'>): LockAttempt;
  /** Blocks this thread (the CLI is single-threaded and has nothing else to do while it waits). */
  sleep(ms: number): void;
}

/** Why an operation failed, in words, from a Node error code. */
export function describeFsError(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  switch (code) {
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ENOENT':
      return 'no such file or directory';
    case 'EEXIST':
      return 'it already exists';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'EIO':
      return 'an input/output error';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    default:
      return code === undefined ? String((error as Error | null)?.message ?? error) : code;
  }
}

let tempCounter = 0;

function writeFully(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
}

function fsyncDirectory(dir: string): void {
  // The rename is already visible; some file systems refuse fsync on a directory, which only
  // weakens durability across a power cut, so that refusal is not reported as a failed write.
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // see above
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof value.pid !== 'number') return undefined;
    return { pid: value.pid, command: String(value.command ?? ''), since: String(value.since ?? '') };
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** Creates `path` with `text` only if it does not exist: write a private file, then hard-link it. */
function createExclusive(path: string, text: string): boolean {
  const temp = `${path}.${process.pid}.${++tempCounter}`;
  writeFileDurably(temp, text, 'wx');
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') return false;
    throw new FileWriteError(path, describeFsError(error));
  } finally {
    rmSync(temp, { force: true });
  }
}

function writeFileDurably(path: string, text: string, flags: string): void {
  let fd: number;
  try {
    fd = openSync(path, flags, 0o644);
  } catch (error) {
    throw new FileWriteError(path, describeFsError(error));
  }
  try {
    writeFully(fd, Buffer.from(text, 'utf8'));
    fsyncSync(fd);
    closeSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw new FileWriteError(path, describeFsError(error));
  }
}

/**
 * Breaking a stale lock is itself guarded: only the process that creates `<lock>.break` may
 * remove the lock, and only after reading that it still names the same dead holder, so two
 * processes that both saw a stale lock cannot remove each other's fresh one.
 */
function breakStaleLock(path: string, stale: LockHolder): void {
  const guard = `${path}.break`;
  const guardHolder = readHolder(guard);
  if (guardHolder !== undefined && !processAlive(guardHolder.pid)) rmSync(guard, { force: true });
  if (!createExclusive(guard, JSON.stringify({ pid: process.pid, command: 'break stale lock', since: '' }))) return;
  try {
    const now = readHolder(path);
    if (now !== undefined && now.pid === stale.pid && now.since === stale.since && !processAlive(now.pid))
      rmSync(path, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

export const nodeFileSystem: FileSystem = {
  readText(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  readInput(path, maxBytes) {
    let fd: number | undefined;
    try {
      // O_NONBLOCK: opening a FIFO nobody writes to must not wait; it is refused below.
      fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      const stat = fstatSync(fd);
      if (stat.isDirectory()) return { ok: false, reason: 'it is a directory, not a file' };
      if (!stat.isFile())
        return {
          ok: false,
          reason: 'it is not a regular file (a pipe, a device or a socket); podnet reads only regular files',
        };
      if (stat.size > maxBytes)
        return {
          ok: false,
          tooLarge: true,
          reason: `it is ${formatBytes(stat.size)}; podnet reads files of at most ${formatBytes(maxBytes)}`,
        };
      // Read at most one byte past the limit, so a file that grows while it is read is still bounded.
      const buffer = Buffer.alloc(Math.min(maxBytes + 1, Math.max(stat.size + 1, 1)));
      let length = 0;
      for (;;) {
        if (length === buffer.length) break;
        const read = readSync(fd, buffer, length, buffer.length - length, null);
        if (read === 0) break;
        length += read;
      }
      if (length > maxBytes)
        return {
          ok: false,
          tooLarge: true,
          reason: `it is larger than ${formatBytes(maxBytes)}, the most podnet reads`,
        };
      return { ok: true, text: buffer.subarray(0, length).toString('utf8') };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EISDIR') return { ok: false, reason: 'it is a directory, not a file' };
      return { ok: false, reason: code === 'ENOENT' ? 'no such file' : describeFsError(error) };
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  },
  exists: existsSync,
  kind(path) {
    try {
      const stat = statSync(path);
      return stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
    } catch {
      return 'missing';
    }
  },
  writableDir(path) {
    try {
      accessSync(path, constants.W_OK | constants.X_OK);
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: describeFsError(error) };
    }
  },
  writeAtomic(path, text) {
    const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${++tempCounter}.tmp`);
    writeFileDurably(temp, text, 'wx');
    try {
      renameSync(temp, path);
    } catch (error) {
      rmSync(temp, { force: true });
      throw new FileWriteError(path, describeFsError(error));
    }
    fsyncDirectory(dirname(path));
  },
  mkdirp(path) {
    try {
      mkdirSync(path, { recursive: true });
    } catch (error) {
      throw new FileWriteError(path, describeFsError(error));
    }
  },
  remove(path) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch (error) {
      throw new FileWriteError(path, describeFsError(error));
    }
  },
  rename(from, to) {
    try {
      renameSync(from, to);
    } catch (error) {
      throw new FileWriteError(to, describeFsError(error));
    }
  },
  list(path) {
    try {
      return readdirSync(path).sort();
    } catch {
      return undefined;
    }
  },
  tryLock(path, about) {
    const holder: LockHolder = { pid: process.pid, ...about };
    for (let attempt = 0; attempt < 2; attempt++) {
      if (createExclusive(path, `${JSON.stringify(holder)}\n`)) {
        return {
          ok: true,
          release: () => {
            try {
              unlinkSync(path);
            } catch {
              // already gone: the workspace was replaced while we held it (init --force)
            }
          },
        };
      }
      const current = readHolder(path);
      if (current === undefined || processAlive(current.pid))
        return current === undefined ? { ok: false } : { ok: false, holder: current };
      breakStaleLock(path, current);
    }
    const current = readHolder(path);
    return current === undefined ? { ok: false } : { ok: false, holder: current };
  },
  sleep(ms) {
    Atomics.wait(sleeper, 0, 0, ms);
  },
};

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(bytes % 1024 === 0 ? 0 : 1)} KiB`;
  return `${bytes} bytes`;
}
