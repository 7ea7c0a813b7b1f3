import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { listAuthorizers } from "../provider/client/authorizers";
import { WeChatClient } from "../provider/client/client";
import { ErrCode } from "../provider/client/codes";
import { WeChatError } from "../provider/client/errors";
import { SharedFetch } from "../provider/client/shared-fetch";
import { type ProviderConfig, isAppId } from "../provider/config";

/** A running token broker: what the fleet's stacks set as `wechat:tokenUrl` and `wechat:tokenUrlSecret`. */
export interface TokenBroker {
  /** `http://127.0.0.1:<port>/token`. */
  url: string;
  /** This run's secret, which every request must present as `Authorization: Bearer <secret>`. */
  secret: string;
  /** Stops serving and closes the connections to WeChat. */
  close(): Promise<void>;
  /** What the broker fetched from WeChat (or the configured token source) so far, by kind. */
  stats(): BrokerStats;
  /** The broker's client: the runner's own reads (look.ts) share its tokens and connections. */
  client: WeChatClient;
  /**
   * Makes the client able to serve these accounts as the broker serves the stacks: the authorizers' refresh tokens are
   * read from api_get_authorizer_list (once per run) when an account has no configured credential.
   */
  know(appIds: Iterable<string>): Promise<void>;
}

export interface BrokerStats {
  componentTokens: number;
  accountTokens: number;
  /** Pages of api_get_authorizer_list, read once per run when an account has no configured refresh token. */
  authorizerListPages: number;
}

/** WeChat's tokens live 7200 s; a static token from wechat:accessTokens, which never expires here, is announced as one. */
const maxExpiresInSeconds = 7200;
/** The token calls by path; a token service's answer (an absolute URL) is an account's token too. The runner's own reads (lists) are not counted. */
const kinds: Record<string, keyof BrokerStats> = {
  "/cgi-bin/component/api_component_token": "componentTokens",
  "/cgi-bin/component/api_get_authorizer_list": "authorizerListPages",
  "/cgi-bin/component/api_authorizer_token": "accountTokens",
  "/cgi-bin/stable_token": "accountTokens",
};

function kindOf(url: string): keyof BrokerStats | undefined {
  return kinds[url] ?? (/^https?:\/\//i.test(url) ? "accountTokens" : undefined);
}

/**
 * Connections to WeChat the broker's client keeps (a provider's keeps 16): the runner's own look reads a whole fleet
 * through it, an account's token and then its list, each waiting on WeChat's latency, not on this machine.
 */
export const runnerConnections = 64;

/** Pages of api_get_authorizer_list read at once. */
const listConcurrency = 4;

/**
 * Serves the provider's `wechat:tokenUrl` protocol (`GET <url>?appid=<appId>` → `{access_token, expires_in}`) on
 * loopback to the stacks of one fleet run, so that the run fetches the platform's component token once and each
 * account's token once, however many stacks and provider processes ask: WeChat limits both and asks platforms to
 * cache them. The credentials stay in this process. The tokens come from the provider's own token store (cached until
 * shortly before expiry, one fetch at a time per account), so the broker fetches exactly as a provider would.
 *
 * Any local process can connect to loopback, so every request must present the run's random secret; one that does
 * not gets a bare 401. Nothing is logged: the answers are tokens.
 */
export async function startTokenBroker(config: ProviderConfig): Promise<TokenBroker> {
  const secret = randomBytes(32).toString("base64url");
  const expected = digest(`Bearer ${secret}`);
  const fetched: BrokerStats = { componentTokens: 0, accountTokens: 0, authorizerListPages: 0 };
  const client = new WeChatClient(config, {
    // The stacks' providers and the runner's own look share this one pool: the runner reads thousands of accounts.
    connections: runnerConnections,
    answered: (request) => {
      const kind = kindOf(request.url);
      if (kind !== undefined) fetched[kind] += 1;
    },
  });
  const authorizers = new SharedFetch<"all", string[]>();
  const lookUp = (appId: string | null) => lookUpAccount(client, authorizers, appId);
  const know = async (appIds: Iterable<string>) => {
    const component = client.config.component;
    if (component && [...appIds].some((appId) => client.tokens.sourceFor(appId) === undefined)) {
      await authorizers.get("all", () => listAuthorizers(client, component, listConcurrency));
    }
  };

  const server = http.createServer((request, response) => {
    // Compared as digests, so that neither the time taken nor a length mismatch tells a guesser anything.
    if (!timingSafeEqual(digest(request.headers.authorization ?? ""), expected)) return void response.writeHead(401).end();
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/token") return void response.writeHead(404).end();
    if (request.method !== "GET") return void response.writeHead(405, { allow: "GET" }).end();
    void lookUp(url.searchParams.get("appid")).then(
      ({ status, body }) => response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body)),
      // Only a bug gets here; its message could hold anything, so the provider is told nothing but the status.
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    secret,
    stats: () => ({ ...fetched }),
    client,
    know,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Providers keep their connections alive for the whole run; without this, close() would wait for them to time out.
      server.closeAllConnections();
      await closed;
      await client.close();
    },
  };
}

/**
 * The answer for one app id, as the provider's token source reads it (provider/client/tokens.ts): HTTP 200 with a
 * token, or with WeChat's `errcode`, which the provider explains as it explains WeChat's own; HTTP 502 when the broker
 * could not get an answer from WeChat, which the provider retries as it retries WeChat's 5xx.
 *
 * An account no configured credential serves, while the third-party platform is configured, sends the broker to
 * api_get_authorizer_list once per run for every authorizer's refresh token: a platform's thousands of them need not
 * be configured (WECHAT_AUTHORIZER_REFRESH_TOKENS would pass Linux's 128 KiB limit on one variable at about 2,200).
 */
async function lookUpAccount(client: WeChatClient, authorizers: SharedFetch<"all", string[]>, appId: string | null): Promise<{ status: number; body: object }> {
  const { tokens, config } = client;
  try {
    if (appId === null || !isAppId(appId)) return refused(ErrCode.InvalidAppId);
    if (tokens.sourceFor(appId) === undefined && config.component) {
      const component = config.component;
      await authorizers.get("all", () => listAuthorizers(client, component, listConcurrency));
    }
    // The provider's message then says what the code means for the app id: not authorized to the platform, or unknown.
    if (tokens.sourceFor(appId) === undefined) return refused(config.component ? ErrCode.ComponentNotAuthorized : ErrCode.InvalidAppId);
    const token = await tokens.current(appId, `account ${appId}`);
    // At least 1: the provider refuses an answer whose expires_in is not positive.
    const expiresIn = Math.max(1, Math.min(maxExpiresInSeconds, Math.floor((token.expiresAt - Date.now()) / 1000)));
    return { status: 200, body: { access_token: token.value, expires_in: expiresIn } };
  } catch (error) {
    if (!(error instanceof WeChatError)) throw error;
    // WeChatError messages name the call and the account, never a token or secret.
    return { status: error.errcode === undefined ? 502 : 200, body: { errcode: error.errcode ?? ErrCode.SystemBusy, errmsg: error.message } };
  }
}

function refused(errcode: number): { status: number; body: object } {
  return { status: 200, body: { errcode, errmsg: "the token broker holds no credential for this app id" } };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
