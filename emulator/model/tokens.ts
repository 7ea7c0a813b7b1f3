import { randomBytes } from "node:crypto";
import { ErrCode, refuse, type WeChatRefusal } from "./codes";
import type { Token, TokenKind, World } from "./world";

// WeChat's rules for tokens: who may have one, how long it lives, and which endpoints it opens.

const LIFETIME_SECONDS = 7200;
/** WeChat keeps a replaced token working for about 5 minutes so services sharing it can catch up. */
const SUPERSEDED_GRACE_MS = 5 * 60 * 1000;
/** Tokens dead this long are forgotten (and then read as unknown, 40001) so the state does not grow forever. */
const FORGET_AFTER_MS = 24 * 3600 * 1000;

/** The kind of account an endpoint serves (`any`: every kind); a valid token of any other account gets 48001. */
export type Audience = "miniProgram" | "officialAccount" | "plugin" | "component" | "any";

/** The token a request carries, if it is known, alive and of an account the endpoint serves. */
export function authenticate(world: World, value: string | undefined, now: number, audience: Audience): Token | WeChatRefusal {
  if (!value) return refuse(ErrCode.TokenMissing);
  const token = world.tokens.get(value);
  if (!token || (token.revokedAt !== undefined && token.revokedAt <= now)) return refuse(ErrCode.InvalidCredential);
  if (token.expiresAt <= now) return refuse(ErrCode.TokenExpired);
  if (!serves(world, token, audience)) return refuse(ErrCode.ApiUnauthorized);
  return token;
}

function serves(world: World, token: Token, audience: Audience): boolean {
  if (audience === "any") return true;
  if (audience === "component") return token.kind === "component";
  if (token.kind === "component") return false;
  const accounts = {
    miniProgram: world.accounts.miniPrograms,
    officialAccount: world.accounts.officialAccounts,
    plugin: world.accounts.plugins,
  }[audience];
  return accounts.has(token.appId);
}

/**
 * A token for an account's own secret. `line` is the endpoint asked (`/cgi-bin/token` and `/cgi-bin/stable_token`
 * keep their tokens apart, as WeChat does); `rotate` mints a new one and cuts the previous to 5 minutes, otherwise the
 * live token of that line is handed out again.
 */
export function tokenForSecret(world: World, now: number, appId: string, secret: string, line: string, rotate: boolean): Token | WeChatRefusal {
  const account = world.account(appId);
  if (!account) return refuse(ErrCode.InvalidAppId);
  if (account.secret !== secret) return refuse(ErrCode.InvalidAppSecret);
  return (rotate ? undefined : liveToken(world, now, appId, line)) ?? mint(world, now, "stable", appId, line);
}

/** The third-party platform's own token, from its secret and the latest verify ticket (which never expires here). */
export function componentToken(world: World, now: number, appId: string, secret: string, ticket: string): Token | WeChatRefusal {
  const component = world.accounts.component;
  if (!component || component.appId !== appId) return refuse(ErrCode.InvalidAppId);
  if (component.secret !== secret) return refuse(ErrCode.InvalidAppSecret);
  if (component.verifyTicket !== ticket) return refuse(ErrCode.VerifyTicketInvalid);
  return mint(world, now, "component", appId, "/cgi-bin/component/api_component_token");
}

/** An account that authorized the platform, with the refresh token the platform holds for it. */
export interface Authorization {
  appId: string;
  refreshToken: string;
}

/** Whether `authorizerAppId` authorized the platform whose token `caller` is. */
export function authorization(world: World, caller: Token, componentAppId: string, authorizerAppId: string): Authorization | WeChatRefusal {
  if (componentAppId !== caller.appId) return refuse(ErrCode.InvalidAppId);
  const refreshToken = world.accounts.component?.authorizerRefreshTokens.get(authorizerAppId);
  if (refreshToken === undefined) return refuse(ErrCode.ComponentNotAuthorized);
  return { appId: authorizerAppId, refreshToken };
}

/** WeChat's page size limit for `api_get_authorizer_list`. */
const MAX_AUTHORIZER_PAGE = 500;

/**
 * The seed says nothing of when accounts authorized the platform: all did at 2026-01-01 00:00 Beijing time, a fixed
 * instant, so that listings are the same on every run.
 */
const AUTH_TIME = Date.UTC(2025, 11, 31, 16) / 1000;

export interface AuthorizerPage {
  total: number;
  authorizations: Array<Authorization & { authTime: number }>;
}

/** `count` accounts that authorized the caller's platform from `offset` on, in the seed's order. */
export function authorizerPage(world: World, caller: Token, componentAppId: string, offset: number, count: number): AuthorizerPage | WeChatRefusal {
  if (componentAppId !== caller.appId) return refuse(ErrCode.InvalidAppId);
  // WeChat documents 500 as the largest page and no code for more; 47001 is the emulator's choice.
  if (count < 1 || count > MAX_AUTHORIZER_PAGE) return refuse(ErrCode.DataFormatError);
  const all = [...(world.accounts.component?.authorizerRefreshTokens ?? [])];
  return {
    total: all.length,
    authorizations: all.slice(offset, offset + count).map(([appId, refreshToken]) => ({ appId, refreshToken, authTime: AUTH_TIME })),
  };
}

/** A token the platform uses on the authorizer's behalf; every call rotates it. */
export function authorizerToken(world: World, now: number, authorized: Authorization, refreshToken: string): Token | WeChatRefusal {
  if (authorized.refreshToken !== refreshToken) return refuse(ErrCode.RefreshTokenInvalid);
  return mint(world, now, "authorizer", authorized.appId, "/cgi-bin/component/api_authorizer_token");
}

export function secondsLeft(token: Token, now: number): number {
  return Math.ceil((token.expiresAt - now) / 1000);
}

function liveToken(world: World, now: number, appId: string, line: string): Token | undefined {
  return world.tokenLine(appId, line).find((token) => isLive(token, now) && token.revokedAt === undefined);
}

/** A new token replaces the app's previous one of the same line, which dies 5 minutes later. */
function mint(world: World, now: number, kind: TokenKind, appId: string, line: string): Token {
  if (now >= world.tokensDueFrom) forgetLongDead(world, now);
  for (const token of world.tokenLine(appId, line)) {
    if (isLive(token, now)) {
      token.revokedAt = Math.min(token.revokedAt ?? Infinity, now + SUPERSEDED_GRACE_MS);
      world.tokensDueFrom = Math.min(world.tokensDueFrom, forgetAt(token));
    }
  }
  const token: Token = { value: randomBytes(24).toString("base64url"), kind, appId, issuedBy: line, expiresAt: now + LIFETIME_SECONDS * 1000 };
  world.addToken(token);
  world.tokensDueFrom = Math.min(world.tokensDueFrom, forgetAt(token));
  return token;
}

/** Forgets the tokens dead for FORGET_AFTER_MS, and notes when the next one is due. */
function forgetLongDead(world: World, now: number): void {
  let due = Infinity;
  for (const token of world.tokens.values()) {
    if (forgetAt(token) <= now) world.forgetToken(token);
    else due = Math.min(due, forgetAt(token));
  }
  world.tokensDueFrom = due;
}

function forgetAt(token: Token): number {
  return Math.min(token.expiresAt, token.revokedAt ?? Infinity) + FORGET_AFTER_MS;
}

function isLive(token: Token, now: number): boolean {
  return token.expiresAt > now && (token.revokedAt === undefined || token.revokedAt > now);
}
