import type { ProviderConfig } from "../config";
import { CallContext } from "./errors";
import { RetryPolicy, defaultRetryPolicy, withRetry } from "./retry";
import { TokenCache } from "./token-cache";
import { Send, Transport, WeChatRequest, WeChatResponse } from "./transport";

export interface ClientOptions {
  retry?: Partial<RetryPolicy>;
  /** Connections kept alive to WeChat (see Transport); a provider's 16 unless given. */
  connections?: number;
  /** Told of every request WeChat (or a token source) answered, once retries are done: the token broker counts them. */
  answered?: (request: WeChatRequest) => void;
}

/**
 * Every WeChat API call made on an account's behalf goes through `call`: the account's token is added to the
 * query string, transient failures are retried, and a rejected token is renewed and the call tried once more.
 */
export class WeChatClient {
  readonly tokens: TokenCache;
  private readonly transport: Transport;
  private readonly send: Send;

  constructor(readonly config: ProviderConfig, options: ClientOptions = {}) {
    const retry: RetryPolicy = { ...defaultRetryPolicy, maxAttempts: config.maxAttempts, ...options.retry };
    const transport = new Transport({ endpoint: config.endpoint, requestTimeoutMs: config.requestTimeoutMs, connections: options.connections });
    this.transport = transport;
    this.send = async (request, context) => {
      const answer = await withRetry(() => transport.send(request, context), retry, request.tokenService ? "final" : "retried");
      options.answered?.(request);
      return answer;
    };
    this.tokens = new TokenCache(config, this.send, retry);
  }

  call(appId: string, path: string, body: unknown, context: CallContext): Promise<WeChatResponse> {
    return this.tokens.withToken(appId, context.account, (token) => this.send({ method: "POST", url: path, query: { access_token: token }, body }, context));
  }

  /** A call made with the third-party platform's own token (component_access_token). */
  callAsComponent(path: string, body: unknown, context: CallContext): Promise<WeChatResponse> {
    return this.tokens.withComponentToken(context, (token) => this.send({ method: "POST", url: path, query: { component_access_token: token }, body }, context));
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
