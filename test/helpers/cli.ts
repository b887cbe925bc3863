/** Runs the podnet CLI in-process against a temporary directory, with a wall clock the test moves. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main.js';
import { type FileSystem, nodeFileSystem } from '../../src/io/fs.js';

export const REPO = resolve(import.meta.dirname, '../..');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class CliSandbox {
  readonly dir: string;
  wallMs = Date.UTC(2026, 10, 25, 12, 0, 0);

  constructor(
    private readonly env: Record<string, string> = {},
    /** A file system to run against instead of the real one (to inject failures). */
    private readonly fs: FileSystem = nodeFileSystem,
    /** Where the sandbox lives, when not a fresh temporary directory. */
    dir?: string,
  ) {
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'podnet-test-'));
  }

  async run(...argv: string[]): Promise<CliRun> {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      env: this.env,
      cwd: this.dir,
      wallMs: () => this.wallMs,
      fs: this.fs,
    });
    return { code, stdout, stderr };
  }

  advance(seconds: number): void {
    this.wallMs += seconds * 1000;
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function repoPath(...parts: string[]): string {
  return join(REPO, ...parts);
}

/** Lines of a kubectl-style table as arrays of cells (split on runs of 2+ spaces). */
export function tableRows(text: string): string[][] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => line.trim().split(/\s{2,}/));
}

/** One cell of a kubectl-style table: the row whose first cell is `name`, the column headed `header`. */
export function tableCell(text: string, name: string, header: string): string | undefined {
  const rows = tableRows(text);
  return rows.find((row) => row[0] === name)?.[rows[0]?.indexOf(header) ?? -1];
}
