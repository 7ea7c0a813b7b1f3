import { Refusal } from "./codes";

const DAY_MS = 24 * 3600 * 1000;

/** One advance moves the clock at most a year: more than anything the world times out needs (tokens 2 h, applications 48 h). */
export const MAX_ADVANCE_SECONDS = 365 * 24 * 3600;

/**
 * The clock stays within 100 years of the machine's. A JavaScript date ends at about 275,760 AD, and a clock beyond
 * it makes every date invalid; the bound keeps far from that whatever the number of advances.
 */
export const MAX_OFFSET_MS = 100 * 365 * DAY_MS;

/** Whether an offset keeps every date of the world valid: one the control surface or a state file may set. */
export function isValidOffset(offsetMs: number): boolean {
  return Number.isFinite(offsetMs) && offsetMs >= 0 && offsetMs <= MAX_OFFSET_MS;
}

/**
 * The emulator's time: the machine's clock plus an offset that `POST /__emulator/clock` moves forward,
 * so tests can expire tokens and time out applications without waiting.
 */
export class Clock {
  offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Moves the clock forward, unless that would take it past MAX_OFFSET_MS. */
  advance(seconds: number): Refusal | undefined {
    const offsetMs = this.offsetMs + seconds * 1000;
    if (!isValidOffset(offsetMs)) {
      const days = Math.floor(this.offsetMs / DAY_MS);
      return new Refusal(`the clock is ${days} days ahead and stays within ${MAX_OFFSET_MS / DAY_MS} days (100 years) of real time; reset to go back`);
    }
    this.offsetMs = offsetMs;
    return undefined;
  }
}
