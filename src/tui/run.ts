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

export async function runTui(options: TuiOptions): Promise<void> {
  const model = new TuiModel(options.topology, options.journal);
  const app = render(createElement(App, { model, initial: initialState(options.at), color: options.color }), {
    stdin: options.terminal.stdin,
    stdout: options.terminal.stdout,
    exitOnCtrlC: true,
  });
  await app.waitUntilExit();
}
