// The control surface's one client: for the demo, the benchmark, our tests and users' own test suites. It speaks
// only HTTP to `/__emulator/…`, so it works against an emulator in this process, another process or a container.
import type { CallLogState } from "./http/control";
import type { FaultSpec } from "./http/faults";
import type { BindingState, ConsoleWorld, LinkState, WorldState } from "./http/world";
import type { AdminAnswer } from "./model/links";
import type { DeveloperAnswer } from "./model/plugins";
import type { QuotaLimit } from "./model/world";

export type { CallRecord } from "./http/calls";
export type { CallLogState } from "./http/control";
export type { FaultSpec } from "./http/faults";
export type { BindingState, ConsoleWorld, LinkState, WorldState } from "./http/world";

/** Which part of the world `world()` answers: accounts matching `search` (app id, nickname or original id), a page of `limit` (default 25, at most 500) from each offset. */
export interface WorldQuery {
  search?: string;
  miniProgramOffset?: number;
  officialAccountOffset?: number;
  limit?: number;
}

/** An admin's answer to a link: `by` names the admin, `accept` their answer. */
export type LinkAnswer = AdminAnswer;
/** The plugin developer's answer to a pending application; `reason` (the refusal reason) only with `accept: false`. */
export type PluginAnswer = DeveloperAnswer;
/** A daily limit on a WeChat path: for the account `appId`, or without it for every account. */
export type QuotaSpec = QuotaLimit;

/** A control request the emulator refused; `status` is its HTTP status (400, 404, 405 or 409). */
export class EmulatorControlError extends Error {
  override name = "EmulatorControlError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Drives a running emulator through its control surface (`/__emulator/…`). */
export class EmulatorClient {
  readonly url: string;

  /** `url` is the emulator's base URL, e.g. `http://127.0.0.1:8787`. */
  constructor(url: string) {
    this.url = url.replace(/\/+$/, "");
  }

  health(): Promise<{ status: "ok"; now: string }> {
    return this.request("GET", "health");
  }

  /** Back to the seed: no bindings, links, tokens or quota counters, the seed's quotas; faults and the call log cleared; the clock back to real time. */
  async reset(): Promise<void> {
    await this.request("POST", "reset");
  }

  state(): Promise<WorldState> {
    return this.request("GET", "state");
  }

  /** The console's view: accounts with their names and entries or links, a page at a time; what waits for people; the faults. */
  world(query: WorldQuery = {}): Promise<ConsoleWorld> {
    const given = Object.entries(query).filter(([, value]) => value !== undefined);
    const parameters = new URLSearchParams(given.map(([name, value]): [string, string] => [name, String(value)]));
    return this.request("GET", `world${parameters.size ? `?${parameters.toString()}` : ""}`);
  }

  calls(): Promise<CallLogState> {
    return this.request("GET", "calls");
  }

  async clearCalls(): Promise<void> {
    await this.request("DELETE", "calls");
  }

  /** Resolves to the fault's id, as the call log names it when the fault fires. */
  async addFault(fault: FaultSpec): Promise<number> {
    return (await this.request<{ id: number }>("POST", "faults", fault)).id;
  }

  async clearFaults(): Promise<void> {
    await this.request("DELETE", "faults");
  }

  /** Moves the emulator's clock forward; resolves to its new time. */
  async advanceClock(seconds: number): Promise<string> {
    return (await this.request<{ now: string }>("POST", "clock", { advanceSeconds: seconds })).now;
  }

  /** Sets a daily limit on a path; what the account (or each account) used today counts against it. */
  async setQuota(quota: QuotaSpec): Promise<void> {
    await this.request("POST", "quotas", quota);
  }

  /** Answers as an admin would; resolves to the link afterwards, or null once it is removed. */
  async confirmLink(answer: LinkAnswer): Promise<LinkState | null> {
    return (await this.request<{ link: LinkState | null }>("POST", "links/confirm", answer)).link;
  }

  /** Answers a pending application as the plugin developer would; resolves to the entry afterwards. */
  async answerPluginApplication(answer: PluginAnswer): Promise<BindingState> {
    return (await this.request<{ binding: BindingState }>("POST", "plugins/answer", answer)).binding;
  }

  private async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.url}/__emulator/${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      // fetch says only "fetch failed"; the cause (ECONNREFUSED, …) and the URL are what tell a person what is wrong.
      const cause = (error as { cause?: unknown }).cause ?? error;
      throw new Error(`${method} ${this.url}/__emulator/${path}: the emulator cannot be reached: ${String(cause)}`, { cause: error });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new EmulatorControlError(response.status, `${method} /__emulator/${path}: the answer is not JSON: ${text.slice(0, 200)}`);
    }
    if (!response.ok) {
      const error = (parsed as { error?: unknown } | undefined)?.error;
      throw new EmulatorControlError(response.status, `${method} /__emulator/${path} failed (HTTP ${response.status}): ${typeof error === "string" ? error : text}`);
    }
    return parsed as T;
  }
}
