import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { persist, type EmulatorContext } from "../context";
import { ErrCode } from "../model/codes";
import { takeQuota } from "../model/quotas";
import { accountOf, CallLog } from "./calls";
import { control, CONTROL_PREFIX } from "./control";
import type { Fault } from "./faults";
import { parseBody, readBody, sendJson } from "./json";
import { fail, withRequestId, type WeChatAnswer } from "./protocol";
import { dispatch, type WeChatCall } from "./routes";

export function createEmulatorServer(context: EmulatorContext): Server {
  return createServer((request, response) => {
    serve(context, request, response).catch((error: unknown) => {
      console.error("emulator: unexpected failure:", error);
      if (response.headersSent) response.destroy();
      else if (request.url?.startsWith(CONTROL_PREFIX)) sendJson(response, 500, { error: `internal error: ${String(error)}` });
      else sendJson(response, 200, withRequestId(fail(ErrCode.SystemBusy)));
    });
  });
}

async function serve(context: EmulatorContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const method = request.method ?? "GET";
  const url = URL.parse(request.url ?? "/", "http://emulator");
  const body = parseBody(await readBody(request));
  if (!url) {
    sendJson(response, 404, withRequestId(fail(ErrCode.InvalidUrl)));
  } else if (url.pathname.startsWith(CONTROL_PREFIX)) {
    const answer = await control(context, method, url.pathname.slice(CONTROL_PREFIX.length), body, url.searchParams);
    if ("respond" in answer) answer.respond(response);
    else sendJson(response, answer.status, answer.body);
  } else {
    await serveWeChat(context, request, response, { method, path: url.pathname, query: url.searchParams, body });
  }
}

/**
 * A WeChat call, step by step: whom it concerns, the fault it meets, the wait (latency and the fault's delay), then
 * the fault's misbehaviour, the account's daily quota, or the endpoint's answer. Only the wait and the state file's
 * write are awaited.
 */
async function serveWeChat(context: EmulatorContext, request: IncomingMessage, response: ServerResponse, call: WeChatCall): Promise<void> {
  const { signal } = context.epoch;
  const action = CallLog.actionOf(call.path, call.body ?? {});
  const appId = accountOf(context.world, call.path, call.query, call.body ?? {});
  const fault = context.faults.take(call.path, action, appId);
  // The console shows how many calls each fault has left.
  if (fault) context.events.changed();
  const record = (errcode: number | null, httpStatus: number | null): void => {
    // A call that acted before a reset, and is answered after it while its change is written, stays out of the new log.
    if (signal.aborted) return;
    context.calls.record({
      at: new Date(context.clock.now()).toISOString(),
      path: call.path,
      ...(action === undefined ? {} : { action }),
      ...(appId === undefined ? {} : { appId }),
      errcode,
      httpStatus,
      ...(fault === undefined ? {} : { fault: fault.id }),
    });
  };

  if (!(await hold(context.latencyMs + (fault?.delayMs ?? 0), signal))) {
    request.socket.destroy();
    return;
  }
  if (fault?.dropConnection === "before") {
    record(null, null);
    request.socket.destroy();
    return;
  }
  if (fault?.httpStatus !== undefined) {
    record(null, fault.httpStatus);
    sendGatewayPage(response, fault.httpStatus);
    return;
  }
  const { answer, httpStatus } = await answerCall(context, call, appId, fault);
  if (fault?.dropConnection === "after") {
    record(answer.errcode ?? ErrCode.Ok, null);
    request.socket.destroy();
    return;
  }
  record(answer.errcode ?? ErrCode.Ok, httpStatus);
  sendJson(response, httpStatus, withRequestId(answer));
}

/** Waits `ms`; false when a reset came meanwhile, and the call, which belongs to the world before it, must be dropped. */
async function hold(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms > 0) await sleep(ms, undefined, { signal }).catch(() => undefined);
  return !signal.aborted;
}

/**
 * The fault's WeChat error, without acting; otherwise 45009 without acting once the account's daily quota on the path
 * is used up, or else the endpoint acts. Either way the change (a quota counter, the endpoint's) is on disk before it answers.
 */
async function answerCall(
  context: EmulatorContext,
  call: WeChatCall,
  appId: string | undefined,
  fault: Fault | undefined,
): Promise<{ answer: WeChatAnswer; httpStatus: number }> {
  if (fault?.errcode !== undefined) return { answer: fail(fault.errcode), httpStatus: 200 };
  const now = context.clock.now();
  const overQuota = appId === undefined ? undefined : takeQuota(context.world, appId, call.path, now);
  const answered = overQuota ? { answer: fail(overQuota), httpStatus: 200 } : dispatch(call, context.world, now);
  // A client that saw "ok" can rely on it after a restart.
  await persist(context);
  return answered;
}

/** What an overloaded gateway in front of WeChat answers: an HTML page, not JSON. */
function sendGatewayPage(response: ServerResponse, status: number): void {
  const title = `${status} ${STATUS_CODES[status] ?? "Error"}`;
  const text = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  response.writeHead(status, { "content-type": "text/html", "content-length": Buffer.byteLength(text) });
  response.end(text);
}
