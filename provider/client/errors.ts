import { Explanation, explain } from "./codes";

/** Stable codes callers switch on instead of parsing messages; each means one thing. */
export type WeChatErrorCode =
  | "WECHAT_API_ERROR" // WeChat answered with a non-zero errcode
  | "WECHAT_HTTP_ERROR" // a status other than 200, or a redirect we refuse to follow
  | "WECHAT_NETWORK_ERROR" // connection refused, reset or dropped
  | "WECHAT_TIMEOUT" // no answer within the request time-out
  | "WECHAT_BAD_RESPONSE" // 200 but not WeChat's JSON, or a token answer without its token
  | "WECHAT_NOT_IN_LIST" // WeChat accepted an apply or an invitation, but the plugin or link is not in its list afterwards
  | "WECHAT_ALREADY_EXISTS" // a create found the binding or link already at WeChat, and adoption was not asked for
  | "WECHAT_USERNAME_UNKNOWN" // the link list names mini programs by original id only, and this one's is not known
  | "WECHAT_CREDENTIAL_ERROR" // no usable credential for the account
  // The platform's Redis (wechat:tokenStore), apart from WeChat's, so that a caller tells a Redis outage from WeChat's:
  | "TOKEN_STORE_UNREACHABLE" // connection refused, dropped, or the store not serving (loading, failing over)
  | "TOKEN_STORE_TIMEOUT" // no answer within the request time-out
  | "TOKEN_STORE_REFUSED" // the store refused us: password, the user's permissions, a read-only replica
  | "TOKEN_STORE_NOT_A_TOKEN" // a key holds something other than a token (never overwritten), or the store answered oddly
  | "TOKEN_STORE_NO_TOKEN"; // read-only mode, and the key holds no usable token

/** What a call was about, so that every message names the account and the thing it touched. */
export interface CallContext {
  /** The API call, e.g. "plugin apply". */
  call: string;
  /** The account the call acts for, e.g. "mini program wx…". */
  account: string;
  /** The plugin or link concerned, when there is one. */
  subject?: string;
}

interface Details {
  errcode?: number;
  status?: number;
}

export class WeChatError extends Error {
  readonly code: WeChatErrorCode;
  readonly errcode?: number;
  readonly status?: number;
  readonly context: CallContext;
  /**
   * How many times the request was sent (set by the retry layer). A write refused as already done on a later attempt
   * was most likely made by an earlier attempt whose answer was lost.
   */
  attempts = 1;

  constructor(code: WeChatErrorCode, context: CallContext, problem: string, details: Details = {}) {
    super(`${describeCall(context)} failed: ${problem}`);
    this.name = "WeChatError";
    this.code = code;
    this.errcode = details.errcode;
    this.status = details.status;
    this.context = context;
    // These errors are expected outcomes whose message says everything: wherever one is printed, a stack trace
    // would only bury it.
    this.stack = "";
  }

  /** The same failure, said of `subject`: a list read several resources share names each one's plugin or link. */
  about(subject: string): WeChatError {
    const context = { ...this.context, subject };
    const error = new WeChatError(this.code, context, "", { errcode: this.errcode, status: this.status });
    error.message = describeCall(context) + this.message.slice(describeCall(this.context).length);
    error.attempts = this.attempts;
    return error;
  }

  /** `explanation` replaces codes.ts's for a code whose meaning depends on what the provider was doing. */
  static api(context: CallContext, errcode: number, explanation: Explanation = explain(errcode)): WeChatError {
    const { meaning, action } = explanation;
    return new WeChatError("WECHAT_API_ERROR", context, `WeChat error ${errcode}: ${meaning}. What to do: ${action}.`, { errcode });
  }
}

/**
 * A create that failed after WeChat acted (an application made, a link kept): the engine records `id` and
 * `properties` as the resource's state, with `reasons` as why it is not complete (Pulumi's ErrorResourceInitFailed),
 * so the next `up` continues from what exists instead of creating it again. The message is the failure's own.
 */
export class PartialCreateError extends Error {
  readonly reasons: string[];

  constructor(
    readonly id: string,
    readonly properties: object,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "PartialCreateError";
    this.reasons = [this.message];
    // As for WeChatError: the message says everything.
    this.stack = "";
  }
}

export function describeCall(context: CallContext): string {
  return `${context.call} for ${context.account}${context.subject ? ` (${context.subject})` : ""}`;
}

/**
 * A read several resources share (an account's list), as the resource whose `subject` it is asked for: a failure of
 * that `call` names the subject; any other (the account's token) is the account's, and stays as it is.
 */
export function askedFor<T>(read: Promise<T>, call: string, subject: string | undefined): Promise<T> {
  if (subject === undefined) return read;
  return read.catch((error: unknown) => {
    throw error instanceof WeChatError && error.context.call === call ? error.about(subject) : error;
  });
}

export function isWeChatError(error: unknown, errcode?: number): error is WeChatError {
  return error instanceof WeChatError && (errcode === undefined || error.errcode === errcode);
}

const secretParams = /([?&](?:access_token|component_access_token|secret|appsecret)=)[^&#]*/gi;

/** WeChat puts tokens in the query string by design: every URL we print goes through here. */
export function redactUrl(url: string): string {
  return url.replace(secretParams, "$1REDACTED");
}
