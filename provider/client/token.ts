import { CallContext, WeChatError } from "./errors";
import type { WeChatResponse } from "./transport";

/** An access token, as every token source hands it on: the cache, the platform's Redis, a token service. */
export interface Token {
  value: string;
  /** Epoch ms after which we fetch a new one instead of using this one. */
  renewAt: number;
  /** Epoch ms at which WeChat stops accepting it: what a token service tells its callers. */
  expiresAt: number;
}

/** Renew this long before WeChat's expiry, so a token never dies in the middle of a call. */
const renewalMarginMs = 5 * 60_000;

/** The token in WeChat's (or a token service's) answer: `field` and `expires_in`. */
export function readToken(body: WeChatResponse, field: string, context: CallContext): Token {
  const value = body[field];
  const expiresIn = Number(body.expires_in ?? 7200);
  if (typeof value !== "string" || value === "" || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new WeChatError("WECHAT_BAD_RESPONSE", context, `the answer had no ${field} and expires_in`);
  }
  const lifetimeMs = expiresIn * 1000;
  const now = Date.now();
  return { value, renewAt: now + Math.max(lifetimeMs - renewalMarginMs, lifetimeMs / 2), expiresAt: now + lifetimeMs };
}
