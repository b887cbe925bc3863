/**
 * The BGP session state machine (RFC 4271 §8), pure: a state and an event give the next state
 * and, for failures, the error BIRD would show. Timers and sockets live in the network that
 * drives it; this module only knows the transitions.
 */
export type BgpState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export type SessionEvent =
  | { readonly kind: 'start' }
  | { readonly kind: 'connect-retry' }
  | { readonly kind: 'tcp-failed'; readonly error: string }
  | { readonly kind: 'tcp-up' }
  | { readonly kind: 'open-received' }
  | { readonly kind: 'keepalive-received' }
  | { readonly kind: 'notification'; readonly error: string }
  | { readonly kind: 'hold-expired' }
  | { readonly kind: 'stop'; readonly error: string };

export interface Transition {
  readonly next: BgpState;
  readonly error?: string;
}

export function step(state: BgpState, event: SessionEvent): Transition {
  switch (event.kind) {
    case 'start':
      return { next: state === 'Idle' ? 'Active' : state };
    case 'connect-retry':
      return state === 'Active' || state === 'Idle' ? { next: 'Connect' } : { next: state };
    case 'tcp-failed':
      return { next: 'Active', error: event.error };
    case 'tcp-up':
      return state === 'Connect' || state === 'Active' ? { next: 'OpenSent' } : { next: state };
    case 'open-received':
      return state === 'OpenSent' ? { next: 'OpenConfirm' } : { next: state };
    case 'keepalive-received':
      return state === 'OpenConfirm' ? { next: 'Established' } : { next: state };
    case 'notification':
      return { next: 'Idle', error: event.error };
    case 'hold-expired':
      return { next: 'Idle', error: 'Hold timer expired' };
    case 'stop':
      return { next: 'Idle', error: event.error };
  }
}

/** BIRD's protocol state column: `up` when Established, `start` while trying, `down` when stopped. */
export function birdProtocolState(state: BgpState, running: boolean): 'up' | 'start' | 'down' {
  if (!running) return 'down';
  return state === 'Established' ? 'up' : 'start';
}

/** Calico's timers (BIRD defaults except connect delay and retry, which confd sets). */
/** BGP's well-known TCP port (RFC 4271 §8.2.1): where routers listen; Calico nodes listen on BGPConfiguration's listenPort. */
export const BGP_PORT = 179;

export const TIMERS = {
  connectDelay: 2,
  connectRetry: 5,
  hold: 240,
  keepalive: 80,
  errorWaitMin: 5,
  errorWaitMax: 30,
} as const;
