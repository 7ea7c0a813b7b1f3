import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../provider/config";
import { useEmulator, refreshTokens, seed } from "../support/emulator";
import { failure, providersFor } from "../support/providers";
import { platformTokens as fetchPlatformTokens, RedisServer, seedWxJava as seedKeys, wxjavaKeys, type PlatformTokens } from "../support/redis";

// The platform's Redis as a token source (wechat:tokenStore), against a real redis-server and the emulator.

const emulator = useEmulator();
let redis: RedisServer;
beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(() => redis?.stop());
beforeEach(async () => {
  await redis.flush();
  await redis.resetStats();
});

const component = seed.component.appId;
const oa = seed.officialAccount;
const componentTokenPath = "/cgi-bin/component/api_component_token";
const authorizerTokenPath = "/cgi-bin/component/api_authorizer_token";

type Setup = ReturnType<typeof providersFor>;
const opened: Setup[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((setup) => setup.client.tokens.close()));
});

/** A provider run (as one `pulumi` command's provider process) reading tokens from `store`. */
function run(store: Record<string, string>, credentials: Record<string, string> = {}, storeUrl = redis.url): Setup {
  const setup = providersFor(emulator.url, "thirdParty", { "wechat:tokenStore": storeUrl, "wechat:maxAttempts": "2", ...store, ...credentials });
  opened.push(setup);
  return setup;
}

/** What one refresh of the program asks: two plugins on each of two mini programs, and a link of the official account. */
async function refresh({ plugin, link }: Setup): Promise<void> {
  await Promise.all([
    ...[seed.coffee, seed.bakery].flatMap((mp) => [seed.liveChat, seed.reviews].map((p) => plugin.read(`${mp}/${p}`, {}))),
    link.read(`${oa}/${seed.coffee}`, {}),
    link.read(`${oa}/${seed.bakery}`, {}),
  ]);
}
const accounts = [seed.coffee, seed.bakery, oa];

async function tokenCalls(): Promise<{ component: number; authorizer: number; stable: number }> {
  const { counts } = await emulator.calls();
  return { component: counts[componentTokenPath] ?? 0, authorizer: counts[authorizerTokenPath] ?? 0, stable: counts["/cgi-bin/stable_token"] ?? 0 };
}

/** A further run with the same store makes no token call: it reads what the previous run wrote back. */
async function expectNextRunFromStore(store: Record<string, string> = {}): Promise<void> {
  await emulator.clearCalls();
  await refresh(run(store));
  expect(await tokenCalls()).toEqual({ component: 0, authorizer: 0, stable: 0 });
}

/** The tokens the platform's servers hold for the accounts in play: fetched from the emulator, then the call log cleared. */
async function platformTokens(): Promise<PlatformTokens> {
  const all = refreshTokens();
  const tokens = await fetchPlatformTokens(emulator.url, seed.component, Object.fromEntries(accounts.map((appId) => [appId, all[appId]])));
  await emulator.clearCalls();
  return tokens;
}

const wxjava = wxjavaKeys(component);
const wechatpy = {
  component: `wechatpy:${component}_component_access_token`,
  ticket: `wechatpy:${component}_component_verify_ticket`,
  account: (appId: string) => `wechatpy:${appId}_access_token`,
};

const seedWxJava = (tokens: PlatformTokens) => seedKeys(redis.client, component, tokens);

async function get(key: string): Promise<{ value: string | null; ttlSeconds: number }> {
  const [value, ttl] = await Promise.all([redis.client.sendCommand(["GET", key]), redis.client.sendCommand(["PTTL", key])]);
  return { value: value as unknown as string | null, ttlSeconds: Number(ttl) / 1000 };
}

/** Every secret of the default seed and the tokens in play: none may appear in a message. */
function secretsIn(extra: string[] = []): string[] {
  return [seed.component.appSecret, seed.component.verifyTicket, ...Object.values(refreshTokens()), ...Object.values(seed.appSecrets), ...extra];
}

/**
 * A failure's message without the plugin or link it was reported for: a token is shared by the account's resources, so
 * whichever resource reports the failure may add itself as the subject, `for mini program wx… (plugin wx…) failed`.
 */
function said(error: Error): string {
  return error.message.replace(/^(.*? for (?:mini program|official account|third-party platform) wx[0-9a-f]{16}) \((?:plugin|link)[^)]*\)/, "$1");
}

function expectNoSecret(text: string, secrets: string[]): void {
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe("WxJava's layout", () => {
  it("takes every token from the store: no api_component_token, no api_authorizer_token, one read per key however many callers", async () => {
    const tokens = await platformTokens();
    await seedWxJava(tokens);

    const setup = run({});
    await refresh(setup);
    // The same run again, with a call made with the platform's own token: the tokens are kept, not read again.
    await Promise.all(accounts.map((appId) => setup.client.tokens.current(appId, `account ${appId}`)));
    const info = await setup.client.callAsComponent("/cgi-bin/component/api_get_authorizer_info", { component_appid: component, authorizer_appid: seed.books }, { call: "authorizer info", account: "books" });
    expect(info.authorizer_info).toBeDefined();

    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 0, stable: 0 });
    // One GET per account key, and one for the platform's token.
    expect((await redis.commandCalls()).get).toBe(accounts.length + 1);
  });

  it("fetches a token the store lacks once, writes it back with WxJava's time-to-live, and the next run reads it", async () => {
    const setup = run({});
    await refresh(setup);
    expect(await tokenCalls()).toEqual({ component: 1, authorizer: 3, stable: 0 });
    for (const key of [wxjava.component, ...accounts.map(wxjava.account)]) {
      const stored = await get(key);
      expect(stored.value).toMatch(/^[\w-]{20,}$/);
      // expires_in - 200 = 7000 s, as WxJava writes.
      expect(stored.ttlSeconds).toBeGreaterThan(6990);
      expect(stored.ttlSeconds).toBeLessThanOrEqual(7000);
    }

    await expectNextRunFromStore();
  });

  it("takes a key about to expire, or without expiry, for expired, as WxJava does, and renews it", async () => {
    const tokens = await platformTokens();
    await seedWxJava(tokens);
    await redis.client.sendCommand(["SET", wxjava.account(seed.coffee), tokens.authorizers[seed.coffee], "PX", "1500"]);
    await redis.client.sendCommand(["SET", wxjava.account(seed.bakery), tokens.authorizers[seed.bakery]]);

    await refresh(run({}));
    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 2, stable: 0 });
    for (const appId of [seed.coffee, seed.bakery]) {
      const stored = await get(wxjava.account(appId));
      expect(stored.value).not.toBe(tokens.authorizers[appId]);
      expect(stored.ttlSeconds).toBeGreaterThan(6990);
    }
  });

  it("renews a token WeChat rejects (40001): fetched once, written back over it, and read by the next run", async () => {
    const tokens = await platformTokens();
    tokens.authorizers[seed.coffee] = "stale-token-the-platform-lost-0001";
    await seedWxJava(tokens);

    await refresh(run({}));
    const calls = await emulator.calls();
    expect(calls.calls.filter((c) => c.errcode === 40001)).toHaveLength(1);
    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 1, stable: 0 });
    const renewed = await get(wxjava.account(seed.coffee));
    expect(renewed.value).not.toBe("stale-token-the-platform-lost-0001");

    await expectNextRunFromStore();
  });

  it("honours the key's time-to-live: the token is kept until then, and read again after it", async () => {
    const tokens = await platformTokens();
    await seedWxJava(tokens);
    await redis.client.sendCommand(["SET", wxjava.account(seed.coffee), tokens.authorizers[seed.coffee], "PX", "2600"]);
    const { tokens: cache } = run({}).client;
    const first = await cache.current(seed.coffee, "coffee");
    expect(first.value).toBe(tokens.authorizers[seed.coffee]);
    expect(first.expiresAt - Date.now()).toBeLessThanOrEqual(2600);
    expect((await cache.current(seed.coffee, "coffee")).value).toBe(first.value);
    expect((await redis.commandCalls()).get).toBe(1);
    // The platform's servers renew the token once its key has expired.
    await new Promise((resolve) => setTimeout(resolve, 2700));
    const renewed = (await platformTokens()).authorizers[seed.coffee];
    await redis.client.sendCommand(["SET", wxjava.account(seed.coffee), renewed, "EX", "7000"]);
    await redis.resetStats();

    expect((await cache.current(seed.coffee, "coffee")).value).toBe(renewed);
    expect((await redis.commandCalls()).get).toBe(1);
    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 0, stable: 0 });
  });

  it("takes the keyPrefix as WxJava does (a colon added), the verify ticket and refresh tokens from the store", async () => {
    const prefix = "shop";
    await redis.client.sendCommand(["SET", `${prefix}:${wxjava.ticket}`, seed.component.verifyTicket]);
    await redis.client.sendCommand(["SET", `${prefix}:${wxjava.refresh(seed.coffee)}`, refreshTokens()[seed.coffee]]);
    // Only the platform's app id and secret are configured: the ticket and the refresh token are the store's.
    const setup = run({ "wechat:tokenStorePrefix": prefix }, { "wechat:componentVerifyTicket": "", "wechat:authorizerRefreshTokens": "" });
    await setup.plugin.read(`${seed.coffee}/${seed.liveChat}`, {});
    expect(await tokenCalls()).toEqual({ component: 1, authorizer: 1, stable: 0 });
    expect((await get(`${prefix}:${wxjava.component}`)).value).toMatch(/^[\w-]{20,}$/);
    expect((await get(`${prefix}:${wxjava.account(seed.coffee)}`)).ttlSeconds).toBeGreaterThan(6990);
  });

  it("waits for a WxJava lock held by the platform's servers, and takes the token they store instead of fetching one", async () => {
    const tokens = await platformTokens();
    await seedWxJava({ component: tokens.component, authorizers: {} });
    // Redisson's form: a hash of <client id>:<thread id> → hold count, with a lease.
    await redis.client.sendCommand(["HSET", `${seed.coffee}:accessTokenLock`, "3f2a0c1e-platform:57", "1"]);
    await redis.client.sendCommand(["PEXPIRE", `${seed.coffee}:accessTokenLock`, "3000"]);
    setTimeout(() => void redis.client.sendCommand(["SET", wxjava.account(seed.coffee), tokens.authorizers[seed.coffee], "EX", "7000"]), 400);
    setTimeout(() => void redis.client.sendCommand(["DEL", `${seed.coffee}:accessTokenLock`]), 500);

    await run({}).plugin.read(`${seed.coffee}/${seed.liveChat}`, {});
    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 0, stable: 0 });
    expect((await redis.commandCalls()).hset).toBe(1); // the test's own: the provider never takes the lock
  });
});

describe("read-only mode", () => {
  it("fails for a key without a token, naming the account and the key, and fetches nothing", async () => {
    const tokens = await platformTokens();
    await seedWxJava({ component: tokens.component, authorizers: { [oa]: tokens.authorizers[oa] } });
    await redis.resetStats();
    const error = await failure(run({ "wechat:tokenStoreMode": "read-only" }).plugin.read(`${seed.coffee}/${seed.liveChat}`, {}));
    expect(error.code).toBe("TOKEN_STORE_NO_TOKEN");
    expect(said(error)).toBe(
      `reading the token store ${redis.url} for mini program ${seed.coffee} failed: key ${wxjava.account(seed.coffee)} holds no token, ` +
        "and wechat:tokenStoreMode is read-only, so the provider does not fetch one. What to do: let the platform's servers renew the token " +
        "in the store, or set wechat:tokenStoreMode to read-write",
    );
    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 0, stable: 0 });
    expect((await redis.commandCalls()).set).toBeUndefined();
  });

  it("fails for a token WeChat rejects, and needs no AppSecret nor ticket: the platform's app id is all it takes", async () => {
    const tokens = await platformTokens();
    tokens.authorizers[seed.coffee] = "stale-token-the-platform-lost-0002";
    await seedWxJava(tokens);
    const setup = run(
      { "wechat:tokenStoreMode": "read-only" },
      { "wechat:componentAppSecret": "", "wechat:componentVerifyTicket": "", "wechat:authorizerRefreshTokens": "" },
    );
    const error = await failure(setup.plugin.read(`${seed.coffee}/${seed.liveChat}`, {}));
    expect(said(error)).toMatch(new RegExp(`^reading the token store ${redis.url} for mini program ${seed.coffee} failed: key ${wxjava.account(seed.coffee)} holds a token WeChat rejected, and wechat:tokenStoreMode is read-only`));
    expect(error.message).not.toContain("stale-token");
    // The other accounts are served from the store.
    await setup.link.read(`${oa}/${seed.coffee}`, {});
    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 0, stable: 0 });
  });
});

describe("wechatpy's layout", () => {
  it("reads JSON-encoded tokens under wechatpy:, and writes back JSON with a time-to-live of expires_in", async () => {
    const tokens = await platformTokens();
    await redis.client.sendCommand(["SET", wechatpy.component, JSON.stringify(tokens.component), "EX", "7200"]);
    await redis.client.sendCommand(["SET", wechatpy.ticket, JSON.stringify(seed.component.verifyTicket)]);
    for (const appId of [seed.coffee, seed.bakery]) await redis.client.sendCommand(["SET", wechatpy.account(appId), JSON.stringify(tokens.authorizers[appId]), "EX", "7200"]);

    await refresh(run({ "wechat:tokenStoreLayout": "wechatpy" }, { "wechat:componentVerifyTicket": "" }));
    // The official account's key was absent: fetched with the store's platform token, and written back.
    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 1, stable: 0 });
    const written = await get(wechatpy.account(oa));
    expect(JSON.parse(written.value!)).toMatch(/^[\w-]{20,}$/);
    expect(written.ttlSeconds).toBeGreaterThan(7190);
    expect(written.ttlSeconds).toBeLessThanOrEqual(7200);

    await expectNextRunFromStore({ "wechat:tokenStoreLayout": "wechatpy" });
  });

  it("serves accounts of their own too (WeChatClient's key), fetched with stable_token when absent", async () => {
    const config = { "wechat:tokenStoreLayout": "wechatpy", "wechat:tokenStorePrefix": "shop" };
    const setup = providersFor(emulator.url, "appSecrets", { "wechat:tokenStore": redis.url, ...config });
    opened.push(setup);
    await setup.plugin.read(`${seed.coffee}/${seed.liveChat}`, {});
    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 0, stable: 1 });
    expect(JSON.parse((await get(`shop:${seed.coffee}_access_token`)).value!)).toMatch(/^[\w-]{20,}$/);
  });
});

describe("a key template of the platform's own", () => {
  it("reads and writes plain tokens under the template, as WxJava's would", async () => {
    const layout = { "wechat:tokenStoreLayout": "myplatform:token:{componentAppId}:{appId}" };
    const key = (appId: string) => `myplatform:token:${component}:${appId}`;
    const tokens = await platformTokens();
    for (const appId of [seed.coffee, seed.bakery]) await redis.client.sendCommand(["SET", key(appId), tokens.authorizers[appId], "EX", "3600"]);

    await refresh(run(layout));
    // The template keeps account tokens only: the platform's own token is fetched, once, for the official account's.
    expect(await tokenCalls()).toEqual({ component: 1, authorizer: 1, stable: 0 });
    expect((await get(key(oa))).ttlSeconds).toBeGreaterThan(6990);

    await emulator.clearCalls();
    await refresh(run(layout));
    expect((await tokenCalls()).authorizer).toBe(0);
  });
});

describe("failures name the store (without password) and the account, and leave out every secret", () => {
  it("an unreachable store: retried as WeChat calls are, then a clear error", async () => {
    const down = await RedisServer.start();
    const url = down.url;
    await down.stop();
    const error = await failure(run({}, {}, url).plugin.read(`${seed.coffee}/${seed.liveChat}`, {}));
    expect(error.code).toBe("TOKEN_STORE_UNREACHABLE");
    expect(said(error)).toMatch(
      new RegExp(`^reading the token store ${url} for mini program ${seed.coffee} failed: could not reach it: .*ECONNREFUSED.*; gave up after 2 attempts \\(wechat:maxAttempts\\)$`),
    );
    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 0, stable: 0 });
  });

  describe("a store with a password", () => {
    const password = "s3cret-redis-pass!@#";
    let locked: RedisServer;
    beforeAll(async () => {
      locked = await RedisServer.start({ password });
    });
    afterAll(() => locked?.stop());

    it("reads with the password from wechat:tokenStorePassword or from the URL, and prints the URL without it", async () => {
      const tokens = await platformTokens();
      await locked.client.sendCommand(["FLUSHALL"]);
      await locked.client.sendCommand(["SET", wxjava.account(seed.coffee), tokens.authorizers[seed.coffee], "EX", "7000"]);
      await locked.client.sendCommand(["SET", wxjava.component, tokens.component, "EX", "7000"]);
      await run({ "wechat:tokenStorePassword": password }, {}, locked.url).plugin.read(`${seed.coffee}/${seed.liveChat}`, {});
      await run({}, {}, `redis://:${encodeURIComponent(password)}@127.0.0.1:${locked.port}/0`).plugin.read(`${seed.coffee}/${seed.reviews}`, {});
      expect(await tokenCalls()).toEqual({ component: 0, authorizer: 0, stable: 0 });
    });

    it("a wrong password, or none: not retried, and the message holds neither password", async () => {
      const wrong = await failure(run({ "wechat:tokenStorePassword": "not-the-password-123" }, {}, locked.url).plugin.read(`${seed.coffee}/${seed.liveChat}`, {}));
      expect(wrong.code).toBe("TOKEN_STORE_REFUSED");
      expect(said(wrong)).toMatch(
        new RegExp(`^reading the token store ${locked.url} for mini program ${seed.coffee} failed: the store refused the credentials \\(WRONGPASS .*\\)\\. What to do: check wechat:tokenStorePassword`),
      );
      const none = await failure(run({}, {}, locked.url).plugin.read(`${seed.coffee}/${seed.liveChat}`, {}));
      expect(said(none)).toMatch(/failed: the store refused the credentials \(NOAUTH .*\)/);
      const inUrl = await failure(run({}, {}, `redis://:wrong-in-url-456@127.0.0.1:${locked.port}`).plugin.read(`${seed.coffee}/${seed.liveChat}`, {}));
      expect(said(inUrl)).toContain(`reading the token store ${locked.url} for mini program`);
      for (const message of [wrong.message, none.message, inUrl.message]) expectNoSecret(message, secretsIn([password, "not-the-password-123", "wrong-in-url-456"]));
    });
  });

  it("a user that may read a key but not its time-to-live: the store's own NOPERM, not retried, and the commands to grant", async () => {
    const tokens = await platformTokens();
    await seedWxJava(tokens);
    // GET and PTTL go in one pipeline: the PTTL's refusal is the one reported, not the pipeline's summary.
    await redis.client.sendCommand(["ACL", "SETUSER", "reader", "on", ">reader-pass-1", "~*", "+get", "+type", "+select"]);
    try {
      const error = await failure(run({ "wechat:tokenStorePassword": "reader-pass-1" }, {}, `redis://reader@127.0.0.1:${redis.port}`).plugin.read(`${seed.coffee}/${seed.liveChat}`, {}));
      expect(error.code).toBe("TOKEN_STORE_REFUSED");
      expect(said(error)).toMatch(/failed: the store's user may not do this \(NOPERM .*pttl.*\)\. What to do: grant it GET, PTTL and TYPE on the token keys/i);
      expect((await redis.commandCalls()).get).toBe(1);
    } finally {
      await redis.client.sendCommand(["ACL", "DELUSER", "reader"]);
    }
  });

  it("a key holding something that is not a token: an error naming the key, which is left as it is", async () => {
    const tokens = await platformTokens();
    await seedWxJava(tokens);
    const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
      [seed.coffee, () => redis.client.sendCommand(["HSET", wxjava.account(seed.coffee), "token", tokens.authorizers[seed.coffee]]), /holds a Redis hash, not a token/],
      [seed.bakery, () => redis.client.sendCommand(["SET", wxjava.account(seed.bakery), JSON.stringify(tokens.authorizers[seed.bakery]), "EX", "7000"]), /holds JSON text \(wechatpy stores tokens as JSON: is wechat:tokenStoreLayout right\?\), not a token/],
      [oa, () => redis.client.sendCommand(["SET", wxjava.account(oa), Buffer.from([0x04, 0x3e, 0x20, 0xff, 0xfe, 0x00, 0x41]), "EX", "7000"]), /holds binary data \(WxJava's Redisson storage writes binary unless Redisson's codec is StringCodec\), not a token/],
    ];
    await redis.client.sendCommand(["DEL", ...accounts.map(wxjava.account)]);
    for (const [, seedIt] of cases) await seedIt();
    const before = await Promise.all(accounts.map((appId) => redis.client.sendCommand(["DUMP", wxjava.account(appId)])));

    const setup = run({});
    for (const [appId, , expected] of cases) {
      const read = appId === oa ? setup.link.read(`${oa}/${seed.coffee}`, {}) : setup.plugin.read(`${appId}/${seed.liveChat}`, {});
      const error = await failure(read);
      expect(error.code).toBe("TOKEN_STORE_NOT_A_TOKEN");
      expect(said(error)).toMatch(new RegExp(`^reading the token store ${redis.url} for (mini program|official account) ${appId} failed: key ${wxjava.account(appId)} `));
      expect(said(error)).toMatch(expected);
      expect(said(error)).toMatch(/; the provider leaves it as it is$/);
      expectNoSecret(error.message, secretsIn(Object.values(tokens.authorizers)));
    }
    expect(await Promise.all(accounts.map((appId) => redis.client.sendCommand(["DUMP", wxjava.account(appId)])))).toEqual(before);
    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 0, stable: 0 });
  });

  it("a token the store lacks and nothing to fetch it with: the keys read, and the credentials that would do", async () => {
    const noRefresh = await failure(run({}, { "wechat:authorizerRefreshTokens": "" }).plugin.read(`${seed.coffee}/${seed.liveChat}`, {}));
    expect(said(noRefresh)).toBe(
      `fetching an access token (tokenStore) for mini program ${seed.coffee} failed: key ${wxjava.account(seed.coffee)} of the token store ${redis.url} ` +
        `has no usable token, and nothing to fetch one with: its authorizer refresh token is in neither wechat:authorizerRefreshTokens nor key ` +
        `${wxjava.refresh(seed.coffee)}, and wechat:appSecrets has no entry for ${seed.coffee}`,
    );
    const noTicket = await failure(run({}, { "wechat:componentVerifyTicket": "" }).plugin.read(`${seed.coffee}/${seed.liveChat}`, {}));
    expect(said(noTicket)).toBe(
      `reading the token store ${redis.url} for third-party platform ${component} failed: no component_verify_ticket: key ${wxjava.ticket} is absent and ` +
        "wechat:componentVerifyTicket is not set. What to do: let the platform's servers store the ticket WeChat pushes every 10 minutes, or set wechat:componentVerifyTicket",
    );
    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 0, stable: 0 });
  });

  it("wechatpy's layout refuses a value that is not JSON, and says which layout reads it", async () => {
    const tokens = await platformTokens();
    await redis.client.sendCommand(["SET", wechatpy.account(seed.coffee), tokens.authorizers[seed.coffee], "EX", "7000"]);
    const error = await failure(run({ "wechat:tokenStoreLayout": "wechatpy" }).plugin.read(`${seed.coffee}/${seed.liveChat}`, {}));
    expect(said(error)).toMatch(/key wechatpy:wx[0-9a-f]{16}_access_token holds \d+ characters of text that is not JSON \(wechatpy's RedisStorage stores JSON: is wechat:tokenStoreLayout right\?\), not a token/);
    expect(error.message).not.toContain(tokens.authorizers[seed.coffee]);
  });

  it("a store that stops answering: each attempt times out, then a clear error", async () => {
    const tokens = await platformTokens();
    await seedWxJava(tokens);
    const { plugin } = run({}, { "wechat:requestTimeoutMs": "300" });
    const pausedUntil = Date.now() + 1000;
    // Two attempts of 300 ms, and the back-off between them, fit in the pause.
    await redis.client.sendCommand(["CLIENT", "PAUSE", "1000", "ALL"]);
    const error = await failure(plugin.read(`${seed.coffee}/${seed.liveChat}`, {}));
    expect(error.code).toBe("TOKEN_STORE_TIMEOUT");
    expect(said(error)).toMatch(new RegExp(`^reading the token store ${redis.url} for mini program ${seed.coffee} failed: (no answer within 300 ms|could not connect within 300 ms)`));
    expect(Date.now()).toBeLessThan(pausedUntil);
    await new Promise((resolve) => setTimeout(resolve, pausedUntil - Date.now() + 50));
  });
});

describe("configuration", () => {
  const load = (values: Record<string, string>, env: NodeJS.ProcessEnv = {}) => loadConfig((key) => values[key], env);
  const platform = { "wechat:componentAppId": component, "wechat:componentAppSecret": "platform-secret-1" };

  it("reads the store's keys from stack config or WECHAT_TOKEN_STORE…, with the password apart from the URL", () => {
    const loaded = load(platform, {
      WECHAT_TOKEN_STORE: "rediss://tokens@redis.internal:6380/3",
      WECHAT_TOKEN_STORE_PASSWORD: "pw-from-env-789",
      WECHAT_TOKEN_STORE_LAYOUT: "wechatpy",
      WECHAT_TOKEN_STORE_PREFIX: "shop",
      WECHAT_TOKEN_STORE_MODE: "read-only",
    });
    expect(loaded.ok && loaded.config.tokenStore).toEqual({
      url: "rediss://tokens@redis.internal:6380/3",
      host: "redis.internal",
      port: 6380,
      tls: true,
      database: 3,
      username: "tokens",
      password: "pw-from-env-789",
      layout: "wechatpy",
      prefix: "shop",
      readOnly: true,
    });
    const fromUrl = load({ ...platform, "wechat:tokenStore": "redis://:p%40ss@[::1]" });
    expect(fromUrl.ok && fromUrl.config.tokenStore).toMatchObject({ url: "redis://[::1]:6379", host: "::1", password: "p@ss", layout: "wxjava", readOnly: false });
    const malformed = load({ ...platform, "wechat:tokenStore": "redis://:p%zz@redis" });
    expect(malformed.ok && malformed.config.tokenStore).toMatchObject({ url: "redis://redis:6379", password: "p%zz" });
  });

  it("refuses what it cannot use, without echoing the URL or the password", () => {
    const problems = (values: Record<string, string>) => {
      const loaded = load(values);
      return loaded.ok ? [] : loaded.problems;
    };
    expect(problems({ ...platform, "wechat:tokenStore": "http://:hunter2@redis:6379" })).toEqual([
      "wechat:tokenStore (or WECHAT_TOKEN_STORE) must be a redis:// or rediss:// URL",
    ]);
    expect(problems({ ...platform, "wechat:tokenStore": "redis://:hunter2@redis:6379", "wechat:tokenStorePassword": "hunter2" })).toEqual([
      "give the token store's password once: in wechat:tokenStore (or WECHAT_TOKEN_STORE) or in wechat:tokenStorePassword (or WECHAT_TOKEN_STORE_PASSWORD)",
    ]);
    expect(problems({ ...platform, "wechat:tokenStore": "redis://redis/db" })).toEqual([
      "wechat:tokenStore (or WECHAT_TOKEN_STORE) has a path that is not a database number (redis://host:6379/2)",
    ]);
    expect(problems({ "wechat:tokenStore": "redis://redis" })).toEqual([
      "wechat:tokenStoreLayout (or WECHAT_TOKEN_STORE_LAYOUT) names its keys after the third-party platform: set wechat:componentAppId (or WECHAT_COMPONENT_APP_ID)",
    ]);
    expect(problems({ "wechat:tokenStore": "redis://redis", "wechat:tokenStoreLayout": "tokens:{appid}", "wechat:tokenStoreMode": "sometimes" })).toEqual([
      "wechat:tokenStoreLayout (or WECHAT_TOKEN_STORE_LAYOUT) must be wxjava, wechatpy, or a key template with {appId} (and optionally {componentAppId}), without spaces, e.g. myplatform:token:{appId}",
      "wechat:tokenStoreMode (or WECHAT_TOKEN_STORE_MODE) must be read-write or read-only",
    ]);
    expect(problems({ "wechat:tokenStorePassword": "hunter2", "wechat:tokenStoreMode": "read-only" })).toEqual([
      "wechat:tokenStorePassword (or WECHAT_TOKEN_STORE_PASSWORD), wechat:tokenStoreMode (or WECHAT_TOKEN_STORE_MODE) need wechat:tokenStore (or WECHAT_TOKEN_STORE)",
    ]);
    // Read-write fetches what the store lacks, so it needs the platform's secret; read-only needs only the app id.
    expect(problems({ "wechat:tokenStore": "redis://redis", "wechat:componentAppId": component })).toEqual([
      "third-party platform credentials are incomplete: set wechat:componentAppSecret (or WECHAT_COMPONENT_APP_SECRET)",
    ]);
    expect(problems({ "wechat:tokenStore": "redis://redis", "wechat:tokenStoreMode": "read-only", "wechat:componentAppId": component })).toEqual([]);
  });
});

describe("loading", () => {
  it("does not load the Redis client in a provider whose store is never read", () => {
    const root = join(__dirname, "..", "..");
    const script = `
      const { createProviders } = require("./dist/provider/providers");
      const { loadConfig } = require("./dist/provider/config");
      const loaded = loadConfig((key) => ({ "wechat:tokenStore": "redis://127.0.0.1:1", "wechat:componentAppId": "${component}", "wechat:componentAppSecret": "x" })[key], {});
      createProviders(loaded.config);
      console.log(Object.keys(require.cache).some((path) => path.includes("@redis")));`;
    expect(execFileSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8" }).trim()).toBe("false");
  });

  it("lets a process that read its tokens and never closed the store exit on its own", async () => {
    const tokens = await platformTokens();
    await seedWxJava(tokens);
    const root = join(__dirname, "..", "..");
    const config = { "wechat:tokenStore": redis.url, "wechat:componentAppId": component, "wechat:componentAppSecret": "x", "wechat:endpoint": emulator.url };
    const script = `
      const { TokenCache } = require("./dist/provider/client/token-cache");
      const { loadConfig } = require("./dist/provider/config");
      const loaded = loadConfig((key) => (${JSON.stringify(config)})[key], {});
      new TokenCache(loaded.config, () => Promise.reject(new Error("no fetch expected")), { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, minuteQuotaWaitMs: 0 })
        .current("${seed.coffee}", "coffee")
        .then((token) => console.log(token.value === "${tokens.authorizers[seed.coffee]}"));`;
    const started = Date.now();
    expect(execFileSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8", timeout: 10_000 }).trim()).toBe("true");
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
