/**
 * The real `podnet tui` in a real pseudo-terminal (tmux), used as a person would: open the seed
 * lab, select node-1, fail node-2, step until converged, see node-2's block withdrawn from
 * node-1's routes, run a trace and see its disposition, quit.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { repoPath } from '../helpers/cli.js';
import { needs } from '../helpers/tools.js';

const SESSION = `podnet-e2e-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-t', SESSION, '-p');
const keys = (...k: string[]): void => void tmux('send-keys', '-t', SESSION, ...k);
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(test: (text: string) => boolean, what: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const text = screen();
    if (test(text)) return text;
    await pause(100);
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`);
}

afterAll(() => {
  try {
    tmux('kill-session', '-t', SESSION);
  } catch {
    // already gone
  }
});

const tmuxTool = needs('tmux', 'apt-get install tmux; .ci/run does');

describe.skipIf(tmuxTool.skip)('podnet tui in a terminal', () => {
  it('fails a node, steps to convergence, traces, and quits', async () => {
    // A person's terminal does not carry the CI runner's variables; with CI set, Ink would not redraw.
    const command = `cd ${repoPath()} && env -u CI -u CONTINUOUS_INTEGRATION node bin/podnet.js tui topologies/seed-lab.yaml; echo "podnet exited with $?"; sleep 30`;
    tmux('new-session', '-d', '-s', SESSION, '-x', '100', '-y', '30', command);
    await waitFor((s) => s.includes('Machines:'), 'the cluster view');

    keys('Right', 'Right');
    await waitFor((s) => /<node-2>/.test(s), 'node-2 selected');
    keys('f');
    await waitFor((s) => s.includes('node-2 stopped at'), 'node-2 stopped');
    keys('Left', 'r');
    const before = await waitFor((s) => /<node-1>/.test(s) && s.includes('r Routes]'), 'node-1 routes');
    expect(before).toMatch(/^[> ]192\.168\.247\.0\/26 +via 10\.0\.1\.12 on eth0/m);

    let routes = before;
    for (let step = 0; step < 40 && /^[> ]192\.168\.247\.0\/26 +via/m.test(routes); step++) {
      keys('n');
      await pause(150);
      routes = screen();
    }
    expect(routes).not.toMatch(/^[> ]192\.168\.247\.0\/26 +via/m);
    expect(routes).toMatch(/t=242\.\d{3}s/);
    expect(routes).toMatch(/node-1: 192\.168\.247\.0\/26 withdrawn/);

    keys('4');
    const trace = await waitFor((s) => s.includes('=> '), 'a trace');
    expect(trace).toMatch(/^=> ACCEPTED at default\/date-pod: hello-ctr accepted 8080\/TCP$/m);

    // A mouse click on "2 Pods" in the header, as the terminal reports it (SGR encoding).
    const column = (screen().split('\n')[0] ?? '').indexOf('2 Pods') + 2;
    tmux('send-keys', '-t', SESSION, '-l', `\u001B[<0;${column};1M`);
    await waitFor((s) => s.includes('[2 Pods]'), 'the Pods view after a click');

    keys('q');
    const after = await waitFor((s) => s.includes('podnet exited with 0'), 'podnet to exit');
    // The UI drew on the alternate screen: quitting gives the shell's screen back, without it.
    expect(after).not.toContain('Machines:');
  });
});
