import type { ProviderConfig } from "../config";
import { envName } from "../config";
import { tokenRejectedCodes } from "./codes";
import { CallContext, WeChatError } from "./errors";
import { RetryPolicy, withRetry } from "./retry";
import { Transport, WeChatResponse } from "./transport";

/** Where an app id's access token comes from, in the order the provider looks. */
export type CredentialSource = "accessTokens" | "tokenUrl" | "component" | "appSecrets";

interface Token {
  value: string;
  /** Epoch ms after which we fetch a new one instead of using this one. */
  renewAt: number;
}

/** Renew this long before WeChat's expiry, so a token never dies in the middle of a call. */
const renewalMarginMs = 5 * 60_000;

/**
 * Access tokens per app id: fetched once, shared by every concurrent caller, kept until shortly before expiry.
 * The provider never calls /cgi-bin/token: each call there invalidates the token every other service uses.
 */
export class TokenStore {
  private readonly tokens = new Map<string, Token>();
  private readonly fetching = new Map<string, Promise<Token>>();
  /** api_authorizer_token may hand back a new refresh token; later fetches use the newest. */
  private readonly refreshTokens: Map<string, string>;

  constructor(
    private readonly config: ProviderConfig,
    private readonly transport: Transport,
    private readonly retry: RetryPolicy,
  ) {
    this.refreshTokens = new Map(Object.entries(config.authorizerRefreshTokens));
  }

  sourceFor(appId: string): CredentialSource | undefined {
    if (this.config.accessTokens[appId] !== undefined) return "accessTokens";
    if (this.config.tokenUrl !== undefined) return "tokenUrl";
    if (this.config.component !== undefined && this.refreshTokens.has(appId)) return "component";
    if (this.config.appSecrets[appId] !== undefined) return "appSecrets";
    return undefined;
  }

  /** A message for an app id no credential serves, naming the keys that would. */
  static missingCredential(appId: string): string {
    return (
      `no credential for ${appId}: set one of wechat:accessTokens (${envName("accessTokens")}), wechat:tokenUrl, ` +
      `third-party platform credentials with wechat:authorizerRefreshTokens, or wechat:appSecrets, with an entry for ${appId}`
    );
  }

  /** Static tokens from wechat:accessTokens cannot be renewed: a rejection is final. */
  canRenew(appId: string): boolean {
    return this.sourceFor(appId) !== "accessTokens";
  }

  async get(appId: string, account: string): Promise<string> {
    const cached = this.tokens.get(appId);
    if (cached && Date.now() < cached.renewAt) return cached.value;
    let pending = this.fetching.get(appId);
    if (!pending) {
      pending = this.fetch(appId, account).finally(() => this.fetching.delete(appId));
      this.fetching.set(appId, pending);
    }
    const token = await pending;
    this.tokens.set(appId, token);
    return token.value;
  }

  /** Forget a token WeChat rejected, unless a newer one already replaced it. */
  invalidate(appId: string, value: string): void {
    if (this.tokens.get(appId)?.value === value) this.tokens.delete(appId);
  }

  private async fetch(appId: string, account: string): Promise<Token> {
    const source = this.sourceFor(appId);
    const context: CallContext = { call: `fetching an access token (${source ?? "no credential"})`, account };
    switch (source) {
      case "accessTokens":
        return { value: this.config.accessTokens[appId], renewAt: Number.POSITIVE_INFINITY };
      case "tokenUrl": {
        const body = await this.send({ method: "GET", url: this.config.tokenUrl!, query: { appid: appId } }, context);
        return readToken(body, "access_token", context);
      }
      case "component":
        return this.authorizerToken(appId, context);
      case "appSecrets": {
        const body = await this.send(
          { method: "POST", url: "/cgi-bin/stable_token", body: { grant_type: "client_credential", appid: appId, secret: this.config.appSecrets[appId] } },
          context,
        );
        return readToken(body, "access_token", context);
      }
      default:
        throw new WeChatError("WECHAT_CREDENTIAL_ERROR", context, TokenStore.missingCredential(appId));
    }
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

  /** Runs a call with the third-party platform's own token, renewing it once if WeChat rejects it. */
  async withComponentToken<T>(context: CallContext, call: (componentToken: string) => Promise<T>): Promise<T> {
    const componentAppId = this.config.component?.appId;
    if (!componentAppId) throw new WeChatError("WECHAT_CREDENTIAL_ERROR", context, "no third-party platform is configured");
    const key = `component:${componentAppId}`;
    const token = await this.getComponentToken(key, context);
    try {
      return await call(token);
    } catch (error) {
      if (!(error instanceof WeChatError) || error.errcode === undefined || !tokenRejectedCodes.has(error.errcode)) throw error;
      this.invalidate(key, token);
      return call(await this.getComponentToken(key, context));
    }
  }

  private async getComponentToken(key: string, context: CallContext): Promise<string> {
    const cached = this.tokens.get(key);
    if (cached && Date.now() < cached.renewAt) return cached.value;
    let pending = this.fetching.get(key);
    if (!pending) {
      const component = this.config.component!;
      const tokenContext = { ...context, call: "fetching the third-party platform's component token", account: `third-party platform ${component.appId}` };
      pending = this.send(
        {
          method: "POST",
          url: "/cgi-bin/component/api_component_token",
          body: { component_appid: component.appId, component_appsecret: component.appSecret, component_verify_ticket: component.verifyTicket },
        },
        tokenContext,
      )
        .then((body) => readToken(body, "component_access_token", tokenContext))
        .finally(() => this.fetching.delete(key));
      this.fetching.set(key, pending);
    }
    const token = await pending;
    this.tokens.set(key, token);
    return token.value;
  }

  private send(request: Parameters<Transport["send"]>[0], context: CallContext): Promise<WeChatResponse> {
    return withRetry(() => this.transport.send(request, context), this.retry);
  }
}

function readToken(body: WeChatResponse, field: string, context: CallContext): Token {
  const value = body[field];
  const expiresIn = Number(body.expires_in ?? 7200);
  if (typeof value !== "string" || value === "" || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new WeChatError("WECHAT_BAD_RESPONSE", context, `the answer had no ${field} and expires_in`);
  }
  const lifetimeMs = expiresIn * 1000;
  return { value, renewAt: Date.now() + Math.max(lifetimeMs - renewalMarginMs, lifetimeMs / 2) };
}
