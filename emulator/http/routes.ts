import { ErrCode, WeChatRefusal } from "../model/codes";
import { isWeChatPath, type WeChatPath } from "../model/paths";
import { authenticate, type Audience } from "../model/tokens";
import type { World } from "../model/world";
import { link, listLinks, unlink } from "./links";
import { devPlugin, plugin } from "./plugins";
import { fail, type AuthenticatedRequest, type WeChatAnswer, type WeChatRequest } from "./protocol";
import { quotaGet } from "./quotas";
import { authorizerInfo, authorizerList, authorizerToken, clientCredentialToken, componentToken, stableToken } from "./tokens";

type Route =
  | { method: "GET" | "POST"; handle: (request: WeChatRequest) => WeChatAnswer }
  | { method: "POST"; audience: Audience; tokenParams: string[]; handle: (request: AuthenticatedRequest) => WeChatAnswer };

const accessToken = ["access_token"];
// WeChat's documentation names the parameter component_access_token; some SDKs send access_token. Both work.
const componentAccessToken = ["component_access_token", "access_token"];

/**
 * Who may call each WeChat endpoint the emulator serves (a token's audience, or nobody's token) and its handler: one
 * for every path of the model's list, and no other.
 */
const routes: Record<WeChatPath, Route> = {
  "/cgi-bin/token": { method: "GET", handle: clientCredentialToken },
  "/cgi-bin/stable_token": { method: "POST", handle: stableToken },
  "/cgi-bin/component/api_component_token": { method: "POST", handle: componentToken },
  "/cgi-bin/component/api_authorizer_token": { method: "POST", audience: "component", tokenParams: componentAccessToken, handle: authorizerToken },
  "/cgi-bin/component/api_get_authorizer_info": { method: "POST", audience: "component", tokenParams: componentAccessToken, handle: authorizerInfo },
  "/cgi-bin/component/api_get_authorizer_list": { method: "POST", audience: "component", tokenParams: componentAccessToken, handle: authorizerList },
  // Any account's token, the platform's included (WeChat's parameter is access_token for all of them).
  "/cgi-bin/openapi/quota/get": { method: "POST", audience: "any", tokenParams: ["access_token", "component_access_token"], handle: quotaGet },
  "/wxa/plugin": { method: "POST", audience: "miniProgram", tokenParams: accessToken, handle: plugin },
  "/wxa/devplugin": { method: "POST", audience: "plugin", tokenParams: accessToken, handle: devPlugin },
  "/cgi-bin/wxopen/wxamplinkget": { method: "POST", audience: "officialAccount", tokenParams: accessToken, handle: listLinks },
  "/cgi-bin/wxopen/wxamplink": { method: "POST", audience: "officialAccount", tokenParams: accessToken, handle: link },
  "/cgi-bin/wxopen/wxampunlink": { method: "POST", audience: "officialAccount", tokenParams: accessToken, handle: unlink },
};

/** A WeChat call as read from HTTP; `body` is undefined when it is not a JSON object. */
export interface WeChatCall {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown> | undefined;
}

/**
 * The endpoint's answer and HTTP status, worked out without awaiting anything, so that every call reads and changes
 * the world in one step and simultaneous calls take effect one at a time.
 */
export function dispatch(call: WeChatCall, world: World, now: number): { answer: WeChatAnswer; httpStatus: number } {
  const route = isWeChatPath(call.path) ? routes[call.path] : undefined;
  // Unknown paths answer like WeChat's gateway does for a mistyped URL, but with a 404 so the mistake is obvious.
  if (!route) return { answer: fail(ErrCode.InvalidUrl), httpStatus: 404 };
  return { answer: handle(route, call, world, now), httpStatus: 200 };
}

function handle(route: Route, { method, query, body }: WeChatCall, world: World, now: number): WeChatAnswer {
  if (method !== route.method) return fail(route.method === "GET" ? ErrCode.RequireGet : ErrCode.RequirePost);
  world.settle(now);
  if (!("audience" in route)) return body ? route.handle({ query, body, world, now }) : fail(ErrCode.DataFormatError);
  const value = route.tokenParams.map((name) => query.get(name)).find((candidate) => candidate);
  const caller = authenticate(world, value ?? undefined, now, route.audience);
  if (caller instanceof WeChatRefusal) return fail(caller);
  return body ? route.handle({ query, body, world, now, caller }) : fail(ErrCode.DataFormatError);
}
