/**
 * `npm run bench`: runs each scenario in its own process (so one that runs out of memory or time
 * is reported, not fatal), prints a table and writes bench-results.json. Options: `--only a,b`,
 * `--smoke` (CI's small run), `--timeout SECONDS` per scenario. Never a test: tests assert nothing
 * about time.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { timed } from './clock.js';
import { type Figures, runScenario, SCENARIOS } from './scenarios.js';

const SELF = fileURLToPath(import.meta.url);
/**
 * A 64 MB young generation (Node's default is 16 MB): messages in flight then die young instead
 * of being promoted and collected with the old generation. rr 2,000 converges in 15 s instead of
 * 20 s. The old generation's limit stays Node's default.
 */
const CHILD_FLAGS = ['--max-semi-space-size=64'];

function child(name: string): void {
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (scenario === undefined) throw new Error(`unknown scenario ${name}`);
  process.stdout.write(`${JSON.stringify(runScenario(scenario))}\n`);
}

function cliRoundTrip(): number {
  const bin = fileURLToPath(new URL('../../bin/podnet.js', import.meta.url));
  const topology = fileURLToPath(new URL('../../topologies/seed-lab.yaml', import.meta.url));
  return timed(() => spawnSync(process.execPath, [bin, '-t', topology, 'bgp', 'summary'], { encoding: 'utf8' }))[1];
}

type Result = { scenario: string; figures?: Figures; failed?: string };

function extra(f: Figures): string {
  if (f.reach !== undefined)
    return `reach matrix: ${f.reach.pairs} pairs in ${f.reach.seconds.toFixed(1)} s (${Math.round(f.reach.pairsPerSecond)}/s), ${f.reach.policies} policies`;
  if (f.reconvergeSeconds !== undefined)
    return `reconverge ${f.reconvergeSeconds.toFixed(2)} s, restore ${f.restoreSeconds?.toFixed(2)} s`;
  const quick =
    f.dispositionsPerSecond !== undefined ? `, ${Math.round(f.dispositionsPerSecond)} disposition-only/s` : '';
  return f.tracesPerSecond !== undefined ? `${Math.round(f.tracesPerSecond)} traces/s${quick}` : '';
}

function main(argv: readonly string[]): void {
  if (argv[0] === '--child') {
    child(argv[1] as string);
    return;
  }
  const option = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = argv.includes('--smoke') ? ['seed-lab', 'smoke-200', 'smoke-200-fail'] : option('--only')?.split(',');
  const timeout = Number(option('--timeout') ?? 600) * 1000;
  const chosen = SCENARIOS.filter((s) => (only ? only.includes(s.name) : !s.name.startsWith('smoke-')));
  const results = chosen.map((scenario) => runInChild(scenario, timeout));
  const roundTrip = cliRoundTrip();
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  writeFileSync(
    'bench-results.json',
    `${JSON.stringify({ machine, cliRoundTripSeconds: roundTrip, results }, null, 2)}\n`,
  );
  process.stdout.write(`${machine}\nCLI round trip (podnet -t seed-lab.yaml bgp summary): ${roundTrip.toFixed(2)} s\n`);
  process.stdout.write(report(results));
  process.stdout.write('wrote bench-results.json\n');
  const wrong = results.some((r) => r.figures?.spotChecks?.some((c) => c.problemCount > 0));
  if (wrong || results.some((r) => r.failed !== undefined)) process.exitCode = 1;
}

/** One scenario in its own process (its own heap and young-generation size), with a time limit. */
function runInChild(scenario: (typeof SCENARIOS)[number], timeout: number): Result {
  process.stderr.write(`bench: ${scenario.name} (${scenario.what}) ...\n`);
  const run = spawnSync(process.execPath, [...CHILD_FLAGS, SELF, '--child', scenario.name], {
    encoding: 'utf8',
    timeout,
    maxBuffer: 1 << 20,
  });
  const line = run.stdout.trim().split('\n').pop() ?? '';
  if (run.status === 0 && line.startsWith('{'))
    return { scenario: scenario.name, figures: JSON.parse(line) as Figures };
  const failed =
    run.error?.message.includes('ETIMEDOUT') || run.signal === 'SIGTERM'
      ? `did not finish within ${timeout / 1000} s`
      : /heap out of memory/i.test(run.stderr)
        ? 'ran out of memory (default heap)'
        : `exit ${run.status ?? run.signal}: ${run.stderr.trim().split('\n').pop() ?? ''}`;
  return { scenario: scenario.name, failed };
}

/** The results table and the spot checks, as the bench prints them. */
function report(results: readonly Result[]): string {
  const header = [
    'scenario',
    'build s',
    'converge s',
    'FIBs s',
    'peak MiB',
    'sessions',
    'UPDATE',
    'WITHDRAW',
    'Loc-RIB routes',
    'sim conv s',
    'extra',
  ];
  const rows = results.map(({ scenario, figures: f, failed }) =>
    f === undefined
      ? [scenario, failed ?? 'failed']
      : [
          scenario,
          f.buildSeconds.toFixed(2),
          f.convergeSeconds.toFixed(2),
          f.fibSeconds.toFixed(2),
          f.peakRssMiB.toFixed(0),
          `${f.established}/${f.sessions}`,
          String(f.updates),
          String(f.withdraws),
          String(f.locRibRoutes),
          f.simulatedConvergence.toFixed(3),
          extra(f),
        ],
  );
  const checks = results.flatMap(({ scenario, figures }) =>
    (figures?.spotChecks ?? []).map(
      (c) =>
        `${scenario}: ${c.check}: ${c.problemCount === 0 ? 'ok' : `${c.problemCount} wrong, e.g. ${c.problems.join('; ')}`} (${c.checked} checked)`,
    ),
  );
  const table = `${[header, ...rows].map((r) => r.join(' | ')).join('\n')}\n`;
  return checks.length > 0 ? `${table}spot checks:\n${checks.map((line) => `  ${line}\n`).join('')}` : table;
}

main(process.argv.slice(2));
