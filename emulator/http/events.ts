import type { ServerResponse } from "node:http";
import type { CallLog, CallRecord } from "./calls";

/** Which calls a stream carries: those whose account contains `appId` (in any case), on the path `path`; every call without either. */
export interface CallFilter {
  appId?: string;
  path?: string;
}

/** The newest calls a stream starts with, as many as the console shows. */
export const CALL_BACKLOG = 500;
/**
 * What a stream may hold unsent. A console that stops reading (a tab in the background, a paused debugger) is cut
 * off rather than buffered without end; its browser comes back by itself and starts afresh from the backlog.
 */
const MAX_UNSENT_BYTES = 256 * 1024;
/** Changes closer together than this make one `change` event: the console re-reads the world once for a burst of calls. */
const CHANGE_COALESCE_MS = 50;

/**
 * `GET /__emulator/events`: server-sent events for the console. `calls` (the backlog, newest first, and `[]` when the
 * log is cleared) replaces the page's log; `call` adds one call; `change` says that the world, the clock or the faults
 * changed, so the page re-reads `/__emulator/world`.
 */
export class EventStreams {
  private readonly streams = new Map<ServerResponse, CallFilter>();
  private changeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly calls: CallLog) {
    calls.on("record", (call) => {
      for (const [response, filter] of this.streams) if (matches(call, filter)) this.send(response, "call", call);
    });
    calls.on("clear", () => {
      for (const response of this.streams.keys()) this.send(response, "calls", []);
    });
  }

  open(response: ServerResponse, filter: CallFilter): void {
    response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store" });
    this.streams.set(response, filter);
    response.on("close", () => this.streams.delete(response));
    // A stream that breaks (a cut-off console, a restarted emulator) is opened again by the browser within a second.
    response.write("retry: 1000\n\n");
    this.send(response, "calls", this.calls.newest(CALL_BACKLOG, (call) => matches(call, filter)));
  }

  changed(): void {
    this.changeTimer ??= setTimeout(() => {
      this.changeTimer = undefined;
      for (const response of this.streams.keys()) this.send(response, "change", {});
    }, CHANGE_COALESCE_MS);
  }

  /** Ends every stream, so that the server's close() is not held open by them. */
  close(): void {
    clearTimeout(this.changeTimer);
    this.changeTimer = undefined;
    for (const response of this.streams.keys()) response.end();
    this.streams.clear();
  }

  private send(response: ServerResponse, event: string, data: unknown): void {
    if (response.writableLength > MAX_UNSENT_BYTES) {
      this.streams.delete(response);
      response.destroy();
      return;
    }
    // JSON.stringify escapes line breaks, so the data is one line, as an event's data field must be.
    response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }
}

function matches(call: CallRecord, { appId, path }: CallFilter): boolean {
  const account = appId?.toLowerCase();
  return (account === undefined || (call.appId?.toLowerCase().includes(account) ?? false)) && (path === undefined || call.path === path);
}
