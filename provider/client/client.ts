import type { ProviderConfig } from "../config";
import { tokenRejectedCodes } from "./codes";
import { CallContext, WeChatError } from "./errors";
import { RetryPolicy, defaultRetryPolicy, withRetry } from "./retry";
import { TokenStore } from "./tokens";
import { Transport, WeChatResponse } from "./transport";

export interface ClientOptions {
  retry?: Partial<RetryPolicy>;
}

/**
 * Every WeChat API call made on an account's behalf goes through `call`: the account's token is added to the
 * query string, transient failures are retried, and a rejected token is renewed and the call tried once more.
 */
export class WeChatClient {
  readonly tokens: TokenStore;
  private readonly transport: Transport;
  private readonly retry: RetryPolicy;

  constructor(readonly config: ProviderConfig, options: ClientOptions = {}) {
    this.retry = { ...defaultRetryPolicy, maxAttempts: config.maxAttempts, ...options.retry };
    this.transport = new Transport({ endpoint: config.endpoint, requestTimeoutMs: config.requestTimeoutMs });
    this.tokens = new TokenStore(config, this.transport, this.retry);
  }

  async call(appId: string, path: string, body: unknown, context: CallContext): Promise<WeChatResponse> {
    const attempt = async (): Promise<WeChatResponse> => {
      const token = await this.tokens.get(appId, context.account);
      try {
        return await this.transport.send({ method: "POST", url: path, query: { access_token: token }, body }, context);
      } catch (error) {
        if (error instanceof WeChatError && error.errcode !== undefined && tokenRejectedCodes.has(error.errcode)) {
          this.tokens.invalidate(appId, token);
          throw new TokenRejected(error);
        }
        throw error;
      }
    };
    try {
      return await withRetry(attempt, this.retry);
    } catch (error) {
      if (!(error instanceof TokenRejected)) throw error;
      if (!this.tokens.canRenew(appId)) throw error.original;
      // One renewal only: a second rejection of a brand-new token is not something retrying fixes.
      try {
        return await withRetry(attempt, this.retry);
      } catch (second) {
        throw second instanceof TokenRejected ? second.original : second;
      }
    }
  }

  /** A call made with the third-party platform's own token (component_access_token). */
  callAsComponent(path: string, body: unknown, context: CallContext): Promise<WeChatResponse> {
    return this.tokens.withComponentToken(context, (token) =>
      withRetry(() => this.transport.send({ method: "POST", url: path, query: { component_access_token: token }, body }, context), this.retry),
    );
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

/** Marks a token rejection inside the retry loop, which must not retry it as if it were transient. */
class TokenRejected extends Error {
  constructor(readonly original: WeChatError) {
    super(original.message);
  }
}
