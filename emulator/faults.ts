/** A misbehaviour injected through `POST /__emulator/faults`, for the WeChat calls on one path (and action, and account). */
export interface Fault {
  id: number;
  path: string;
  action?: string;
  /** Only calls for this account, as the call log names it (the token's owner, or the app a token is asked for). */
  appId?: string;
  errcode?: number;
  httpStatus?: number;
  delayMs?: number;
  /** "before": the socket is destroyed without acting; "after": the call takes effect, then the answer is lost. */
  dropConnection?: "before" | "after";
  /** How many more calls it fires for; undefined means no limit. */
  remaining?: number;
  probability: number;
}

export class Faults {
  private active: Fault[] = [];
  private nextId = 1;

  /** Adds a fault from an untrusted request body; returns it, or a message saying what is wrong. */
  add(spec: unknown): Fault | string {
    if (typeof spec !== "object" || spec === null || Array.isArray(spec)) return "the body must be a JSON object";
    const fields = spec as Record<string, unknown>;
    const { path, action, appId, errcode, httpStatus, delayMs, dropConnection, times, probability } = fields;
    const known = ["path", "action", "appId", "errcode", "httpStatus", "delayMs", "dropConnection", "times", "probability"];
    const unknown = Object.keys(fields).find((key) => !known.includes(key));
    if (unknown !== undefined) return `${unknown} is not a fault field (expected one of ${known.join(", ")})`;
    if (typeof path !== "string" || !path.startsWith("/")) return "path must be a string starting with /";
    if (action !== undefined && typeof action !== "string") return "action must be a string";
    if (appId !== undefined && typeof appId !== "string") return "appId must be a string";
    if (errcode !== undefined && !Number.isInteger(errcode)) return "errcode must be an integer";
    if (httpStatus !== undefined && !(Number.isInteger(httpStatus) && (httpStatus as number) >= 400 && (httpStatus as number) <= 599)) {
      return "httpStatus must be an integer from 400 to 599";
    }
    if (delayMs !== undefined && !(typeof delayMs === "number" && delayMs >= 0)) return "delayMs must be a number ≥ 0";
    if (dropConnection !== undefined && ![true, false, "before", "after"].includes(dropConnection as string | boolean)) {
      return 'dropConnection must be true, "before" or "after"';
    }
    if (times !== undefined && !(Number.isInteger(times) && (times as number) > 0)) return "times must be a whole number ≥ 1";
    if (probability !== undefined && !(typeof probability === "number" && probability >= 0 && probability <= 1)) {
      return "probability must be a number from 0 to 1";
    }
    const drop = dropConnection === true ? "before" : dropConnection === false ? undefined : (dropConnection as "before" | "after" | undefined);
    if (errcode === undefined && httpStatus === undefined && delayMs === undefined && drop === undefined) {
      return "a fault needs errcode, httpStatus, delayMs or dropConnection";
    }
    const fault: Fault = {
      id: this.nextId++,
      path,
      action,
      appId,
      errcode: errcode as number | undefined,
      httpStatus: httpStatus as number | undefined,
      delayMs,
      dropConnection: drop,
      remaining: times as number | undefined,
      probability: probability ?? 1,
    };
    this.active.push(fault);
    return fault;
  }

  clear(): void {
    this.active = [];
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
