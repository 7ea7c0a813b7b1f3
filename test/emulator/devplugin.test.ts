import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BAKERY, BOOKS, COFFEE, LIVE_CHAT, MALL, STORE_LOCATOR, expectError, expectOk, startHarness, type Harness } from "./harness";

let h: Harness;
let storeLocator: string;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
/** Moves the emulator's clock; tokens expire on the way, so fresh ones are fetched. */
async function advance(seconds: number): Promise<void> {
  await h.advance(seconds);
  storeLocator = await h.stableToken(STORE_LOCATOR);
}

beforeEach(async () => {
  await h.emulator.reset();
  storeLocator = await h.stableToken(STORE_LOCATOR);
});

const dev = (body: object, token = storeLocator) => h.post("/wxa/devplugin", body, token);
const applyFrom = async (appId: string, pluginAppId = STORE_LOCATOR) =>
  expectOk(await h.post("/wxa/plugin", { action: "apply", plugin_appid: pluginAppId, reason: `from ${appId}` }, await h.stableToken(appId)));
const statusOf = async (appId: string) => {
  const answer = await h.post("/wxa/plugin", { action: "list" }, await h.stableToken(appId));
  return (answer.plugin_list as Array<{ appid: string; status: number }>).find((item) => item.appid === STORE_LOCATOR)?.status;
};

describe("the plugin developer's application list", () => {
  it("lists the applications for this plugin only, with the mini program's details", async () => {
    await applyFrom(COFFEE);
    await applyFrom(BAKERY, LIVE_CHAT);
    const answer = await dev({ action: "dev_apply_list", page: 1, num: 10 });
    expectOk(answer);
    expect(answer.apply_list).toEqual([
      {
        appid: COFFEE,
        status: 1,
        nickname: "Harbour Coffee",
        headimgurl: expect.any(String),
        reason: `from ${COFFEE}`,
        apply_url: "",
        create_time: expect.any(Number),
        categories: [],
      },
    ]);
    expect(Math.abs(answer.apply_list[0].create_time - Date.now() / 1000)).toBeLessThan(60);
  });

  it("pages with page and num", async () => {
    for (const appId of [COFFEE, BAKERY, BOOKS, MALL]) await applyFrom(appId);
    const page = async (page: number) =>
      ((await dev({ action: "dev_apply_list", page, num: 3 })).apply_list as Array<{ appid: string }>).map((item) => item.appid);
    expect(await page(1)).toEqual([COFFEE, BAKERY, BOOKS]);
    expect(await page(2)).toEqual([MALL]);
    expectError(await dev({ action: "dev_apply_list", page: 0, num: 3 }), 47001);
  });

  it("refuses a mini program's token with 48001 and an unknown action with 40097", async () => {
    expectError(await dev({ action: "dev_apply_list" }, await h.stableToken(COFFEE)), 48001);
    expectError(await dev({ action: "dev_approve", appid: COFFEE }), 40097);
  });
});

describe("answering an application", () => {
  it("agreeing turns status 1 into 2", async () => {
    await applyFrom(COFFEE);
    expectOk(await dev({ action: "dev_agree", appid: COFFEE }));
    expect(await statusOf(COFFEE)).toBe(2);
  });

  it("refusing turns status 1 into 3", async () => {
    await applyFrom(COFFEE);
    expectOk(await dev({ action: "dev_refuse", appid: COFFEE, reason: "not in this region" }));
    expect(await statusOf(COFFEE)).toBe(3);
    expect((await h.state()).bindings[0]).toMatchObject({ status: 3, refusalReason: "not in this region" });
  });

  it("fails with 89240 unless the application is at status 1", async () => {
    await applyFrom(COFFEE);
    expectOk(await dev({ action: "dev_agree", appid: COFFEE }));
    expectError(await dev({ action: "dev_agree", appid: COFFEE }), 89240);
    expectError(await dev({ action: "dev_refuse", appid: COFFEE }), 89240);
    await applyFrom(BAKERY);
    await advance(48 * 3600);
    expectError(await dev({ action: "dev_agree", appid: BAKERY }), 89240);
  });

  it("fails with 89242 for a mini program that did not apply", async () => {
    expectError(await dev({ action: "dev_agree", appid: COFFEE }), 89242);
    expectError(await dev({ action: "dev_refuse", appid: COFFEE }), 89242);
    expectError(await dev({ action: "dev_delete", appid: COFFEE }), 89242);
    expectError(await dev({ action: "dev_agree" }), 47001);
  });
});

describe("deleting an application", () => {
  it("removes rejected and timed-out applications", async () => {
    await applyFrom(COFFEE);
    expectOk(await dev({ action: "dev_refuse", appid: COFFEE }));
    await applyFrom(BAKERY);
    await advance(48 * 3600);
    expectOk(await dev({ action: "dev_delete", appid: COFFEE }));
    expectOk(await dev({ action: "dev_delete", appid: BAKERY }));
    expect((await dev({ action: "dev_apply_list" })).apply_list).toEqual([]);
    expect(await statusOf(COFFEE)).toBeUndefined();
  });

  it("fails with 89241 on pending or approved applications", async () => {
    await applyFrom(COFFEE);
    expectError(await dev({ action: "dev_delete", appid: COFFEE }), 89241);
    expectOk(await dev({ action: "dev_agree", appid: COFFEE }));
    expectError(await dev({ action: "dev_delete", appid: COFFEE }), 89241);
  });
});
