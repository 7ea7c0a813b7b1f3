import { randomBytes } from "node:crypto";
import { Code, fail, stringField, type AuthenticatedRequest, type WeChatAnswer, type WeChatRequest } from "./protocol";
import type { Token, TokenKind, World } from "./world";

const LIFETIME_SECONDS = 7200;
/** WeChat keeps a replaced token working for about 5 minutes so services sharing it can catch up. */
const SUPERSEDED_GRACE_MS = 5 * 60 * 1000;
/** Tokens dead this long are forgotten (and then read as unknown, 40001) so the state does not grow forever. */
const FORGET_AFTER_MS = 24 * 3600 * 1000;

/** The kind of account an endpoint serves; a valid token of any other account gets 48001. */
export type Audience = "miniProgram" | "officialAccount" | "plugin" | "component";

export type Authentication = { caller: Token } | { answer: WeChatAnswer };

/** Checks the token a request carries in one of `params` (the first present one counts). */
export function authenticate(world: World, query: URLSearchParams, now: number, audience: Audience, params: string[]): Authentication {
  const value = params.map((name) => query.get(name)).find((candidate) => candidate);
  if (!value) return { answer: fail(Code.accessTokenMissing) };
  const token = world.tokens.get(value);
  if (!token || (token.revokedAt !== undefined && token.revokedAt <= now)) return { answer: fail(Code.invalidCredential) };
  if (token.expiresAt <= now) return { answer: fail(Code.accessTokenExpired) };
  if (!serves(world, token, audience)) return { answer: fail(Code.apiUnauthorized) };
  return { caller: token };
}

/** The account a call concerns, for the call log: the token's owner, or the app a token request names. Never the token itself. */
export function requesterOf(world: World, path: string, query: URLSearchParams, body: Record<string, unknown>): string | undefined {
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

function serves(world: World, token: Token, audience: Audience): boolean {
  if (audience === "component") return token.kind === "component";
  if (token.kind === "component") return false;
  const accounts = {
    miniProgram: world.accounts.miniPrograms,
    officialAccount: world.accounts.officialAccounts,
    plugin: world.accounts.plugins,
  }[audience];
  return accounts.has(token.appId);
}

/** `GET /cgi-bin/token`: mints a new token and cuts the previous one to 5 minutes, the behaviour that makes it unsafe for tools. */
export function clientCredentialToken({ query, world, now }: WeChatRequest): WeChatAnswer {
  const checked = checkSecret(world, query.get("grant_type"), query.get("appid"), query.get("secret"));
  if ("answer" in checked) return checked.answer;
  return tokenAnswer(mint(world, now, "stable", checked.appId, "/cgi-bin/token"), now);
}

/** `POST /cgi-bin/stable_token`: the current token while it is valid; `force_refresh` rotates it. */
export function stableToken({ body, world, now }: WeChatRequest): WeChatAnswer {
  const forceRefresh = body.force_refresh ?? false;
  if (typeof forceRefresh !== "boolean") return fail(Code.dataFormatError);
  const checked = checkSecret(world, body.grant_type, body.appid, body.secret);
  if ("answer" in checked) return checked.answer;
  const current = forceRefresh ? undefined : liveToken(world, now, checked.appId, "/cgi-bin/stable_token");
  return tokenAnswer(current ?? mint(world, now, "stable", checked.appId, "/cgi-bin/stable_token"), now);
}

/** `POST /cgi-bin/component/api_component_token`: the third-party platform's own token, from its secret and verify ticket. */
export function componentToken({ body, world, now }: WeChatRequest): WeChatAnswer {
  const appId = stringField(body, "component_appid");
  const secret = stringField(body, "component_appsecret");
  const ticket = stringField(body, "component_verify_ticket");
  if (!appId || !secret || !ticket) return fail(Code.dataFormatError);
  const component = world.accounts.component;
  if (!component || component.appId !== appId) return fail(Code.invalidAppId);
  if (component.secret !== secret) return fail(Code.invalidAppSecret);
  if (component.verifyTicket !== ticket) return fail(Code.componentTicketInvalid);
  const token = mint(world, now, "component", appId, "/cgi-bin/component/api_component_token");
  return { component_access_token: token.value, expires_in: secondsLeft(token, now) };
}

/** `POST /cgi-bin/component/api_authorizer_token`: a token for an account that authorized the platform. */
export function authorizerToken({ body, world, now, caller }: AuthenticatedRequest): WeChatAnswer {
  const authorized = checkAuthorization(world, caller, body);
  if ("answer" in authorized) return authorized.answer;
  const refreshToken = stringField(body, "authorizer_refresh_token");
  if (!refreshToken) return fail(Code.dataFormatError);
  if (authorized.refreshToken !== refreshToken) return fail(Code.refreshTokenInvalid);
  const token = mint(world, now, "authorizer", authorized.appId, "/cgi-bin/component/api_authorizer_token");
  return { authorizer_access_token: token.value, expires_in: secondsLeft(token, now), authorizer_refresh_token: refreshToken };
}

/** `POST /cgi-bin/component/api_get_authorizer_info`: the account's profile, notably `user_name`, the `gh_…` id link lists use. */
export function authorizerInfo({ body, world, caller }: AuthenticatedRequest): WeChatAnswer {
  const authorized = checkAuthorization(world, caller, body);
  if ("answer" in authorized) return authorized.answer;
  const { miniPrograms, officialAccounts, plugins } = world.accounts;
  const account = miniPrograms.get(authorized.appId) ?? officialAccounts.get(authorized.appId) ?? plugins.get(authorized.appId);
  const isMiniProgram = miniPrograms.has(authorized.appId);
  return {
    authorizer_info: {
      nick_name: account?.nickname,
      head_img: account?.headImgUrl,
      // 0 is a mini program's service type; 2 is a service account.
      service_type_info: { id: isMiniProgram ? 0 : 2 },
      verify_type_info: { id: 0 },
      user_name: account && "username" in account ? account.username : "",
      principal_name: "",
      alias: "",
      qrcode_url: "",
      signature: "",
      ...(isMiniProgram ? { MiniProgramInfo: { network: {}, categories: [], visit_status: 0 } } : {}),
    },
    authorization_info: {
      authorizer_appid: authorized.appId,
      authorizer_refresh_token: authorized.refreshToken,
      func_info: [],
    },
  };
}

function checkSecret(world: World, grantType: unknown, appId: unknown, secret: unknown): { appId: string } | { answer: WeChatAnswer } {
  if (grantType !== "client_credential") return { answer: fail(Code.invalidGrantType) };
  if (typeof appId !== "string" || appId === "") return { answer: fail(Code.appIdMissing) };
  if (typeof secret !== "string" || secret === "") return { answer: fail(Code.appSecretMissing) };
  const { miniPrograms, officialAccounts, plugins } = world.accounts;
  const account = miniPrograms.get(appId) ?? officialAccounts.get(appId) ?? plugins.get(appId);
  if (!account) return { answer: fail(Code.invalidAppId) };
  if (account.secret !== secret) return { answer: fail(Code.invalidAppSecret) };
  return { appId };
}

function checkAuthorization(
  world: World,
  caller: Token,
  body: Record<string, unknown>,
): { appId: string; refreshToken: string } | { answer: WeChatAnswer } {
  const componentAppId = stringField(body, "component_appid");
  const appId = stringField(body, "authorizer_appid");
  if (!componentAppId || !appId) return { answer: fail(Code.dataFormatError) };
  if (componentAppId !== caller.appId) return { answer: fail(Code.invalidAppId) };
  const refreshToken = world.accounts.component?.authorizerRefreshTokens.get(appId);
  if (refreshToken === undefined) return { answer: fail(Code.componentNotAuthorized) };
  return { appId, refreshToken };
}

function liveToken(world: World, now: number, appId: string, issuedBy: string): Token | undefined {
  for (const token of world.tokens.values()) {
    if (token.appId === appId && token.issuedBy === issuedBy && isLive(token, now) && token.revokedAt === undefined) return token;
  }
  return undefined;
}

/** Every minting endpoint but stable_token's normal mode replaces the app's previous token of the same line. */
function mint(world: World, now: number, kind: TokenKind, appId: string, issuedBy: string): Token {
  for (const [value, token] of world.tokens) {
    if (Math.min(token.expiresAt, token.revokedAt ?? Infinity) + FORGET_AFTER_MS <= now) world.tokens.delete(value);
    else if (token.appId === appId && token.issuedBy === issuedBy && isLive(token, now)) {
      token.revokedAt = Math.min(token.revokedAt ?? Infinity, now + SUPERSEDED_GRACE_MS);
    }
  }
  const token: Token = {
    value: randomBytes(24).toString("base64url"),
    kind,
    appId,
    issuedBy,
    expiresAt: now + LIFETIME_SECONDS * 1000,
  };
  world.tokens.set(token.value, token);
  world.markChanged();
  return token;
}

function isLive(token: Token, now: number): boolean {
  return token.expiresAt > now && (token.revokedAt === undefined || token.revokedAt > now);
}

function secondsLeft(token: Token, now: number): number {
  return Math.ceil((token.expiresAt - now) / 1000);
}

function tokenAnswer(token: Token, now: number): WeChatAnswer {
  return { access_token: token.value, expires_in: secondsLeft(token, now) };
}
