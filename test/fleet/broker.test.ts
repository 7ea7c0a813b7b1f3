import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type TokenBroker, startTokenBroker } from "../../fleet/broker";
import { loadConfig } from "../../provider/config";
import { useEmulator, refreshTokens, seed } from "../support/emulator";
import { failure, providersFor } from "../support/providers";

const emulator = useEmulator();

let broker: TokenBroker;
beforeEach(async () => {
  broker = await startTokenBroker(platformConfig());
});
afterEach(async () => {
  vi.useRealTimers();
  await broker.close();
});

/** The runner's configuration: the third-party platform's credentials, which only the broker holds. */
function platformConfig(refreshTokensConfigured = true) {
  const loaded = loadConfig(
    (key) =>
      ({
        "wechat:endpoint": emulator.url,
        "wechat:componentAppId": seed.component.appId,
        "wechat:componentAppSecret": seed.component.appSecret,
        "wechat:componentVerifyTicket": seed.component.verifyTicket,
        "wechat:authorizerRefreshTokens": refreshTokensConfigured ? JSON.stringify(refreshTokens()) : undefined,
      })[key],
    {},
  );
  if (!loaded.ok) throw new Error(loaded.problems.join("; "));
  return loaded.config;
}

const accounts = [seed.coffee, seed.bakery, seed.books, seed.mall, seed.officialAccount];

/** Asks the broker for an app id's token; `authorization` null sends no such header. */
async function ask(appId: string, authorization: string | null = `Bearer ${broker.secret}`, url = broker.url) {
  const response = await fetch(`${url}?appid=${appId}`, { headers: authorization === null ? {} : { authorization } });
  const text = await response.text();
  return { status: response.status, text, body: response.status === 200 ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

const counts = async () => (await emulator.calls()).counts;

describe("the token broker", () => {
  it("fetches the component token once and each account's token once, however many ask at once", async () => {
    // Slow token answers, so that the requests below all arrive while the fetches are in flight.
    await emulator.fault({ path: "/cgi-bin/component/api_authorizer_token", delayMs: 100 });
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => ask(accounts[i % accounts.length])));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    for (const appId of accounts) {
      const tokens = new Set(answers.filter((_, i) => accounts[i % accounts.length] === appId).map((answer) => answer.body!.access_token));
      expect(tokens.size).toBe(1);
    }
    for (const { body } of answers) expect(body!.expires_in).toBeGreaterThan(7000);
    expect(await counts()).toEqual({ "/cgi-bin/component/api_component_token": 1, "/cgi-bin/component/api_authorizer_token": accounts.length });
    expect(broker.stats()).toEqual({ componentTokens: 1, accountTokens: accounts.length, authorizerListPages: 0 });
    expect(broker.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/token$/);
  });

  it("fetches again shortly before a token expires, and tells each caller how long the token it hands out has left", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const first = await ask(seed.coffee);
    vi.setSystemTime(Date.now() + 3600_000);
    const later = await ask(seed.coffee);
    expect(later.body!.access_token).toBe(first.body!.access_token);
    expect(later.body!.expires_in).toBeLessThanOrEqual(3600);
    vi.setSystemTime(Date.now() + 3400_000); // 100 s before WeChat's expiry: inside the renewal margin
    const renewed = await ask(seed.coffee);
    expect(renewed.body!.access_token).not.toBe(first.body!.access_token);
    expect(renewed.body!.expires_in).toBeGreaterThan(7000);
    expect(broker.stats()).toEqual({ componentTokens: 2, accountTokens: 2, authorizerListPages: 0 });
  });

  it.each([
    ["no Authorization header", null],
    ["a wrong secret", "Bearer not-the-secret"],
    ["the secret without its scheme", "SECRET"],
    ["the secret with another scheme", "Basic SECRET"],
  ])("answers a request with %s with a bare 401, and fetches nothing", async (_, authorization) => {
    const { status, text } = await ask(seed.coffee, authorization === null ? null : authorization.replace("SECRET", broker.secret));
    expect(status).toBe(401);
    expect(text).toBe("");
    expect(await counts()).toEqual({});
    expect(broker.stats()).toEqual({ componentTokens: 0, accountTokens: 0, authorizerListPages: 0 });
  });

  it("refuses a request to another path or with another method, once the secret is shown", async () => {
    expect((await ask(seed.coffee, null, broker.url.replace("/token", "/other"))).status).toBe(401);
    expect((await ask(seed.coffee, `Bearer ${broker.secret}`, broker.url.replace("/token", "/other"))).status).toBe(404);
    const post = await fetch(`${broker.url}?appid=${seed.coffee}`, { method: "POST", headers: { authorization: `Bearer ${broker.secret}` } });
    expect(post.status).toBe(405);
  });

  it("answers with WeChat's errcode when it cannot serve an account, as the provider expects of a token service", async () => {
    const unknown = await ask("wx00000000000000ff");
    expect(unknown.body).toMatchObject({ errcode: 61003 });
    expect((await ask("not-an-app-id")).body).toMatchObject({ errcode: 40013 });
    await emulator.fault({ path: "/cgi-bin/component/api_authorizer_token", appId: seed.bakery, errcode: 61023 });
    expect((await ask(seed.bakery)).body).toMatchObject({ errcode: 61023 });
  });

  it("without configured refresh tokens, takes every authorizer's from api_get_authorizer_list, once per run", async () => {
    const listing = await startTokenBroker(platformConfig(false));
    try {
      const asked = [...accounts, "wx00000000000000ff", "wx00000000000000fe"];
      const answers = await Promise.all(asked.map((appId) => ask(appId, `Bearer ${listing.secret}`, listing.url)));
      expect(answers.slice(0, accounts.length).map((answer) => typeof answer.body?.access_token)).toEqual(accounts.map(() => "string"));
      // Accounts that did not authorize the platform are refused as before, without listing again.
      expect(answers.slice(accounts.length).map((answer) => answer.body?.errcode)).toEqual([61003, 61003]);
      expect((await ask("wx00000000000000fd", `Bearer ${listing.secret}`, listing.url)).body).toMatchObject({ errcode: 61003 });
      const c = await counts();
      expect(c["/cgi-bin/component/api_get_authorizer_list"]).toBe(1);
      expect(c["/cgi-bin/component/api_authorizer_token"]).toBe(accounts.length);
      expect(listing.stats()).toEqual({ componentTokens: 1, accountTokens: accounts.length, authorizerListPages: 1 });
    } finally {
      await listing.close();
    }
  });

  it("answers 502, which the provider retries, when WeChat gave no answer", async () => {
    const impatient = await startTokenBroker({ ...platformConfig(), maxAttempts: 1 });
    try {
      await emulator.fault({ path: "/cgi-bin/component/api_authorizer_token", httpStatus: 503, times: 1 });
      expect((await ask(seed.coffee, `Bearer ${impatient.secret}`, impatient.url)).status).toBe(502);
      expect((await ask(seed.coffee, `Bearer ${impatient.secret}`, impatient.url)).status).toBe(200);
    } finally {
      await impatient.close();
    }
  });

  it("serves the stacks' providers, which present the secret, with one token per account across all of them", async () => {
    const stack = () => providersFor(emulator.url, "appSecrets", { "wechat:appSecrets": "", "wechat:tokenUrl": broker.url, "wechat:tokenUrlSecret": broker.secret });
    const [one, two] = [stack(), stack()];
    await one.plugin.create({ appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.4.2" });
    await two.plugin.create({ appId: seed.bakery, pluginAppId: seed.reviews });
    await Promise.all([one, two].map(({ plugin }) => plugin.read(`${seed.coffee}/${seed.liveChat}`, {})));
    const c = await counts();
    expect(c["/cgi-bin/component/api_component_token"]).toBe(1);
    expect(c["/cgi-bin/component/api_authorizer_token"]).toBe(2);
    expect(c["/wxa/plugin#update"]).toBe(1); // a quick update: the broker hands out the platform's authorizer tokens

    const withoutSecret = providersFor(emulator.url, "appSecrets", { "wechat:appSecrets": "", "wechat:tokenUrl": broker.url });
    const error = await failure(withoutSecret.plugin.read(`${seed.coffee}/${seed.liveChat}`, {}));
    expect(error.message).toMatch(/fetching an access token \(tokenUrl\) for mini program wxc0ffee0000000001 failed: HTTP 401/);
  });

  it("writes no token or secret to any log", async () => {
    const written: string[] = [];
    const capture = (...args: unknown[]) => void written.push(args.map(String).join(" "));
    const spies = [
      vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (capture(chunk), true)),
      vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (capture(chunk), true)),
      ...(["log", "info", "warn", "error", "debug"] as const).map((level) => vi.spyOn(console, level).mockImplementation(capture)),
    ];
    try {
      // A busy WeChat (retried), a refusal passed on to the caller, and a caller without the secret, beside the tokens served.
      await emulator.fault({ path: "/cgi-bin/component/api_authorizer_token", errcode: -1, times: 1 });
      await emulator.fault({ path: "/cgi-bin/component/api_authorizer_token", appId: seed.mall, errcode: 61023 });
      const answers = await Promise.all(accounts.filter((appId) => appId !== seed.mall).map((appId) => ask(appId)));
      expect((await ask(seed.mall)).body).toMatchObject({ errcode: 61023 });
      expect((await ask(seed.coffee, "Bearer wrong")).status).toBe(401);
      const secrets = [broker.secret, seed.component.appSecret, seed.component.verifyTicket, ...Object.values(refreshTokens()), ...answers.map((a) => String(a.body!.access_token))];
      for (const line of written) for (const secret of secrets) expect(line).not.toContain(secret);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
