import type * as RedisModule from "@redis/client";
import type { ComponentCredentials, TokenStoreConfig } from "../config";
import { CallContext, WeChatError } from "./errors";
import { RetryPolicy, withRetry } from "./retry";
import { SharedFetch } from "./shared-fetch";
import type { Token } from "./token";

let redisModule: typeof RedisModule | undefined;
/** @redis/client is loaded by the first store read (a few hundred ms): a provider without a store never pays for it. */
function redis(): typeof RedisModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, as transport.ts loads undici
  return (redisModule ??= require("@redis/client") as typeof RedisModule);
}

type Client = ReturnType<typeof RedisModule.createClient>;

/**
 * Where a platform's WeChat SDK keeps its tokens in Redis. Checked against the SDKs' own sources:
 * - WxJava (weixin-java-open, AbstractWxOpenInRedisConfigStorage and its Jedis, RedisTemplate and Redisson storages):
 *   `[keyPrefix:]wechat_component_access_token:{componentAppId}`,
 *   `[keyPrefix:]wechat_component_verify_ticket:{componentAppId}`,
 *   `[keyPrefix:]wechat_authorizer_access_token:{componentAppId}:{appId}`,
 *   `[keyPrefix:]wechat_authorizer_refresh_token:{componentAppId}:{appId}`; plain strings; access tokens live
 *   `expires_in - 200` s, tickets and refresh tokens have no expiry; a token whose key has under 2 s left, or no
 *   expiry at all, is expired to WxJava. Its fetches take the locks `componentAccessTokenLock` and
 *   `{appId}:accessTokenLock` (no prefix), whose form depends on the storage: see `waitForLock`.
 * - wechatpy (RedisStorage, prefix "wechatpy"): `wechatpy:{componentAppId}_component_access_token`,
 *   `wechatpy:{componentAppId}_component_verify_ticket`, `wechatpy:{appId}_access_token`,
 *   `wechatpy:{appId}_refresh_token`; JSON-encoded values; access tokens live `expires_in` s, a key without expiry
 *   (a token given to the client) is a valid token to it; an account's own tokens (WeChatClient) use the same key.
 * - A template of the platform's own, e.g. `myplatform:token:{appId}`: plain strings, written as WxJava writes.
 */
interface Layout {
  account(appId: string): string;
  component?: string;
  ticket?: string;
  refresh?(appId: string): string;
  locks?: { component: string; account(appId: string): string };
  json: boolean;
  /** A written access token's time-to-live in seconds, from WeChat's expires_in. */
  ttl(expiresIn: number): number;
  /** What a token key without a time-to-live holds. */
  withoutExpiry: "expired" | "valid";
  /** Whether account keys also hold tokens of accounts that are not the platform's authorizers. */
  allAccounts: boolean;
}

function layoutOf(store: TokenStoreConfig, componentAppId: string | undefined): Layout {
  const beforeExpiry = (expiresIn: number) => Math.max(1, expiresIn - 200);
  if (store.layout === "wxjava") {
    const prefix = store.prefix === undefined ? "" : store.prefix.endsWith(":") ? store.prefix : `${store.prefix}:`;
    const c = componentAppId ?? "";
    return {
      account: (appId) => `${prefix}wechat_authorizer_access_token:${c}:${appId}`,
      component: `${prefix}wechat_component_access_token:${c}`,
      ticket: `${prefix}wechat_component_verify_ticket:${c}`,
      refresh: (appId) => `${prefix}wechat_authorizer_refresh_token:${c}:${appId}`,
      locks: { component: "componentAccessTokenLock", account: (appId) => `${appId}:accessTokenLock` },
      json: false,
      ttl: beforeExpiry,
      withoutExpiry: "expired",
      allAccounts: false,
    };
  }
  if (store.layout === "wechatpy") {
    const prefix = `${store.prefix ?? "wechatpy"}:`;
    return {
      account: (appId) => `${prefix}${appId}_access_token`,
      component: componentAppId && `${prefix}${componentAppId}_component_access_token`,
      ticket: componentAppId && `${prefix}${componentAppId}_component_verify_ticket`,
      refresh: (appId) => `${prefix}${appId}_refresh_token`,
      json: true,
      ttl: (expiresIn) => expiresIn,
      withoutExpiry: "valid",
      allAccounts: true,
    };
  }
  const template = `${store.prefix ?? ""}${store.layout.template}`;
  return {
    account: (appId) => template.replaceAll("{appId}", appId).replaceAll("{componentAppId}", componentAppId ?? ""),
    json: false,
    ttl: beforeExpiry,
    withoutExpiry: "valid",
    allAccounts: true,
  };
}

/** A key whose token has less left than this is expired, as WxJava judges it. */
const minimumTtlMs = 2_000;
/** A valid token whose key has no expiry is read again after this long, so that a renewal by the platform is seen. */
const unknownLifetimeMs = 5 * 60_000;
/** How long a fetch waits for a WxJava lock held by the platform's servers, at most (RedisTemplate's lease is 60 s). */
const lockWaitMs = 60_000;

/** What a token key holds. */
type Found =
  | { usable: Token; raw: string }
  | { usable?: undefined; why: "absent" | "expired" | "rejected"; raw?: string };

export interface RedisTokensOptions {
  requestTimeoutMs: number;
  /** The client's own policy: the store's commands are retried as WeChat calls are. */
  retry: RetryPolicy;
}

/**
 * The platform's Redis as a token source (`wechat:tokenStore`): each token is read from the key the platform's SDK
 * keeps it under. When the key holds none usable (absent, expired, or a token WeChat rejected), the token is fetched
 * as without a store and written back under the same key with the layout's time-to-live, so the platform's servers and
 * the provider share it; in read-only mode the read fails instead. A key holding anything but a token is never
 * overwritten. Calls are retried as WeChat calls are; messages name the store by its URL without password, the account
 * and the key, never a value.
 */
export class RedisTokens {
  private readonly layout: Layout;
  private readonly connection = new SharedFetch<"client", Client>();
  /** Tokens WeChat rejected in this run: found again in the store, they are not usable. */
  private readonly rejected = new Set<string>();
  constructor(
    private readonly store: TokenStoreConfig,
    private readonly component: ComponentCredentials | undefined,
    private readonly options: RedisTokensOptions,
  ) {
    this.layout = layoutOf(store, component?.appId);
  }

  /** The store's URL, without password. */
  get url(): string {
    return this.store.url;
  }

  /** Whether the store is where the account's token is looked for: WxJava's keys hold the platform's authorizers only. */
  serves(isAuthorizer: boolean): boolean {
    return this.layout.allAccounts || isAuthorizer;
  }

  /** The key the account's access token is read from. */
  accountKey(appId: string): string {
    return this.layout.account(appId);
  }

  /** WeChat refused `token` (40001, 40014, 42001): the store's copy of it is no longer usable either. */
  rejectedByWeChat(token: string): void {
    this.rejected.add(token);
  }

  /** The account's access token from the store; when it has none usable, `fetch`'s, written back (see the class). */
  accountToken(appId: string, account: string, fetch: () => Promise<Token>): Promise<Token> {
    return this.tokenAt(this.layout.account(appId), account, this.layout.locks?.account(appId), fetch);
  }

  /**
   * The platform's own token from the store, where the layout keeps it; otherwise, or when it has none usable,
   * `fetch`'s with the verify ticket to use: the store's, which the platform's servers keep current, else the
   * configured one.
   */
  componentToken(account: string, fetch: (verifyTicket: string | undefined) => Promise<Token>): Promise<Token> {
    const key = this.layout.component;
    if (key === undefined) return fetch(undefined);
    return this.tokenAt(key, account, this.layout.locks?.component, async () => fetch(await this.verifyTicket(account)));
  }

  /** The key of the account's refresh token, where the layout keeps them (as WxJava and wechatpy do). */
  refreshKey(appId: string): string | undefined {
    return this.layout.refresh?.(appId);
  }

  /** The account's refresh token from the store, where the layout keeps them. */
  async refreshToken(appId: string, account: string): Promise<string | undefined> {
    const key = this.layout.refresh?.(appId);
    if (key === undefined) return undefined;
    const found = await this.read(key, this.context("reading", account));
    return found.raw === undefined ? undefined : found.value;
  }

  /** Keeps a refresh token WeChat replaced where the platform's SDK keeps it, without expiry as the SDKs write it. */
  async saveRefreshToken(appId: string, account: string, refreshToken: string): Promise<void> {
    const key = this.layout.refresh?.(appId);
    if (key === undefined || this.store.readOnly) return;
    await this.run(this.context("writing", account), (client) => client.sendCommand(["SET", key, this.encode(refreshToken)]));
  }

  async close(): Promise<void> {
    const client = await this.connection.peek("client")?.catch(() => undefined);
    this.connection.forget("client");
    client?.destroy();
  }

  private async verifyTicket(account: string): Promise<string | undefined> {
    const key = this.layout.ticket;
    const stored = key === undefined ? undefined : await this.read(key, this.context("reading", account));
    const ticket = stored?.raw === undefined ? this.component?.verifyTicket : stored.value;
    if (ticket === undefined) {
      throw new WeChatError(
        "WECHAT_CREDENTIAL_ERROR",
        this.context("reading", account),
        `no component_verify_ticket: key ${key} is absent and wechat:componentVerifyTicket is not set. What to do: let the platform's servers ` +
          `store the ticket WeChat pushes every 10 minutes, or set wechat:componentVerifyTicket`,
      );
    }
    return ticket;
  }

  private async tokenAt(key: string, account: string, lock: string | undefined, fetch: () => Promise<Token>): Promise<Token> {
    const reading = this.context("reading", account);
    let found = await this.readToken(key, reading);
    if (found.usable) return found.usable;
    if (this.store.readOnly) {
      throw new WeChatError(
        "TOKEN_STORE_NO_TOKEN",
        reading,
        `key ${key} ${describeMiss(found.why)}, and wechat:tokenStoreMode is read-only, so the provider does not fetch one. ` +
          `What to do: let the platform's servers renew the token in the store, or set wechat:tokenStoreMode to read-write`,
      );
    }
    // The platform's servers may be fetching this very token: their fresh one is then read instead of fetching another.
    if (lock !== undefined && (await this.waitForLock(lock, reading))) {
      found = await this.readToken(key, reading);
      if (found.usable) return found.usable;
    }
    const token = await fetch();
    await this.writeBack(key, found.raw, token, this.context("writing", account));
    return token;
  }

  /**
   * WxJava's locks cannot be taken without its runtime: RedisTemplate's (and Jedis's) is a string set with NX, Redisson's a
   * hash of `<client id>:<thread id>` → hold count, kept alive by a watchdog, and each storage's lock calls fail with
   * WRONGTYPE on the other's. Taking one in the wrong form would break the platform's own token fetches, so the
   * provider only honours a lock held by the platform's servers: while it exists (of either form), it waits, at most
   * `lockWaitMs`, then reads the token again. Resolves to whether it waited.
   */
  private async waitForLock(lock: string, context: CallContext): Promise<boolean> {
    const deadline = Date.now() + lockWaitMs;
    for (let waited = false; ; waited = true) {
      const ttl = Number(await this.run(context, (client) => client.sendCommand(["PTTL", lock])));
      if (ttl === -2 || Date.now() >= deadline) return waited;
      await new Promise((resolve) => setTimeout(resolve, ttl > 0 ? Math.min(ttl, 250) : 250));
    }
  }

  /** The token under `key` and the time-to-live the key has left, which is the token's lifetime for the cache. */
  private async readToken(key: string, context: CallContext): Promise<Found> {
    const found = await this.read(key, context, true);
    if (found.raw === undefined) return { why: "absent" };
    const { value, raw, ttlMs } = found;
    if (this.rejected.has(value)) return { why: "rejected", raw };
    const now = Date.now();
    if (ttlMs === -1) {
      if (this.layout.withoutExpiry === "expired") return { why: "expired", raw };
      return { usable: { value, renewAt: now + unknownLifetimeMs, expiresAt: now + unknownLifetimeMs }, raw };
    }
    if (ttlMs < minimumTtlMs) return { why: "expired", raw };
    return { usable: { value, renewAt: now + ttlMs, expiresAt: now + ttlMs }, raw };
  }

  /**
   * A string key's value, checked to be a token, ticket or refresh token; with `withTtl`, its remaining time-to-live,
   * asked in the same round trip. A pipeline rather than MULTI or a script: a read-only user needs GET and PTTL only.
   */
  private async read(key: string, context: CallContext, withTtl = false): Promise<{ raw?: undefined } | { raw: string; value: string; ttlMs: number }> {
    const [raw, ttl = -1] = await this.run(context, async (client) => {
      const commands = client.multi().sendCommand(["GET", key]);
      if (withTtl) commands.sendCommand(["PTTL", key]);
      try {
        return await commands.execAsPipeline();
      } catch (error) {
        // A pipeline reports its failed commands together; the GET's (or PTTL's) own reply is what `failure` names.
        const { ErrorReply, MultiErrorReply } = redis();
        const reply: unknown = error instanceof MultiErrorReply ? error.errors().next().value : error;
        if (!(reply instanceof ErrorReply) || !reply.message.startsWith("WRONGTYPE")) throw reply;
        const type = await client.sendCommand(["TYPE", key]);
        throw this.notAToken(key, context, `a Redis ${typeof type === "string" ? type : "value of another type"}`);
      }
    });
    // PTTL -2: the key expired between the two commands.
    if (raw === null || raw === undefined || Number(ttl) === -2) return {};
    if (typeof raw !== "string") throw this.notAToken(key, context, "a value that is not a string");
    const value = this.decode(raw);
    if (typeof value !== "string") throw this.notAToken(key, context, value.what);
    return { raw, value, ttlMs: Number(ttl) };
  }

  /**
   * Writes a fetched token where the key still holds what was read (nothing, or the expired or rejected token), so a
   * token the platform's servers wrote meanwhile is kept; the provider then uses its own, which stays valid too.
   */
  private async writeBack(key: string, previous: string | undefined, token: Token, context: CallContext): Promise<void> {
    const expiresIn = Math.max(1, Math.round((token.expiresAt - Date.now()) / 1000));
    const ttlMs = String(this.layout.ttl(expiresIn) * 1000);
    await this.run(context, (client) =>
      client.sendCommand(["EVAL", compareAndSet, "1", key, previous === undefined ? "absent" : "present", previous ?? "", this.encode(token.value), ttlMs]),
    );
  }

  private encode(value: string): string {
    return this.layout.json ? JSON.stringify(value) : value;
  }

  /** A stored value, or what it is instead of one, in words that never quote it. */
  private decode(raw: string): string | { what: string } {
    let value = raw;
    if (this.layout.json) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return { what: `${describeText(raw)} that is not JSON (wechatpy's RedisStorage stores JSON: is wechat:tokenStoreLayout right?)` };
      }
      if (typeof parsed !== "string") return { what: `JSON that is not a string (${Array.isArray(parsed) ? "an array" : parsed === null ? "null" : typeof parsed})` };
      value = parsed;
    } else if (/^".*"$/s.test(raw) || /^[{[]/.test(raw)) {
      return { what: "JSON text (wechatpy stores tokens as JSON: is wechat:tokenStoreLayout right?)" };
    }
    return /^[\x21-\x7e]{8,2048}$/.test(value) && !/["'\\{}[\]]/.test(value) ? value : { what: describeText(value) };
  }

  private notAToken(key: string, context: CallContext, what: string): WeChatError {
    return new WeChatError("TOKEN_STORE_NOT_A_TOKEN", context, `key ${key} holds ${what}, not a token; the provider leaves it as it is`);
  }

  private context(verb: "reading" | "writing", account: string): CallContext {
    return { call: `${verb} the token store ${this.url}`, account };
  }

  /**
   * Runs Redis commands on the shared connection, made on first use: retried as WeChat calls are (a lost connection or
   * a time-out is transient, a refused password is not), each attempt within wechat:requestTimeoutMs.
   */
  private run<T>(context: CallContext, commands: (client: Client) => Promise<T>): Promise<T> {
    return withRetry(async () => {
      let client: Client | undefined;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new WeChatError("TOKEN_STORE_TIMEOUT", context, `no answer within ${this.options.requestTimeoutMs} ms`)), this.options.requestTimeoutMs);
      });
      try {
        client = await Promise.race([this.connection.get("client", () => this.connect()), timeout]);
        return await Promise.race([commands(client), timeout]);
      } catch (error) {
        const failure = this.failure(error, context);
        // A connection that failed or timed out is not trusted again: a late answer would be taken for the next command's.
        if (failure.code === "TOKEN_STORE_UNREACHABLE" || failure.code === "TOKEN_STORE_TIMEOUT" || failure.code === "TOKEN_STORE_REFUSED") this.drop(client);
        throw failure;
      } finally {
        clearTimeout(timer);
      }
    }, this.options.retry);
  }

  private async connect(): Promise<Client> {
    const { host, port, tls, username, password, database } = this.store;
    const client = redis().createClient({
      // RESP2 speaks to every Redis a platform may run; RESP3 needs Redis 6.
      RESP: 2,
      username,
      password,
      database,
      disableOfflineQueue: true,
      // CLIENT SETINFO is one more command a restricted user may not run, and older Redis does not know.
      disableClientInfo: true,
      socket: { host, port, ...(tls ? { tls: true as const, servername: host } : {}), connectTimeout: this.options.requestTimeoutMs, reconnectStrategy: false },
    });
    // Without a listener an 'error' event would end the process; failures reach the caller through the commands.
    client.on("error", () => undefined);
    try {
      await client.connect();
    } catch (error) {
      client.destroy();
      throw error;
    }
    // An idle connection must not keep a process alive (a fleet runner, a script that never calls close): while a
    // command waits, `run`'s time-out timer does.
    client.unref();
    return client as Client;
  }

  private drop(client: Client | undefined): void {
    this.connection.forget("client");
    if (client?.isOpen) client.destroy();
  }

  /** What went wrong, as a WeChatError whose code says whether retrying may help; the password never appears. */
  private failure(error: unknown, context: CallContext): WeChatError {
    if (error instanceof WeChatError) return error;
    const password = this.store.password;
    const scrub = (text: string) => (password ? text.replaceAll(password, "REDACTED") : text);
    const message = scrub(error instanceof Error ? error.message : String(error));
    const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
    const { ErrorReply, ConnectionTimeoutError } = redis();
    if (error instanceof ConnectionTimeoutError) return new WeChatError("TOKEN_STORE_TIMEOUT", context, `could not connect within ${this.options.requestTimeoutMs} ms`);
    if (!(error instanceof ErrorReply)) {
      const reason = code === undefined || message.includes(code) ? message : `${message} (${code})`;
      return new WeChatError("TOKEN_STORE_UNREACHABLE", context, `could not reach it: ${reason}`);
    }
    if (/^(WRONGPASS|NOAUTH)\b/.test(message) || /without any password configured/.test(message)) {
      return new WeChatError(
        "TOKEN_STORE_REFUSED",
        context,
        `the store refused the credentials (${message}). What to do: check wechat:tokenStorePassword, or the user and password in wechat:tokenStore`,
      );
    }
    if (/^NOPERM\b/.test(message)) {
      return new WeChatError(
        "TOKEN_STORE_REFUSED",
        context,
        `the store's user may not do this (${message}). What to do: grant it GET, PTTL and TYPE on the token keys, and SET and EVAL in read-write mode, or set wechat:tokenStoreMode to read-only`,
      );
    }
    if (/^READONLY\b/.test(message)) {
      return new WeChatError("TOKEN_STORE_REFUSED", context, `the store is a read-only replica. What to do: point wechat:tokenStore at the primary, or set wechat:tokenStoreMode to read-only`);
    }
    // Redis starting up, running a long script, or failing over: a later attempt finds it serving again.
    if (/^(LOADING|BUSY|TRYAGAIN|MASTERDOWN|CLUSTERDOWN)\b/.test(message)) return new WeChatError("TOKEN_STORE_UNREACHABLE", context, `the store is not serving: ${message}`);
    return new WeChatError("TOKEN_STORE_NOT_A_TOKEN", context, `the store answered: ${message}`);
  }
}

/** Sets KEYS[1] to ARGV[3] for ARGV[4] ms if it still holds what was read: nothing (ARGV[1] "absent") or ARGV[2]. */
const compareAndSet = `
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == 'absent') or (current ~= false and ARGV[1] == 'present' and current == ARGV[2]) then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
  return 1
end
return 0
`;

function describeMiss(why: "absent" | "expired" | "rejected"): string {
  switch (why) {
    case "absent":
      return "holds no token";
    case "expired":
      return "holds an expired token";
    case "rejected":
      return "holds a token WeChat rejected";
  }
}

/** Text that is not a token, described by its shape only. */
function describeText(text: string): string {
  if (text === "") return "an empty string";
  // Bytes that are not UTF-8 arrive as U+FFFD; control characters are as telling.
  // eslint-disable-next-line no-control-regex -- control characters are what binary data has
  if (/[\uFFFD\u0000-\u0008\u000e-\u001f]/.test(text)) {
    return "binary data (WxJava's Redisson storage writes binary unless Redisson's codec is StringCodec)";
  }
  return `${text.length} characters of text`;
}
