/**
 * `npm run fuzz [-- --count N --seed S]`: mutants of every shipped topology, each exercised in a
 * worker thread with a memory limit and a watchdog, so that a hang or a runaway allocation is
 * caught and counted rather than taking the run down. Prints the figures README quotes and exits
 * 1 if any mutant ended in an internal error, an unlocated message, a hang or too much memory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { exercise, type Outcome } from './exercise.js';
import { type Mutant, mutants } from './mutate.js';
import { prepareDirectory, seedlings } from './seedlings.js';

const TOPOLOGIES = fileURLToPath(new URL('../../topologies', import.meta.url));
/** A mutant that takes longer than this is a hang. */
const HANG_MS = 20_000;
/** The old-generation limit of each worker: a mutant that needs more is a runaway allocation. */
const MEMORY_MB = 1024;

interface Report {
  readonly outcomes: Outcome[];
  readonly hangs: string[];
  readonly overMemory: string[];
  validated: number;
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

/** Runs mutants in one worker until all are done or the worker dies; returns where it stopped. */
function runWorker(queue: Mutant[], start: number, dir: string, report: Report): Promise<number> {
  return new Promise((resolve) => {
    const worker = new Worker(fileURLToPath(import.meta.url), {
      workerData: { mutants: queue.slice(start), dir },
      resourceLimits: { maxOldGenerationSizeMb: MEMORY_MB },
    });
    let next = start;
    let watchdog = setTimeout(() => void worker.terminate(), HANG_MS);
    let verdict: 'hang' | 'memory' | undefined;
    worker.on('message', (outcome: Outcome) => {
      clearTimeout(watchdog);
      report.outcomes.push(outcome);
      if (outcome.valid) report.validated++;
      next++;
      watchdog = setTimeout(() => {
        verdict = 'hang';
        void worker.terminate();
      }, HANG_MS);
    });
    worker.on('error', (error) => {
      if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') verdict = 'memory';
    });
    worker.on('exit', () => {
      clearTimeout(watchdog);
      if (next < queue.length) {
        const name = (queue[next] as Mutant).name;
        if (verdict === 'memory') report.overMemory.push(name);
        else report.hangs.push(name);
        next++;
      }
      resolve(next);
    });
  });
}

async function coordinator(): Promise<void> {
  const count = option('--count', 4000);
  const seed = option('--seed', 20261130);
  const queue = mutants(seedlings(TOPOLOGIES), seed, count);
  const report: Report = { outcomes: [], hangs: [], overMemory: [], validated: 0 };
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'podnet-fuzz-'));
  prepareDirectory(TOPOLOGIES, dir);
  let next = 0;
  try {
    while (next < queue.length) next = await runWorker(queue, next, dir, report);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  const failures = report.outcomes.filter((o) => o.verdict !== 'held');
  const slowestOutcome = report.outcomes.reduce<(typeof report.outcomes)[number] | undefined>(
    (max, o) => (max === undefined || o.ms > max.ms ? o : max),
    undefined,
  );
  const slowest = slowestOutcome?.ms ?? 0;
  console.log(
    `podnet fuzz: ${queue.length} mutants (seed ${seed}) in ${seconds.toFixed(1)} s; ${report.validated} were valid and also went through check and status`,
  );
  console.log(`  internal errors: ${failures.filter((o) => o.verdict === 'internal-error').length}`);
  console.log(`  unlocated messages: ${failures.filter((o) => o.verdict === 'unlocated').length}`);
  console.log(`  hangs (over ${HANG_MS / 1000} s): ${report.hangs.length}`);
  console.log(`  over ${MEMORY_MB} MB: ${report.overMemory.length}`);
  console.log(
    `  slowest mutant: ${(slowest / 1000).toFixed(2)} s${slowestOutcome === undefined ? '' : ` (${slowestOutcome.mutant})`}`,
  );
  for (const failure of failures.slice(0, 20))
    console.log(
      `  ${failure.verdict} ${failure.mutant} (${failure.command}): ${(failure.detail ?? '').split('\n')[0]}`,
    );
  for (const name of [...report.hangs, ...report.overMemory].slice(0, 20))
    console.log(`  limit ${name}: ${queue.find((m) => m.name === name)?.edits.join('; ')}`);
  process.exitCode = failures.length + report.hangs.length + report.overMemory.length > 0 ? 1 : 0;
}

async function work(): Promise<void> {
  const { mutants: todo, dir } = workerData as { mutants: Mutant[]; dir: string };
  for (const mutant of todo) parentPort?.postMessage(await exercise(mutant, dir));
}

if (isMainThread) await coordinator();
else await work();
