import type * as Undici from "undici";
import { CallContext, WeChatError, redactUrl } from "./errors";

let undiciModule: typeof Undici | undefined;
/** undici is loaded by the first call (about 60 ms): a provider process that makes none, as in a no-change `up`, skips it. */
function undici(): typeof Undici {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, synchronously: the agent getter and the error checks need it at once
  return (undiciModule ??= require("undici") as typeof Undici);
}

export interface WeChatRequest {
  method: "GET" | "POST";
  /** An absolute URL (a central token service) or a path below the configured endpoint. */
  url: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Sent as they are and never printed: a central token service's credential travels here. */
  headers?: Record<string, string>;
  /**
   * A token service's request: its answer is final, a failure included, since the service retries WeChat itself (the
   * fleet's token broker does, with the same policy); only not reaching it is retried. Otherwise one failure would
   * be retried in two layers, attempts times attempts.
   */
  tokenService?: true;
}

export type WeChatResponse = Record<string, unknown>;

/** Sends a request with retries (see `withRetry`): how the client and its token store send every request. */
export type Send = (request: WeChatRequest, context: CallContext) => Promise<WeChatResponse>;

export interface TransportOptions {
  endpoint: string;
  requestTimeoutMs: number;
  /** Connections kept alive to the endpoint (and to a token service), at most; 16 unless given. */
  connections?: number;
}

/**
 * The one function that talks to WeChat. It owns the connection pool (kept alive across the whole Pulumi run),
 * the time-out, JSON in and out, and the reading of `errcode`; it never retries and never logs a token.
 */
export class Transport {
  private agentInstance?: Undici.Agent;

  constructor(private readonly options: TransportOptions) {}

  private get agent(): Undici.Agent {
    return (this.agentInstance ??= new (undici().Agent)({
      keepAliveTimeout: 30_000,
      connections: this.options.connections ?? 16,
      headersTimeout: this.options.requestTimeoutMs,
      bodyTimeout: this.options.requestTimeoutMs,
    }));
  }

  async send(req: WeChatRequest, context: CallContext): Promise<WeChatResponse> {
    // Paths are appended to the endpoint as text: `new URL(path, endpoint)` would drop a gateway's path prefix.
    const url = new URL(/^https?:\/\//i.test(req.url) ? req.url : `${this.options.endpoint}${req.url}`);
    for (const [key, value] of Object.entries(req.query ?? {})) url.searchParams.set(key, value);
    const printable = redactUrl(url.toString());

    let status: number;
    let text: string;
    try {
      const response = await undici().request(url, {
        method: req.method,
        dispatcher: this.agent,
        headers: { ...(req.body === undefined ? {} : { "content-type": "application/json" }), ...req.headers },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      throw networkError(error, context, printable, this.options.requestTimeoutMs);
    }

    if (status !== 200) {
      // Redirects are refused rather than followed: the token in the query string would go with them.
      const problem = status >= 300 && status < 400 ? `redirected (HTTP ${status}) from ${printable}; redirects are not followed` : `HTTP ${status} from ${printable}`;
      throw new WeChatError("WECHAT_HTTP_ERROR", context, problem, { status });
    }
    const body = parseJson(text);
    if (body === undefined) {
      throw new WeChatError("WECHAT_BAD_RESPONSE", context, `${printable} did not answer with WeChat's JSON (is wechat:endpoint right?)`, { status });
    }
    const errcode = readErrcode(body.errcode);
    if (errcode === undefined) {
      throw new WeChatError("WECHAT_BAD_RESPONSE", context, `${printable} answered with an errcode that is not a number`, { status });
    }
    if (errcode !== 0) throw WeChatError.api(context, errcode);
    return body;
  }

  async close(): Promise<void> {
    await this.agentInstance?.close();
  }
}

function parseJson(text: string): WeChatResponse | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as WeChatResponse) : undefined;
  } catch {
    return undefined;
  }
}

/** WeChat has been seen sending `errcode` as a string ("-1"); a missing one means success. */
function readErrcode(value: unknown): number | undefined {
  if (value === undefined || value === null) return 0;
  const code = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof code === "number" && Number.isInteger(code) ? code : undefined;
}

function networkError(error: unknown, context: CallContext, printable: string, timeoutMs: number): WeChatError {
  const { errors } = undici();
  const timedOut =
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError ||
    (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"));
  if (timedOut) return new WeChatError("WECHAT_TIMEOUT", context, `no answer from ${printable} within ${timeoutMs} ms`);
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const reason = code === undefined || message.includes(code) ? message : `${message} (${code})`;
  // The cause is kept out of the error on purpose: undici's errors can carry the request URL, token included.
  return new WeChatError("WECHAT_NETWORK_ERROR", context, `could not reach ${printable}: ${redactUrl(reason)}`);
}
