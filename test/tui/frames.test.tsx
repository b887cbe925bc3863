/** The TUI's frames as ink-testing-library renders them, driven by keys as a person would. */
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/tui/app.js';
import { TuiModel } from '../../src/tui/model.js';
import { initialState } from '../../src/tui/state.js';
import { lab } from '../helpers/sim.js';

const KEY = {
  right: '\u001B[C',
  left: '\u001B[D',
  down: '\u001B[B',
  up: '\u001B[A',
  tab: '\t',
  enter: '\r',
  escape: '\u001B',
};
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits for the frame a key produces instead of sleeping a fixed time: until the frame differs
 * from `before` (at most a second: some keys change nothing) and then holds still for 20 ms.
 */
async function nextFrame(current: () => string, before: string): Promise<string> {
  for (let waited = 0; current() === before && waited < 1_000; waited += 5) await pause(5);
  let frame = current();
  for (;;) {
    await pause(20);
    if (current() === frame) return frame;
    frame = current();
  }
}

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

async function open(file = 'seed-lab.yaml', at = 30) {
  const model = new TuiModel(lab(file), []);
  const app = render(<App model={model} initial={initialState(at)} color={false} size={{ columns: 80, rows: 24 }} />);
  unmount = app.unmount;
  const current = (): string => app.lastFrame() ?? '';
  await nextFrame(current, '');
  const press = async (...keys: string[]): Promise<string> => {
    for (const key of keys) {
      const before = current();
      app.stdin.write(key);
      await nextFrame(current, before);
    }
    return current();
  };
  return { frame: current, press };
}

describe('TUI frames', () => {
  it('opens on the cluster: machines, the selected one, its sessions, at 80x24', async () => {
    const { frame } = await open();
    const lines = frame().split('\n');
    expect(lines[0]).toBe('seed-lab t=30.000s || x10 [1 Cluster] 2 Pods  3 Events  4 Trace  ? help');
    expect(lines[1]).toMatch(/^Machines: <k8s-master> {2}node-1 {3}node-2 *$/);
    expect(frame()).toMatch(/^>10\.0\.1\.11 +node-1 +node-to-node mesh +Established$/m);
    // One row stays free so that Ink redraws in place instead of scrolling the terminal.
    expect(lines).toHaveLength(23);
    expect(lines.every((line) => line.length <= 80)).toBe(true);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are what this matches
    expect(frame()).not.toMatch(/\u001B\[/);
  });

  it('draws the first screen before the timeline, then shows the last event from it', async () => {
    const model = new TuiModel(lab('seed-lab.yaml'), []);
    const app = render(<App model={model} initial={initialState(30)} color={false} size={{ columns: 80, rows: 24 }} />);
    unmount = app.unmount;
    const first = app.lastFrame() ?? '';
    expect(first).toMatch(/^seed-lab t=30\.000s/);
    expect(first).toMatch(/^last event: working out the timeline\.\.\.$/m);
    const later = await nextFrame(() => app.lastFrame() ?? '', first);
    expect(later).toMatch(/^last event 2\.\d{3}s /m);
  });

  it("shows a node's BIRD routes and explains the selected one", async () => {
    const { press } = await open();
    expect(await press(KEY.right, 'r')).toMatch(/^>192\.168\.61\.0\/26 +blackhole \[static1 00:00:00\] \* \(200\)$/m);
    const why = await press(KEY.down, KEY.enter);
    expect(why).toMatch(/^Why \(esc to close\):$/m);
    expect(why).toMatch(/^192\.168\.235\.64\/26 on node-1: 1 candidate$/m);
    expect(await press('i')).toMatch(/^192\.168\.247\.0\/26 via 10\.0\.1\.12 dev tunl0 proto bird onlink$/m);
    expect(await press('p')).toMatch(/^date-pod +1\/1 +Running +192\.168\.61\.1 +node-1$/m);
  });

  it("fails a node and, once converged, its block is gone from the others' routes", async () => {
    const { press } = await open();
    await press(KEY.right, KEY.right, 'f');
    const down = await press(KEY.left, 'r', 'g');
    expect(down).toMatch(/^Machines: +k8s-master +<node-1> +node-2 DOWN *$/m);
    expect(down).toMatch(/t=242\.\d{3}s/);
    expect(down).not.toMatch(/^[> ]192\.168\.247\.0\/26 +via/m);
    expect(down).toMatch(/^last event 242\.\d{3}s node-1: 192\.168\.247\.0\/26 withdrawn$/m);
    expect(down).toMatch(/converged: routes last changed at 242\.\d{3}s/);
  });

  it('lists pods and describes one', async () => {
    const { press } = await open();
    const pods = await press('2');
    expect(pods).toMatch(/^>default +date-pod +1\/1 +Running +192\.168\.61\.1 +node-1$/m);
    // kubeadm's Services, below the pods: the API server's endpoint is the control plane.
    expect(pods).toMatch(/^default\/kubernetes +ClusterIP +10\.96\.0\.1 +1$/m);
    const described = await press(KEY.enter);
    expect(described).toMatch(/^Name: +date-pod$/m);
    expect(described).toMatch(/^Node: +node-1\/10\.0\.1\.11$/m);
  });

  it('shows the event log up to now', async () => {
    const { press } = await open();
    const events = await press('3');
    console.log(events);
    expect(events).toMatch(/^ +2\.0\d\ds {2}node-1 +Mesh_10_0_1_12 Established$/m);
    expect(events).not.toMatch(/withdrawn/);
  });

  it('traces between two pods and shows the disposition', async () => {
    const { press } = await open('two-rack.yaml', 5);
    const trace = await press('4', KEY.right);
    expect(trace).toMatch(/^From {2}client {2}to <server>: 80 /m);
    expect(trace.split('\n')[2]).toBe('=> ACCEPTED at default/server: web accepted 80/TCP');
    expect(trace).toMatch(/^ {2}3\. tor-1 \(ttl 62\)$/m);
    // The port is a field too: the next one is refused, since only 80 listens.
    const other = await press(KEY.right, KEY.down);
    expect(other).toMatch(/^From {2}client {2}to {2}server :<22>/m);
    expect(other.replace(/\n {4}/g, ' ')).toMatch(
      /^=> CONNECTION_REFUSED at default\/server: nothing listens on 22\/TCP in default\/server /m,
    );
  });

  it('answers the mouse: a click on a view, a machine, a tab, a row; the wheel scrolls', async () => {
    const { frame, press } = await open();
    // A click on the first row that shows `text` (rows may wrap, so they are found, not counted).
    const click = (text: string): string => {
      const lines = frame().split('\n');
      const row = lines.findIndex((line) => line.includes(text)) + 1;
      if (row === 0) throw new Error(`"${text}" is not on the screen:\n${frame()}`);
      const column = (lines[row - 1] ?? '').indexOf(text);
      return `\u001B[<0;${column + 2};${row}M`;
    };
    expect(await press(click('node-2'))).toMatch(/^Machines: +k8s-master +node-1 +<node-2> *$/m);
    expect(await press(click('r Routes'))).toMatch(/^ s Sessions {2}\[r Routes\]/m);
    const second = await press(click('192.168.235.64/26'));
    expect(second).toMatch(/^>192\.168\.235\.64\/26 /m);
    expect(await press('\u001B[<64;1;6M')).toMatch(/^>192\.168\.61\.0\/26 /m);
    expect(await press(click('2 Pods'))).toMatch(/\[2 Pods\]/);
  });

  it('traces to a Service too: past the pods come the Services, through kube-proxy', async () => {
    const { press } = await open('seed-lab.yaml', 30);
    const toService = await press('4', KEY.right, KEY.down);
    expect(toService).toMatch(/^From {2}date-pod {2}to <svc\/kubernetes>: 443 /m);
    expect(toService).toMatch(/^=> ACCEPTED at k8s-master: kube-apiserver on k8s-master accepted 6443\/TCP$/m);
    expect(toService).toMatch(/SERVICE_DNAT +KUBE-SERVICES -> KUBE-SVC-NPX46M4PTMTKRN6Y/);
  });

  it('lists the policies in the Pods view and shows a trace decided by one', async () => {
    const { press } = await open('labs/calico-global-policy/lab.yaml', 30);
    const pods = await press('2');
    expect(pods).toMatch(/^POLICY +TIER\/ORDER +TYPES +SELECTOR$/m);
    expect(pods).toMatch(/^gnp security\.quarantine +security\/10 +Ingress +all\(\)$/m);
    expect(pods).toMatch(/^knp default\/allow-web +default\/1000 +Ingress +app=web$/m);
    // From client to db, the first destination: denied at the end of the default tier.
    const trace = await press('4', KEY.right);
    expect(trace).toMatch(/^From {2}client {2}to <db>: 6379 /m);
    expect(trace.replace(/\n {4}/g, ' ')).toMatch(
      /^=> DENIED_IN at node-2: ingress of default\/db: no rule matched: end of tier default/m,
    );
    expect(trace).toMatch(/^ +POLICY +cali/m);
  });

  it('wraps long lines at 80 columns instead of cutting the reason or the best marker', async () => {
    const { frame, press } = await open('seed-lab.yaml', 3);
    const trace = await press('4');
    expect(trace).not.toMatch(/~$/m);
    expect(trace.replace(/\n {4}/g, ' ')).toMatch(/CONNECTION_REFUSED .*\(pod is \w+/);
    await press('1', KEY.right, 'r');
    expect(frame()).not.toMatch(/~$/m);
    expect(frame()).toMatch(/\* \(/);
  });

  it('a link failed with l shows as the last event', async () => {
    const { press } = await open();
    // k8s-master's Sessions tab opens with its first peer (node-1) selected.
    const failed = await press('l');
    expect(failed).toMatch(/^last event 30\.000s /m);
    expect(await press('3')).toMatch(/^ +30\.000s +k8s-master +link to node-1 failed$/m);
  });

  it('R restarts BIRD gracefully once; pressed again while it is down, it says so and records nothing', async () => {
    const { press } = await open();
    expect(await press(KEY.right, 'R')).toMatch(/node-1: BIRD restarted gracefully, down for 10s at 30\.0s/);
    expect(await press('R')).toMatch(/node-1: BIRD is already down for a graceful restart: nothing to restart/);
    const events = await press('3');
    expect(events.match(/node-1 +BIRD stopped for a graceful restart/g)).toHaveLength(1);
  });

  it('a stopped node looks stopped in the machines, its own line, its tabs and the Pods view', async () => {
    const { press } = await open();
    const stopped = await press(KEY.right, KEY.right, 'f');
    expect(stopped).toMatch(/<node-2 DOWN>/);
    expect(stopped).toMatch(/STOPPED$/m);
    expect(stopped).toMatch(/^Calico process is not running\.$/m);
    await press(KEY.left, 'f', KEY.right, KEY.right);
    expect(await press('2')).toMatch(/^>default +date-pod +1\/1 +Running \(down\) +192\.168\.61\.1 +node-1$/m);
  });

  it('a failed node turns NotReady on its line when kubectl would say so, 40 s after it stopped', async () => {
    const { press } = await open();
    const failed = await press(KEY.right, 'f');
    expect(failed).toMatch(/^node-1: node, Ready, AS 64512/m);
    let frame = failed;
    for (let i = 0; i < 10 && !/node-1: node, NotReady/.test(frame); i++) frame = await press('n');
    expect(frame).toMatch(/^node-1: node, NotReady, AS 64512/m);
    expect(Number(/ t=([\d.]+)s /.exec(frame.split('\n')[0] ?? '')?.[1])).toBeGreaterThanOrEqual(70);
  });

  it("keeps the selected row's columns in line with the others", async () => {
    const { frame } = await open();
    const rows = frame()
      .split('\n')
      .filter((line) => line.includes('node-to-node mesh'));
    expect(rows).toHaveLength(2);
    expect(rows[0]?.startsWith('>')).toBe(true);
    expect(rows[1]?.startsWith(' ')).toBe(true);
    expect(new Set(rows.map((line) => line.indexOf('node-to-node mesh'))).size).toBe(1);
  });

  it('acts on every key of a burst, as fast typing, key repeat and paste deliver them', async () => {
    const { press } = await open();
    expect((await press('23')).split('\n')[0]).toMatch(/\[3 Events\]/);
    expect((await press('21')).split('\n')[0]).toMatch(/\[1 Cluster\]/);
    expect((await press('++')).split('\n')[0]).toMatch(/ x600 /);
  });

  it('n steps to the next pod lifecycle event too, not only to BGP changes', async () => {
    const { press } = await open('seed-lab.yaml', 3);
    const frame = await press('n');
    expect(frame).toMatch(/stepped to \d+\.\d{3}s/);
    const at = Number(/ t=([\d.]+)s /.exec(frame.split('\n')[0] ?? '')?.[1]);
    expect(at).toBeGreaterThan(3);
    expect(at).toBeLessThan(60);
  });

  it('lists every key on ?', async () => {
    const { press } = await open();
    const help = await press('?');
    expect(help).toMatch(/^ {2}space {12}play \/ pause simulated time$/m);
    expect(help).toMatch(/^ {2}q {16}quit$/m);
  });
});
