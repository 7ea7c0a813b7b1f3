import { randomBytes } from "node:crypto";
import { ErrCode, messageOf, WeChatRefusal } from "../model/codes";
import type { Token, World } from "../model/world";

// WeChat's wire format: what a handler is given, and the JSON it answers.

/** A WeChat JSON answer. Token endpoints omit `errcode` on success, as WeChat does. */
export interface WeChatAnswer {
  errcode?: number;
  errmsg?: string;
  [field: string]: unknown;
}

export function ok(fields: Record<string, unknown> = {}): WeChatAnswer {
  return { errcode: ErrCode.Ok, errmsg: "ok", ...fields };
}

/** A WeChat error answer, for the model's refusal or a code the request itself earns (47001 for a malformed body). */
export function fail(reason: WeChatRefusal | number): WeChatAnswer {
  return reason instanceof WeChatRefusal ? { errcode: reason.code, errmsg: reason.message } : { errcode: reason, errmsg: messageOf(reason) };
}

/** The model's outcome as an answer: its refusal, or `format` applied to its result (by default a bare "ok"). */
export function reply<T>(outcome: T | WeChatRefusal, format: (result: T) => WeChatAnswer = () => ok()): WeChatAnswer {
  return outcome instanceof WeChatRefusal ? fail(outcome) : format(outcome);
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

/** Whether a request body's field is a whole number (as a JSON number) of at least `min`. */
export function isWholeNumber(value: unknown, min: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min;
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
