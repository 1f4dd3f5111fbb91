// Every state the API names (BookingState in docs/openapi.json), in the order a booking lives them.

export const STATES = ['scheduled', 'provisioning', 'active', 'held', 'releasing', 'released', 'failed', 'needs_cleanup'] as const;

export const STATE_HELP: Record<string, string> = {
  scheduled: 'allocated, waiting for its start',
  provisioning: 'hosts being powered, imaged and wired',
  active: 'ready for its users',
  held: 'a step failed: waiting for an operator',
  releasing: 'undoing every step',
  released: 'ended, everything undone',
  failed: 'could not be carried out; its undos ran',
  needs_cleanup: 'an undo kept failing: waiting for an operator',
};

/** States in which a booking holds its hosts (shown on the timeline by default). */
export const HOLDING = new Set(['scheduled', 'provisioning', 'active', 'held', 'releasing', 'needs_cleanup']);

/** Release applies while the booking is not closed (the API answers 409 BookingClosed otherwise). */
export const RELEASABLE = new Set(['scheduled', 'provisioning', 'active', 'held']);

export const stateLabel = (s: string): string => s.replace('_', ' ');
