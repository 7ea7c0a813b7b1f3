import { randomBytes } from "node:crypto";
import type { Token, World } from "./world";

/** WeChat's numeric codes, named once. Codes WeChat documents nowhere for a case are marked; emulator/README.md lists those choices. */
export const Code = {
  ok: 0,
  systemError: -1,
  invalidCredential: 40001,
  invalidGrantType: 40002,
  invalidAppId: 40013,
  invalidUrl: 40066, // chosen: unknown paths
  invalidArgs: 40097,
  invalidAppSecret: 40125,
  accessTokenMissing: 41001,
  appIdMissing: 41002,
  appSecretMissing: 41004,
  accessTokenExpired: 42001,
  requireGet: 43001,
  requirePost: 43002,
  dailyQuota: 45009,
  minuteQuota: 45011,
  dataFormatError: 47001,
  apiUnauthorized: 48001,
  componentNotAuthorized: 61003,
  componentTicketInvalid: 61006,
  refreshTokenInvalid: 61023,
  linkLimitReached: 89009,
  invitationAlreadySent: 89010,
  nearbyCannotUnlink: 89011,
  storeCannotUnlink: 89012,
  alreadyLinked: 89015,
  unlinkAlreadyRequested: 89018,
  pluginAlreadyAdded: 89237,
  pluginLimitReached: 89238,
  pluginDoesNotExist: 89239,
  applicationNotPending: 89240,
  applicationNotDeletable: 89241,
  applicationNotFound: 89242,
  pluginPending: 89243,
  pluginNotAdded: 89244,
  notAuthorizerToken: 89256,
  versionNotQuickUpdatable: 89257,
  grayReleaseInProgress: 89258,
} as const;

// English renderings of WeChat's messages (several are Chinese-only in the documentation).
const messages: Record<number, string> = {
  [Code.systemError]: "system error",
  [Code.invalidCredential]: "invalid credential, access_token is invalid or not latest",
  [Code.invalidGrantType]: "invalid grant_type",
  [Code.invalidAppId]: "invalid appid",
  [Code.invalidUrl]: "invalid url",
  [Code.invalidArgs]: "invalid args",
  [Code.invalidAppSecret]: "invalid appsecret",
  [Code.accessTokenMissing]: "access_token missing",
  [Code.appIdMissing]: "appid missing",
  [Code.appSecretMissing]: "appsecret missing",
  [Code.accessTokenExpired]: "access_token expired",
  [Code.requireGet]: "require GET method",
  [Code.requirePost]: "require POST method",
  [Code.dailyQuota]: "reach max api daily quota limit",
  [Code.minuteQuota]: "api minute-quota reach limit  mustslower  retry next minute",
  [Code.dataFormatError]: "data format error",
  [Code.apiUnauthorized]: "api unauthorized",
  [Code.componentNotAuthorized]: "component is not authorized by this account",
  [Code.componentTicketInvalid]: "component ticket is invalid",
  [Code.refreshTokenInvalid]: "refresh_token is invalid",
  [Code.linkLimitReached]: "mini program link limit reached",
  [Code.invitationAlreadySent]: "link invitation already sent",
  [Code.nearbyCannotUnlink]: "a mini program shown nearby cannot be unlinked",
  [Code.storeCannotUnlink]: "a store mini program cannot be unlinked",
  [Code.alreadyLinked]: "mini program already linked",
  [Code.unlinkAlreadyRequested]: "unlink request already sent",
  [Code.pluginAlreadyAdded]: "plugin already applied for or added",
  [Code.pluginLimitReached]: "plugin limit reached",
  [Code.pluginDoesNotExist]: "plugin does not exist",
  [Code.applicationNotPending]: "application is not pending",
  [Code.applicationNotDeletable]: "only rejected or timed-out applications can be deleted",
  [Code.applicationNotFound]: "appid not in the application list",
  [Code.pluginPending]: "application is pending and cannot be unbound",
  [Code.pluginNotAdded]: "plugin appid not in the list",
  [Code.notAuthorizerToken]: "no component info, token is not a third-party platform's authorizer token",
  [Code.versionNotQuickUpdatable]: "plugin version does not support quick update",
  [Code.grayReleaseInProgress]: "a gray release is in progress",
};

/** A WeChat JSON answer. Token endpoints omit `errcode` on success, as WeChat does. */
export interface WeChatAnswer {
  errcode?: number;
  errmsg?: string;
  [field: string]: unknown;
}

export function ok(fields: Record<string, unknown> = {}): WeChatAnswer {
  return { errcode: Code.ok, errmsg: "ok", ...fields };
}

export function fail(code: number, message = messages[code] ?? `error ${code}`): WeChatAnswer {
  return { errcode: code, errmsg: message };
}

/** Real error messages end with a request id; clients that log it must cope with it. */
export function withRequestId(answer: WeChatAnswer): WeChatAnswer {
  if (!answer.errcode) return answer;
  const hex = () => randomBytes(4).toString("hex");
  return { ...answer, errmsg: `${answer.errmsg} rid: ${hex()}-${hex()}-${hex()}` };
}

/** A required string field of a request body, or undefined when it is absent, empty or not a string. */
export function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** What a WeChat handler is given: the parsed request and the world, at one instant of the emulator's clock. */
export interface WeChatRequest {
  query: URLSearchParams;
  body: Record<string, unknown>;
  world: World;
  now: number;
}

/** A request whose token has been checked; `caller` is that token, naming the account. */
export interface AuthenticatedRequest extends WeChatRequest {
  caller: Token;
}
