import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  BAKERY,
  COFFEE,
  DELIVERY,
  LIVE_CHAT,
  MEMBERSHIP,
  REVIEWS,
  STORE_LOCATOR,
  expectError,
  expectOk,
  seedWith,
  startHarness,
  type Harness,
} from "./harness";

let h: Harness;
let coffee: string;
let storeLocator: string;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
/** Moves the emulator's clock; tokens expire on the way, so fresh ones are fetched. */
async function advance(seconds: number): Promise<void> {
  await h.advance(seconds);
  coffee = await h.stableToken(COFFEE);
  storeLocator = await h.stableToken(STORE_LOCATOR);
}

beforeEach(async () => {
  await h.emulator.reset();
  coffee = await h.stableToken(COFFEE);
  storeLocator = await h.stableToken(STORE_LOCATOR);
});

const plugin = (token: string, body: object) => h.post("/wxa/plugin", body, token);
const apply = (pluginAppId: string, token = coffee) => plugin(token, { action: "apply", plugin_appid: pluginAppId, reason: "for the demo" });
const list = async (token = coffee) => {
  const answer = await plugin(token, { action: "list" });
  expectOk(answer);
  return answer.plugin_list as Array<Record<string, unknown>>;
};
const agree = (appId: string) => h.post("/wxa/devplugin", { action: "dev_agree", appid: appId }, storeLocator);

describe("applying for a plugin", () => {
  it("leaves a plugin that needs approval at status 1 and one that does not at status 2", async () => {
    expectOk(await apply(STORE_LOCATOR));
    expectOk(await apply(LIVE_CHAT));
    expect(await list()).toEqual([
      {
        appid: STORE_LOCATOR,
        status: 1,
        nickname: "Store Locator",
        headimgurl: `https://emulator.invalid/plugins/${STORE_LOCATOR}.png`,
        reason: "for the demo",
      },
      { appid: LIVE_CHAT, status: 2, nickname: "Live Chat", headimgurl: `https://emulator.invalid/plugins/${LIVE_CHAT}.png`, reason: "for the demo" },
    ]);
  });

  it("fails with 89237 on a second apply, whatever the entry's status", async () => {
    expectOk(await apply(STORE_LOCATOR));
    expectError(await apply(STORE_LOCATOR), 89237);
    await h.post("/wxa/devplugin", { action: "dev_refuse", appid: COFFEE, reason: "no" }, storeLocator);
    expectError(await apply(STORE_LOCATOR), 89237);
  });

  it("fails with 89239 for a plugin that does not exist", async () => {
    expectError(await apply("wx9999999999999999"), 89239);
  });

  it("fails with 89238 past the mini program's plugin limit, counting every entry", async () => {
    const limited = await startHarness({ seed: seedWith((seed) => (seed.miniPrograms[0].pluginLimit = 2)) });
    try {
      const token = await limited.stableToken(COFFEE);
      const applyTo = (pluginAppId: string) => limited.post("/wxa/plugin", { action: "apply", plugin_appid: pluginAppId }, token);
      expectOk(await applyTo(STORE_LOCATOR));
      expectOk(await applyTo(LIVE_CHAT));
      expectError(await applyTo(REVIEWS), 89238);
    } finally {
      await limited.close();
    }
  });

  it("allows 5 plugins by default", async () => {
    for (const pluginAppId of [STORE_LOCATOR, LIVE_CHAT, MEMBERSHIP, REVIEWS, DELIVERY]) expectOk(await apply(pluginAppId));
    expect(await list()).toHaveLength(5);
  });

  it("needs plugin_appid (47001), a known action (40097) and valid JSON (47001)", async () => {
    expectError(await plugin(coffee, { action: "apply" }), 47001);
    expectError(await plugin(coffee, {}), 47001);
    expectError(await plugin(coffee, { action: "install" }), 40097);
    expectError(await h.post("/wxa/plugin", "{not json", coffee), 47001);
    expectError(await h.post("/wxa/plugin", "[1,2]", coffee), 47001);
  });

  it("answers a GET with 43002", async () => {
    const response = await fetch(`${h.url}/wxa/plugin?access_token=${coffee}`);
    expectError((await response.json()) as Record<string, unknown>, 43002);
  });

  it("keeps each mini program's list apart", async () => {
    expectOk(await apply(LIVE_CHAT));
    expect(await list(await h.stableToken(BAKERY))).toEqual([]);
  });

  it("times an application out to status 4 after 48 hours of emulator time", async () => {
    expectOk(await apply(STORE_LOCATOR));
    await advance(47 * 3600);
    expect((await list())[0].status).toBe(1);
    await advance(3600);
    expect((await list())[0].status).toBe(4);
    expect((await h.state()).bindings[0]).toMatchObject({ pluginAppId: STORE_LOCATOR, status: 4 });
  });

  it("starts two simultaneous applies of the same plugin as one success and one 89237", async () => {
    const answers = await Promise.all([apply(STORE_LOCATOR), apply(STORE_LOCATOR)]);
    expect(answers.map((answer) => answer.errcode).sort()).toEqual([0, 89237]);
    expect(await list()).toHaveLength(1);
  });

  it("never lets simultaneous applies pass the plugin limit", async () => {
    const answers = await Promise.all(
      [STORE_LOCATOR, LIVE_CHAT, MEMBERSHIP, REVIEWS, DELIVERY, "wx9999999999999999"].flatMap((id) => [apply(id), apply(id)]),
    );
    expect(answers.filter((answer) => answer.errcode === 0)).toHaveLength(5);
    expect(await list()).toHaveLength(5);
  });
});

describe("unbinding a plugin", () => {
  it("fails with 89244 for a plugin that is not in the list", async () => {
    expectError(await plugin(coffee, { action: "unbind", plugin_appid: LIVE_CHAT }), 89244);
  });

  it("fails with 89243 on a pending application and leaves it listed", async () => {
    expectOk(await apply(STORE_LOCATOR));
    expectError(await plugin(coffee, { action: "unbind", plugin_appid: STORE_LOCATOR }), 89243);
    expect(await list()).toHaveLength(1);
  });

  it("removes approved, rejected and timed-out entries", async () => {
    expectOk(await apply(LIVE_CHAT));
    expectOk(await apply(STORE_LOCATOR));
    await h.post("/wxa/devplugin", { action: "dev_refuse", appid: COFFEE, reason: "no" }, storeLocator);
    expectOk(await apply(MEMBERSHIP));
    await advance(48 * 3600);
    expect((await list()).map((item) => item.status)).toEqual([2, 3, 4]);
    for (const pluginAppId of [LIVE_CHAT, STORE_LOCATOR, MEMBERSHIP]) {
      expectOk(await plugin(coffee, { action: "unbind", plugin_appid: pluginAppId }));
    }
    expect(await list()).toEqual([]);
  });
});

describe("quick-updating a plugin's version", () => {
  const update = (token: string, version: string, pluginAppId = STORE_LOCATOR) =>
    plugin(token, { action: "update", plugin_appid: pluginAppId, user_version: version });

  it("records the version in the emulator's state but never in the list", async () => {
    expectOk(await apply(STORE_LOCATOR));
    expectOk(await agree(COFFEE));
    expectOk(await update(await h.authorizerToken(COFFEE), "2.2.46"));
    expect((await h.state()).bindings).toEqual([expect.objectContaining({ pluginAppId: STORE_LOCATOR, status: 2, version: "2.2.46" })]);
    const [item] = await list();
    expect(item).not.toHaveProperty("version");
    expect(JSON.stringify(await plugin(coffee, { action: "list" }))).not.toContain("2.2.46");
  });

  it("fails with 89256 with the mini program's own token", async () => {
    expectOk(await apply(LIVE_CHAT));
    expectError(await update(coffee, "1.4.2", LIVE_CHAT), 89256);
  });

  it("fails with 89244 for a plugin not in the list or not yet approved", async () => {
    const authorizer = await h.authorizerToken(COFFEE);
    expectError(await update(authorizer, "2.2.46"), 89244);
    expectOk(await apply(STORE_LOCATOR));
    expectError(await update(authorizer, "2.2.46"), 89244);
  });

  it("fails with 89257 for a version without quick update or that does not exist", async () => {
    expectOk(await apply(STORE_LOCATOR));
    expectOk(await agree(COFFEE));
    const authorizer = await h.authorizerToken(COFFEE);
    expectError(await update(authorizer, "3.0.0"), 89257);
    expectError(await update(authorizer, "9.9.9"), 89257);
    expectError(await plugin(authorizer, { action: "update", plugin_appid: STORE_LOCATOR }), 47001);
  });

  it("fails with 89258 while the mini program has a gray release", async () => {
    const gray = await startHarness({ seed: seedWith((seed) => (seed.miniPrograms[0].grayRelease = true)) });
    try {
      const token = await gray.stableToken(COFFEE);
      expectOk(await gray.post("/wxa/plugin", { action: "apply", plugin_appid: LIVE_CHAT }, token));
      const answer = await gray.post(
        "/wxa/plugin",
        { action: "update", plugin_appid: LIVE_CHAT, user_version: "1.4.2" },
        await gray.authorizerToken(COFFEE),
      );
      expectError(answer, 89258);
    } finally {
      await gray.close();
    }
  });
});
