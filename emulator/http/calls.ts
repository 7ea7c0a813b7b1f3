import { EventEmitter } from "node:events";
import type { World } from "../model/world";
import { stringField } from "./protocol";

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

/** The log of WeChat calls; it tells its listeners (the console's event streams) of each record and of each clearing. */
export class CallLog extends EventEmitter<{ record: [CallRecord]; clear: [] }> {
  private records: CallRecord[] = [];
  private counts = new Map<string, number>();

  static actionOf(path: string, body: Record<string, unknown>): string | undefined {
    return PATHS_WITH_ACTIONS.has(path) && typeof body.action === "string" ? body.action : undefined;
  }

  record(call: CallRecord): void {
    this.records.push(call);
    const key = call.action === undefined ? call.path : `${call.path}#${call.action}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.emit("record", call);
  }

  clear(): void {
    this.records = [];
    this.counts.clear();
    this.emit("clear");
  }

  /** The newest `count` calls that pass `keep`, newest first. */
  newest(count: number, keep: (call: CallRecord) => boolean): CallRecord[] {
    const found: CallRecord[] = [];
    for (let index = this.records.length - 1; index >= 0 && found.length < count; index--) {
      if (keep(this.records[index])) found.push(this.records[index]);
    }
    return found;
  }

  toJSON(): { calls: CallRecord[]; counts: Record<string, number> } {
    return { calls: this.records, counts: Object.fromEntries(this.counts) };
  }
}

/** The account a call concerns, for the call log: the token's owner, or the app a token request names. Never the token itself. */
export function accountOf(world: World, path: string, query: URLSearchParams, body: Record<string, unknown>): string | undefined {
  switch (path) {
    case "/cgi-bin/token":
      return query.get("appid") ?? undefined;
    case "/cgi-bin/stable_token":
      return stringField(body, "appid");
    case "/cgi-bin/component/api_component_token":
      return stringField(body, "component_appid");
    case "/cgi-bin/component/api_authorizer_token":
      return stringField(body, "authorizer_appid");
  }
  const value = query.get("access_token") ?? query.get("component_access_token");
  return value ? world.tokens.get(value)?.appId : undefined;
}
