// Daily quotas per account and API path: off unless the seed or the control surface sets them, counted per account
// (a platform's calls for an account count against that account), reset at midnight Beijing time.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type QuotaSpec } from "../../emulator/index";
import {
  BAKERY,
  COFFEE,
  COMPONENT,
  LIVE_CHAT,
  MEMBERSHIP,
  REVIEWS,
  expectError,
  expectOk,
  expectRefused,
  seedWith,
  startHarness,
  type Harness,
} from "./harness";

const PLUGIN = "/wxa/plugin";
const HOUR = 3600;
const DAY_MS = 24 * HOUR * 1000;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ seed: seedWith((seed) => (seed.quotas = { [PLUGIN]: 2 })) });
});
afterAll(() => h.close());
beforeEach(() => h.emulator.reset());

const apply = (token: string, pluginAppId = LIVE_CHAT) => h.post(PLUGIN, { action: "apply", plugin_appid: pluginAppId }, token);
const list = (token: string) => h.post(PLUGIN, { action: "list" }, token);
const quotaOf = (token: string, path = PLUGIN) => h.post("/cgi-bin/openapi/quota/get", { cgi_path: path }, token);
const setQuota = (quota: QuotaSpec) => h.client.setQuota(quota);

/** Moves the emulator's clock to `secondsBefore` seconds before the next midnight at this UTC offset (in hours). */
async function advanceToMidnight(utcOffsetHours: number, secondsBefore: number): Promise<void> {
  const now = Date.parse((await h.client.health()).now);
  const offsetMs = utcOffsetHours * HOUR * 1000;
  const midnight = (Math.floor((now + offsetMs) / DAY_MS) + 1) * DAY_MS - offsetMs;
  await h.advance(Math.floor((midnight - now) / 1000) - secondsBefore);
}

describe("a daily quota", () => {
  it("refuses an account's calls past the seed's limit with 45009, without acting, and leaves other accounts alone", async () => {
    const coffee = await h.stableToken(COFFEE);
    expectOk(await apply(coffee));
    expectOk(await list(coffee));
    expectError(await apply(coffee, REVIEWS), 45009);
    expect((await h.client.calls()).calls.at(-1)).toMatchObject({ path: PLUGIN, action: "apply", appId: COFFEE, errcode: 45009 });
    expect((await h.state()).bindings).toEqual([expect.objectContaining({ appId: COFFEE, pluginAppId: LIVE_CHAT })]);
    expectOk(await apply(await h.stableToken(BAKERY)));
  });

  it("is reported by openapi/quota/get: limit, calls used today and what remains", async () => {
    const coffee = await h.stableToken(COFFEE);
    expect(await quotaOf(coffee)).toEqual({ errcode: 0, errmsg: "ok", quota: { daily_limit: 2, used: 0, remain: 2 } });
    await list(coffee);
    expect((await quotaOf(coffee)).quota).toEqual({ daily_limit: 2, used: 1, remain: 1 });
    await list(coffee);
    await list(coffee);
    // The refused call is not counted: used never passes the limit.
    expect((await quotaOf(coffee)).quota).toEqual({ daily_limit: 2, used: 2, remain: 0 });
  });

  it("counts the platform's calls for an account against that account's quota", async () => {
    const platform = await h.authorizerToken(COFFEE);
    expectOk(await apply(platform));
    expectOk(await list(await h.stableToken(COFFEE)));
    expectError(await list(platform), 45009);
    expect((await quotaOf(platform)).quota).toEqual({ daily_limit: 2, used: 2, remain: 0 });
  });

  it("does not count a call a fault answered", async () => {
    const coffee = await h.stableToken(COFFEE);
    await h.client.addFault({ path: PLUGIN, errcode: -1, times: 1 });
    expectError(await list(coffee), -1);
    expect((await quotaOf(coffee)).quota.used).toBe(0);
  });

  it("starts again at midnight Beijing time on the emulator's clock, not at midnight UTC", async () => {
    await advanceToMidnight(0, 10);
    let coffee = await h.stableToken(COFFEE);
    await list(coffee);
    await list(coffee);
    await h.advance(20);
    // Midnight UTC is 08:00 in Beijing: the same day there.
    expectError(await list(coffee), 45009);

    await advanceToMidnight(8, 10);
    coffee = await h.stableToken(COFFEE);
    expectError(await list(coffee), 45009);
    await h.advance(20);
    expect((await quotaOf(coffee)).quota).toEqual({ daily_limit: 2, used: 0, remain: 2 });
    expectOk(await list(coffee));
  });

  it("is off for a path the seed gives no limit: calls are not counted, and quota/get reports the largest limit", async () => {
    const { emulator, ...open } = await startHarness();
    try {
      const coffee = await open.stableToken(COFFEE);
      for (let i = 0; i < 3; i++) expectOk(await open.post(PLUGIN, { action: "list" }, coffee));
      const quota = await open.post("/cgi-bin/openapi/quota/get", { cgi_path: PLUGIN }, coffee);
      expect(quota).toEqual({ errcode: 0, errmsg: "ok", quota: { daily_limit: 10_000_000, used: 0, remain: 10_000_000 } });
    } finally {
      await emulator.close();
    }
  });
});

describe("POST /cgi-bin/openapi/quota/get", () => {
  it("answers the platform about its own paths, with its token as access_token", async () => {
    await setQuota({ appId: COMPONENT, path: "/cgi-bin/component/api_get_authorizer_list", dailyLimit: 5 });
    const platform = await h.componentToken();
    const body = { component_appid: COMPONENT, offset: 0, count: 10 };
    expect((await h.post("/cgi-bin/component/api_get_authorizer_list", body, platform, "component_access_token")).total_count).toBe(5);
    expect((await quotaOf(platform, "/cgi-bin/component/api_get_authorizer_list")).quota).toEqual({ daily_limit: 5, used: 1, remain: 4 });
  });

  it("refuses a cgi_path without its leading / (or with WeChat's domain) with 76003, one WeChat lacks with 76021, none with 47001", async () => {
    const coffee = await h.stableToken(COFFEE);
    expectError(await quotaOf(coffee, "wxa/plugin"), 76003);
    expectError(await quotaOf(coffee, "https://api.weixin.qq.com/wxa/plugin"), 76003);
    expectError(await quotaOf(coffee, "/wxa/nothing"), 76021);
    expectError(await h.post("/cgi-bin/openapi/quota/get", {}, coffee), 47001);
    expectError(await quotaOf("not-a-token"), 40001);
  });

  it("is counted in the call log under the account that asks", async () => {
    await quotaOf(await h.stableToken(BAKERY));
    expect((await h.client.calls()).calls.at(-1)).toMatchObject({ path: "/cgi-bin/openapi/quota/get", appId: BAKERY, errcode: 0 });
  });
});

describe("POST /__emulator/quotas", () => {
  it("sets a limit for every account, or for one, whose own limit wins", async () => {
    await setQuota({ path: PLUGIN, dailyLimit: 1 });
    await setQuota({ appId: COFFEE, path: PLUGIN, dailyLimit: 3 });
    const coffee = await h.stableToken(COFFEE);
    const bakery = await h.stableToken(BAKERY);
    for (const plugin of [LIVE_CHAT, REVIEWS, MEMBERSHIP]) expectOk(await apply(coffee, plugin));
    expectError(await list(coffee), 45009);
    expectOk(await list(bakery));
    expectError(await list(bakery), 45009);
  });

  it("counts what was used today against a new limit, and a limit of 0 refuses every call", async () => {
    const coffee = await h.stableToken(COFFEE);
    await list(coffee);
    await list(coffee);
    await setQuota({ appId: COFFEE, path: PLUGIN, dailyLimit: 1 });
    expect((await quotaOf(coffee)).quota).toEqual({ daily_limit: 1, used: 2, remain: 0 });
    await setQuota({ path: "/cgi-bin/stable_token", dailyLimit: 0 });
    expectError(await h.post("/cgi-bin/stable_token", { grant_type: "client_credential", appid: BAKERY, secret: "mp-secret-bakery" }), 45009);
  });

  it("is undone by a reset, which brings back the seed's limits and no counters", async () => {
    const coffee = await h.stableToken(COFFEE);
    await list(coffee);
    await setQuota({ appId: COFFEE, path: PLUGIN, dailyLimit: 100 });
    await h.client.reset();
    expect((await quotaOf(await h.stableToken(COFFEE))).quota).toEqual({ daily_limit: 2, used: 0, remain: 2 });
  });

  it("accepts each bound exactly and refuses what lies beyond it with 400, naming the field", async () => {
    await setQuota({ path: PLUGIN, dailyLimit: 10_000_000 });
    await setQuota({ appId: COMPONENT, path: PLUGIN, dailyLimit: 0 });
    const beyond: Array<[object, RegExp]> = [
      [{ path: PLUGIN, dailyLimit: 10_000_001 }, /dailyLimit must be a whole number from 0 to 10000000/],
      [{ path: PLUGIN, dailyLimit: -1 }, /dailyLimit must be a whole number/],
      [{ path: PLUGIN, dailyLimit: 1.5 }, /dailyLimit must be a whole number/],
      [{ path: PLUGIN }, /dailyLimit must be a whole number/],
      [{ path: "/wxa/plugn", dailyLimit: 1 }, /path \/wxa\/plugn is not a WeChat path the emulator serves/],
      [{ path: "/__emulator/quotas", dailyLimit: 1 }, /is not a WeChat path the emulator serves/],
      [{ dailyLimit: 1 }, /path must be a non-empty string/],
      [{ appId: "wxnobody", path: PLUGIN, dailyLimit: 1 }, /appId wxnobody is not an account of the seed/],
      [{ appId: "x".repeat(257), path: PLUGIN, dailyLimit: 1 }, /appId must be a non-empty string of at most 256 characters/],
      [{ path: PLUGIN, dailyLimit: 1, daily: 1 }, /daily is not a field of this request/],
    ];
    for (const [quota, message] of beyond) await expectRefused(setQuota(quota as QuotaSpec), 400, message);
  });
});

describe("a seed's quotas", () => {
  it("are refused for a path the emulator does not serve, or a limit beyond 10000000", async () => {
    await expect(startEmulator({ seed: seedWith((seed) => (seed.quotas = { "/wxa/plugn": 1 })) })).rejects.toThrow(
      "seed.quotas./wxa/plugn is not a WeChat path the emulator serves",
    );
    await expect(startEmulator({ seed: seedWith((seed) => (seed.quotas = { [PLUGIN]: 10_000_001 })) })).rejects.toThrow(
      "seed.quotas./wxa/plugin must be a whole number from 0 to 10000000",
    );
  });
});
