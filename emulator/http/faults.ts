import { Refusal } from "../model/codes";

/** Longer than any sensible client time-out, short enough that a forgotten delay does not hold calls for long. */
export const MAX_DELAY_MS = 300_000;
/** A fault that should fire "forever" needs no `times`; a count beyond this is a mistake. */
export const MAX_TIMES = 1_000_000;
/** WeChat's codes run from -1 to seven digits (e.g. 9410000); 0 is success, which a fault that does not act cannot give. */
export const MIN_ERRCODE = -1;
export const MAX_ERRCODE = 9_999_999;
/** Every call looks through the faults in order; a longer table is a test that forgot to clear it. */
const MAX_FAULTS = 100;

/** A misbehaviour to inject through `POST /__emulator/faults`, for the WeChat calls on one path (and action, and account). */
export interface FaultSpec {
  path: string;
  action?: string;
  /** Only calls for this account, as the call log names it (the token's owner, or the app a token is asked for). */
  appId?: string;
  errcode?: number;
  httpStatus?: number;
  delayMs?: number;
  /** true or "before": the socket is destroyed without acting; "after": the call takes effect, then the answer is lost. */
  dropConnection?: boolean | "before" | "after";
  /** How many calls it fires for; no limit without it. */
  times?: number;
  /** The chance, from 0 to 1, that it fires for a matching call; default 1. */
  probability?: number;
}

/** A fault as the table keeps it. */
export interface Fault extends Omit<FaultSpec, "dropConnection" | "times" | "probability"> {
  id: number;
  dropConnection?: "before" | "after";
  /** How many more calls it fires for; undefined means no limit. */
  remaining?: number;
  probability: number;
}

export class Faults {
  private active: Fault[] = [];
  private nextId = 1;

  /** Adds a fault whose fields the control surface has checked; refuses when the table is full. */
  add(fault: Omit<Fault, "id">): Fault | Refusal {
    if (this.active.length >= MAX_FAULTS) {
      return new Refusal(`at most ${MAX_FAULTS} faults at a time; DELETE /__emulator/faults first`);
    }
    const added = { id: this.nextId++, ...fault };
    this.active.push(added);
    return added;
  }

  clear(): void {
    this.active = [];
  }

  /** The active faults in the order they are tried, with the calls each has left. */
  list(): readonly Fault[] {
    return this.active;
  }

  /** The fault that fires for this call, if any: the first matching one that wins its draw, using up one of its `times`. */
  take(path: string, action: string | undefined, appId: string | undefined): Fault | undefined {
    const fault = this.active.find(
      (candidate) =>
        candidate.path === path &&
        (candidate.action === undefined || candidate.action === action) &&
        (candidate.appId === undefined || candidate.appId === appId) &&
        Math.random() < candidate.probability,
    );
    if (fault?.remaining !== undefined) {
      fault.remaining -= 1;
      if (fault.remaining === 0) this.active = this.active.filter((candidate) => candidate !== fault);
    }
    return fault;
  }
}
