// Time comes from a Clock so tests can move it (sessions, codes, grants, business hours).
export interface Clock { now(): Date }

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests set and advance by hand. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: Date | string = '2026-01-15T10:00:00Z') { this.t = new Date(start).getTime(); }
  now(): Date { return new Date(this.t); }
  set(at: Date | string): void { this.t = new Date(at).getTime(); }
  advance(ms: number): void { this.t += ms; }
}
