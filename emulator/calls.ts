/** One WeChat call the emulator received. It names the account, never the token, secret or ticket that came with it. */
export interface CallRecord {
  at: string;
  path: string;
  action?: string;
  appId?: string;
  /** null when no WeChat answer was given (HTTP error page, dropped connection before answering). */
  errcode: number | null;
  /** null when the connection was dropped. */
  httpStatus: number | null;
  /** The id of the injected fault that fired, if one did. */
  fault?: number;
}

/** Paths whose calls are counted per action, because one path serves several operations. */
const PATHS_WITH_ACTIONS = new Set(["/wxa/plugin", "/wxa/devplugin"]);

export class CallLog {
  private records: CallRecord[] = [];
  private counts = new Map<string, number>();

  static actionOf(path: string, body: Record<string, unknown>): string | undefined {
    return PATHS_WITH_ACTIONS.has(path) && typeof body.action === "string" ? body.action : undefined;
  }

  record(call: CallRecord): void {
    this.records.push(call);
    const key = call.action === undefined ? call.path : `${call.path}#${call.action}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  clear(): void {
    this.records = [];
    this.counts.clear();
  }

  toJSON(): { calls: CallRecord[]; counts: Record<string, number> } {
    return { calls: this.records, counts: Object.fromEntries(this.counts) };
  }
}
