/** The session state machine alone: RFC 4271 states and the errors BIRD shows. */
import { describe, expect, it } from 'vitest';
import { type BgpState, birdProtocolState, type SessionEvent, step } from '../../src/core/bgp/session.js';

function run(events: SessionEvent[], from: BgpState = 'Idle'): BgpState[] {
  const states: BgpState[] = [];
  let state = from;
  for (const event of events) {
    state = step(state, event).next;
    states.push(state);
  }
  return states;
}

describe('session FSM', () => {
  it('opens: Idle, Active, Connect, OpenSent, OpenConfirm, Established', () => {
    expect(
      run([
        { kind: 'start' },
        { kind: 'connect-retry' },
        { kind: 'tcp-up' },
        { kind: 'open-received' },
        { kind: 'keepalive-received' },
      ]),
    ).toEqual(['Active', 'Connect', 'OpenSent', 'OpenConfirm', 'Established']);
  });

  it('a refused connection goes back to Active with the socket error', () => {
    expect(step('Connect', { kind: 'tcp-failed', error: 'Socket: Connection refused' })).toEqual({
      next: 'Active',
      error: 'Socket: Connection refused',
    });
  });

  it('an AS mismatch is a NOTIFICATION that drops to Idle', () => {
    expect(step('OpenSent', { kind: 'notification', error: 'Received: Bad peer AS' })).toEqual({
      next: 'Idle',
      error: 'Received: Bad peer AS',
    });
  });

  it('a silent peer ends at hold timer expiry', () => {
    expect(step('Established', { kind: 'hold-expired' })).toEqual({ next: 'Idle', error: 'Hold timer expired' });
  });

  it("shows BIRD's protocol state: up only when Established", () => {
    expect(birdProtocolState('Established', true)).toBe('up');
    expect(birdProtocolState('Active', true)).toBe('start');
    expect(birdProtocolState('Established', false)).toBe('down');
  });
});
