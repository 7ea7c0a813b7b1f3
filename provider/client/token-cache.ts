import { type CredentialSource, type ProviderConfig, missingCredential } from "../config";
import { tokenRejectedCodes } from "./codes";
import { CallContext, WeChatError } from "./errors";
import { RedisTokens } from "./redis-tokens";
import type { RetryPolicy } from "./retry";
import { SharedFetch } from "./shared-fetch";
import { type Token, readToken } from "./token";
import type { Send } from "./transport";

/**
 * Access tokens per app id, and the third-party platform's component token: fetched once, shared by every concurrent
 * caller, kept until shortly before expiry. Every call that uses a token goes through `withToken` or
 * `withComponentToken`, the one place a token WeChat rejects is renewed.
 * The provider never calls /cgi-bin/token: each call there invalidates the token every other service uses.
 */
export class TokenCache {
  /** By app id, and by `component:<appId>` for the platform's own token. */
  private readonly tokens = new SharedFetch<string, Token>();
  /** api_authorizer_token may hand back a new refresh token; later fetches use the newest. */
  private readonly refreshTokens: Map<string, string>;
  /** The platform's Redis (wechat:tokenStore), read before fetching any token. */
  private readonly store?: RedisTokens;

  constructor(
    private readonly config: ProviderConfig,
    private readonly send: Send,
    retry: RetryPolicy,
  ) {
    this.refreshTokens = new Map(Object.entries(config.authorizerRefreshTokens));
    // The store's commands are retried as the client's calls are: one policy, one wechat:maxAttempts.
    if (config.tokenStore) this.store = new RedisTokens(config.tokenStore, config.component, { requestTimeoutMs: config.requestTimeoutMs, retry });
  }

  sourceFor(appId: string): CredentialSource | undefined {
    if (this.config.accessTokens[appId] !== undefined) return "accessTokens";
    if (this.config.tokenUrl !== undefined) return "tokenUrl";
    // WxJava's store holds the platform's authorizers: an account with an AppSecret only is fetched on its own.
    if (this.store?.serves(this.refreshTokens.has(appId) || this.config.appSecrets[appId] === undefined)) return "tokenStore";
    if (this.config.component !== undefined && this.refreshTokens.has(appId)) return "component";
    if (this.config.appSecrets[appId] !== undefined) return "appSecrets";
    return undefined;
  }

  /**
   * An account found after start-up, such as one api_get_authorizer_list names with its refresh token: served through
   * the third-party platform from now on, unless a credential that comes first serves it.
   */
  addAuthorizer(appId: string, refreshToken: string): void {
    this.refreshTokens.set(appId, refreshToken);
  }

  /**
   * Runs `call` with the account's access token. `account` names the account in messages, e.g. "mini program wx…".
   * Static tokens from wechat:accessTokens cannot be renewed, so their rejection is final.
   */
  async withToken<T>(appId: string, account: string, call: (token: string) => Promise<T>): Promise<T> {
    return this.renewingOnce(appId, () => this.fetch(appId, account), call, this.sourceFor(appId) !== "accessTokens");
  }

  /** The account's token itself, fetched and kept as `withToken`'s: what a token service hands out. */
  current(appId: string, account: string): Promise<Token> {
    return this.token(appId, () => this.fetch(appId, account));
  }

  /** Runs `call` with the third-party platform's own token (component_access_token). */
  async withComponentToken<T>(context: CallContext, call: (componentToken: string) => Promise<T>): Promise<T> {
    const component = this.config.component;
    if (!component) throw new WeChatError("WECHAT_CREDENTIAL_ERROR", context, "no third-party platform is configured");
    const tokenContext: CallContext = { ...context, call: "fetching the third-party platform's component token", account: `third-party platform ${component.appId}` };
    const fromWeChat = async (verifyTicket = component.verifyTicket) => {
      const body = await this.send(
        {
          method: "POST",
          url: "/cgi-bin/component/api_component_token",
          body: { component_appid: component.appId, component_appsecret: component.appSecret, component_verify_ticket: verifyTicket },
        },
        tokenContext,
      );
      return readToken(body, "component_access_token", tokenContext);
    };
    const store = this.store;
    const fetch = store ? () => store.componentToken(tokenContext.account, fromWeChat) : () => fromWeChat();
    return this.renewingOnce(`component:${component.appId}`, fetch, call, true);
  }

  /**
   * The one renewal path: a token WeChat rejects is dropped (unless a newer one already replaced it), fetched again,
   * and `call` tried once more. A second rejection, of a brand-new token, is not something retrying fixes.
   */
  private async renewingOnce<T>(key: string, fetch: () => Promise<Token>, call: (token: string) => Promise<T>, renewable: boolean): Promise<T> {
    const token = (await this.token(key, fetch)).value;
    try {
      return await call(token);
    } catch (error) {
      if (!renewable || !(error instanceof WeChatError) || error.errcode === undefined || !tokenRejectedCodes.has(error.errcode)) throw error;
      this.tokens.forget(key, (held) => held.value === token);
      this.store?.rejectedByWeChat(token);
      return call((await this.token(key, fetch)).value);
    }
  }

  private token(key: string, fetch: () => Promise<Token>): Promise<Token> {
    this.tokens.forget(key, (held) => Date.now() >= held.renewAt);
    return this.tokens.get(key, fetch);
  }

  private async fetch(appId: string, account: string): Promise<Token> {
    const source = this.sourceFor(appId);
    const context: CallContext = { call: `fetching an access token (${source ?? "no credential"})`, account };
    switch (source) {
      case "accessTokens":
        return { value: this.config.accessTokens[appId], renewAt: Number.POSITIVE_INFINITY, expiresAt: Number.POSITIVE_INFINITY };
      case "tokenUrl": {
        const secret = this.config.tokenUrlSecret;
        const headers = secret === undefined ? undefined : { authorization: `Bearer ${secret}` };
        const body = await this.send({ method: "GET", url: this.config.tokenUrl!, query: { appid: appId }, headers, tokenService: true }, context);
        return readToken(body, "access_token", context);
      }
      case "tokenStore":
        return this.store!.accountToken(appId, account, () => this.fetchBehindStore(appId, account, context));
      case "component":
        return this.authorizerToken(appId, context);
      case "appSecrets":
        return this.stableToken(appId, context);
      default:
        throw new WeChatError("WECHAT_CREDENTIAL_ERROR", context, missingCredential(appId));
    }
  }

  /**
   * A token the store has none usable of, fetched as without a store: through the third-party platform, with the refresh
   * token the store keeps when none is configured (a new one WeChat hands back is stored again), else with stable_token.
   */
  private async fetchBehindStore(appId: string, account: string, context: CallContext): Promise<Token> {
    const store = this.store!;
    if (this.config.component !== undefined && !this.refreshTokens.has(appId)) {
      const stored = await store.refreshToken(appId, account);
      if (stored !== undefined) this.refreshTokens.set(appId, stored);
    }
    if (this.config.component !== undefined && this.refreshTokens.has(appId)) {
      const used = this.refreshTokens.get(appId);
      const token = await this.authorizerToken(appId, context);
      const latest = this.refreshTokens.get(appId)!;
      if (latest !== used) await store.saveRefreshToken(appId, account, latest);
      return token;
    }
    if (this.config.appSecrets[appId] !== undefined) return this.stableToken(appId, context);
    const refreshKey = store.refreshKey(appId);
    const platform = !this.config.component
      ? "no third-party platform is configured"
      : refreshKey
        ? `its authorizer refresh token is in neither wechat:authorizerRefreshTokens nor key ${refreshKey}`
        : "wechat:authorizerRefreshTokens has no refresh token for it";
    throw new WeChatError(
      "WECHAT_CREDENTIAL_ERROR",
      context,
      `key ${store.accountKey(appId)} of the token store ${store.url} has no usable token, and nothing to fetch one with: ${platform}, ` +
        `and wechat:appSecrets has no entry for ${appId}`,
    );
  }

  private async stableToken(appId: string, context: CallContext): Promise<Token> {
    const body = await this.send(
      { method: "POST", url: "/cgi-bin/stable_token", body: { grant_type: "client_credential", appid: appId, secret: this.config.appSecrets[appId] } },
      context,
    );
    return readToken(body, "access_token", context);
  }

  /** Closes the token store's connection, if one was made. */
  close(): Promise<void> {
    return this.store?.close() ?? Promise.resolve();
  }

  private async authorizerToken(appId: string, context: CallContext): Promise<Token> {
    const component = this.config.component!;
    const body = await this.withComponentToken(context, (componentToken) =>
      this.send(
        {
          method: "POST",
          url: "/cgi-bin/component/api_authorizer_token",
          query: { component_access_token: componentToken },
          body: { component_appid: component.appId, authorizer_appid: appId, authorizer_refresh_token: this.refreshTokens.get(appId) },
        },
        context,
      ),
    );
    if (typeof body.authorizer_refresh_token === "string" && body.authorizer_refresh_token !== "") {
      this.refreshTokens.set(appId, body.authorizer_refresh_token);
    }
    return readToken(body, "authorizer_access_token", context);
  }
}
