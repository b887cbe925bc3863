/** The only place the terminal UI is rendered: a real terminal gets Ink, anything else a summary. */
import { render } from 'ink';
import { createElement } from 'react';
import type { WorldOp } from '../core/bgp/simulate.js';
import type { Topology } from '../core/topology/model.js';
import { App } from './app.js';
import { TuiModel } from './model.js';
import { initialState } from './state.js';

export interface Terminal {
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
}

export interface TuiOptions {
  readonly topology: Topology;
  readonly journal: readonly WorldOp[];
  readonly at: number;
  readonly terminal: Terminal;
  readonly color: boolean;
}

/** xterm mouse reporting: button presses, in the SGR encoding; and the sequence that ends it. */
const MOUSE_ON = '\u001B[?1000h\u001B[?1006h';
const MOUSE_OFF = '\u001B[?1000l\u001B[?1006l';
/** The alternate screen, as full-screen programs use it: the shell's screen comes back on quit. */
const ALTERNATE_SCREEN_ON = '\u001B[?1049h';
const ALTERNATE_SCREEN_OFF = '\u001B[?1049l';

export async function runTui(options: TuiOptions): Promise<void> {
  const model = new TuiModel(options.topology, options.journal);
  const { stdout } = options.terminal;
  stdout.write(ALTERNATE_SCREEN_ON + MOUSE_ON);
  try {
    const app = render(createElement(App, { model, initial: initialState(options.at), color: options.color }), {
      stdin: options.terminal.stdin,
      stdout,
      exitOnCtrlC: true,
    });
    await app.waitUntilExit();
  } finally {
    stdout.write(MOUSE_OFF + ALTERNATE_SCREEN_OFF);
  }
}
