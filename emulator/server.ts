import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { CallLog } from "./calls";
import { persist, type EmulatorContext } from "./context";
import { control } from "./control";
import { devPlugin } from "./devplugin";
import { link, listLinks, unlink } from "./links";
import { plugin } from "./plugins";
import { Code, fail, withRequestId, type AuthenticatedRequest, type WeChatAnswer, type WeChatRequest } from "./protocol";
import {
  authenticate,
  authorizerInfo,
  authorizerToken,
  clientCredentialToken,
  componentToken,
  requesterOf,
  stableToken,
  type Audience,
} from "./tokens";

type Route =
  | { method: "GET" | "POST"; handle: (request: WeChatRequest) => WeChatAnswer }
  | { method: "POST"; audience: Audience; tokenParams: string[]; handle: (request: AuthenticatedRequest) => WeChatAnswer };

const accessToken = ["access_token"];
// WeChat's documentation names the parameter component_access_token; some SDKs send access_token. Both work.
const componentAccessToken = ["component_access_token", "access_token"];

const routes = new Map<string, Route>([
  ["/cgi-bin/token", { method: "GET", handle: clientCredentialToken }],
  ["/cgi-bin/stable_token", { method: "POST", handle: stableToken }],
  ["/cgi-bin/component/api_component_token", { method: "POST", handle: componentToken }],
  [
    "/cgi-bin/component/api_authorizer_token",
    { method: "POST", audience: "component", tokenParams: componentAccessToken, handle: authorizerToken },
  ],
  [
    "/cgi-bin/component/api_get_authorizer_info",
    { method: "POST", audience: "component", tokenParams: componentAccessToken, handle: authorizerInfo },
  ],
  ["/wxa/plugin", { method: "POST", audience: "miniProgram", tokenParams: accessToken, handle: plugin }],
  ["/wxa/devplugin", { method: "POST", audience: "plugin", tokenParams: accessToken, handle: devPlugin }],
  ["/cgi-bin/wxopen/wxamplinkget", { method: "POST", audience: "officialAccount", tokenParams: accessToken, handle: listLinks }],
  ["/cgi-bin/wxopen/wxamplink", { method: "POST", audience: "officialAccount", tokenParams: accessToken, handle: link }],
  ["/cgi-bin/wxopen/wxampunlink", { method: "POST", audience: "officialAccount", tokenParams: accessToken, handle: unlink }],
]);

const CONTROL_PREFIX = "/__emulator/";

export function createEmulatorServer(context: EmulatorContext): Server {
  return createServer((request, response) => {
    serve(context, request, response).catch((error: unknown) => {
      console.error("emulator: unexpected failure:", error);
      if (!response.headersSent) sendJson(response, 200, withRequestId(fail(Code.systemError)));
      else response.destroy();
    });
  });
}

async function serve(context: EmulatorContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? "/", "http://emulator");
  const rawBody = await readBody(request);
  if (url.pathname.startsWith(CONTROL_PREFIX)) {
    const answer = await control(context, request.method ?? "GET", url.pathname, rawBody);
    sendJson(response, answer.status, answer.body);
    return;
  }
  await serveWeChat(context, request, response, url, rawBody);
}

/** A WeChat call: injected faults first, then the endpoint itself, decided synchronously so simultaneous calls serialise. */
async function serveWeChat(
  context: EmulatorContext,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  rawBody: string,
): Promise<void> {
  const { world, clock, faults, calls } = context;
  const path = url.pathname;
  const body = parseBody(rawBody);
  const action = CallLog.actionOf(path, body ?? {});
  const appId = requesterOf(world, path, url.searchParams, body ?? {});
  const fault = faults.take(path, action, appId);
  const resets = context.resets;
  const delayMs = context.latencyMs + (fault?.delayMs ?? 0);
  if (delayMs > 0) await sleep(delayMs);
  if (context.resets !== resets) {
    request.socket.destroy();
    return;
  }

  // A call that acted before a reset, and is answered after it while its change is written, stays out of the new log.
  const record = (errcode: number | null, httpStatus: number | null): void => {
    if (context.resets !== resets) return;
    calls.record({
      at: new Date(clock.now()).toISOString(),
      path,
      ...(action === undefined ? {} : { action }),
      ...(appId === undefined ? {} : { appId }),
      errcode,
      httpStatus,
      ...(fault === undefined ? {} : { fault: fault.id }),
    });
  };

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

  let answer: WeChatAnswer;
  let httpStatus = 200;
  if (fault?.errcode !== undefined) {
    answer = fail(fault.errcode);
  } else {
    const route = routes.get(path);
    // Unknown paths answer like WeChat's gateway does for a mistyped URL, but with a 404 so the mistake is obvious.
    if (!route) httpStatus = 404;
    answer = route ? act(route, request.method ?? "GET", url.searchParams, body, context) : fail(Code.invalidUrl);
    // The answer leaves only once the change is on disk, so a client that saw "ok" can rely on it after a restart.
    await persist(context);
  }

  if (fault?.dropConnection === "after") {
    record(answer.errcode ?? Code.ok, null);
    request.socket.destroy();
    return;
  }
  record(answer.errcode ?? Code.ok, httpStatus);
  sendJson(response, httpStatus, withRequestId(answer));
}

/** Everything between reading the world and changing it happens here, without awaiting. */
function act(
  route: Route,
  method: string,
  query: URLSearchParams,
  body: Record<string, unknown> | undefined,
  { world, clock }: EmulatorContext,
): WeChatAnswer {
  if (method !== route.method) return fail(route.method === "GET" ? Code.requireGet : Code.requirePost);
  const now = clock.now();
  world.settle(now);
  if (!("audience" in route)) return body ? route.handle({ query, body, world, now }) : fail(Code.dataFormatError);
  const authentication = authenticate(world, query, now, route.audience, route.tokenParams);
  if ("answer" in authentication) return authentication.answer;
  return body ? route.handle({ query, body, world, now, caller: authentication.caller }) : fail(Code.dataFormatError);
}

/** The body as a JSON object; an empty body counts as `{}`, anything else that is not an object as undefined (47001). */
function parseBody(rawBody: string): Record<string, unknown> | undefined {
  if (rawBody.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(rawBody);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

/** What an overloaded gateway in front of WeChat answers: an HTML page, not JSON. */
function sendGatewayPage(response: ServerResponse, status: number): void {
  const title = `${status} ${STATUS_CODES[status] ?? "Error"}`;
  const text = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  response.writeHead(status, { "content-type": "text/html", "content-length": Buffer.byteLength(text) });
  response.end(text);
}
