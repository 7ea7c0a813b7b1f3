import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PluginAnswer } from "../../emulator/index";
import { BAKERY, BOOKS, COFFEE, LIVE_CHAT, MALL, STORE_LOCATOR, expectError, expectOk, expectRefused, startHarness, type Harness } from "./harness";

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

describe("answering as the developer through /__emulator/plugins/answer", () => {
  const answer = (miniProgramAppId: string, accept: boolean, reason?: string) =>
    h.client.answerPluginApplication({ pluginAppId: STORE_LOCATOR, miniProgramAppId, accept, ...(reason === undefined ? {} : { reason }) });

  it("approves a pending application and answers with the entry as /__emulator/state shows it", async () => {
    await applyFrom(COFFEE);
    const binding = await answer(COFFEE, true);
    expect(binding).toEqual({ appId: COFFEE, pluginAppId: STORE_LOCATOR, status: 2, reason: `from ${COFFEE}`, appliedAt: expect.any(String) });
    expect((await h.state()).bindings).toEqual([binding]);
    expect(await statusOf(COFFEE)).toBe(2);
  });

  it("refuses with a reason shown as refusalReason, the mini program's own reason kept", async () => {
    await applyFrom(COFFEE);
    expect(await answer(COFFEE, false, "not in this region")).toMatchObject({ status: 3, reason: `from ${COFFEE}`, refusalReason: "not in this region" });
    expect(await statusOf(COFFEE)).toBe(3);
  });

  it("is the developer's own decision: an application answered one way cannot be answered the other", async () => {
    await applyFrom(COFFEE);
    await answer(COFFEE, true);
    expectError(await dev({ action: "dev_refuse", appid: COFFEE }), 89240);
    await applyFrom(BAKERY);
    expectOk(await dev({ action: "dev_agree", appid: BAKERY }));
    await expectRefused(answer(BAKERY, false), 409, /not pending.*89240/);
  });

  it("answers 409 without a pending application: none, already answered, or timed out", async () => {
    await expectRefused(answer(COFFEE, true), 409, /no pending application from wxc0ffee0000000001 for plugin wx1000000000000001.*89242/);
    await applyFrom(BAKERY);
    await advance(48 * 3600);
    await expectRefused(answer(BAKERY, true), 409, /89240/);
    expect((await h.state()).bindings).toEqual([expect.objectContaining({ appId: BAKERY, status: 4 })]);
  });

  it("answers 400 for malformed input, and leaves the application pending", async () => {
    await applyFrom(COFFEE);
    const malformed = [
      { pluginAppId: STORE_LOCATOR, miniProgramAppId: COFFEE },
      { pluginAppId: STORE_LOCATOR, miniProgramAppId: COFFEE, accept: "yes" },
      { pluginAppId: STORE_LOCATOR, miniProgramAppId: 42, accept: true },
      { pluginAppId: "", miniProgramAppId: COFFEE, accept: true },
      { pluginAppId: STORE_LOCATOR, miniProgramAppId: COFFEE, accept: true, reason: "a reason goes only with a refusal" },
      { pluginAppId: STORE_LOCATOR, miniProgramAppId: COFFEE, accept: false, reason: "x".repeat(257) },
      { pluginAppId: STORE_LOCATOR, miniProgramAppId: COFFEE, accept: false, reson: "misspelt" },
    ];
    for (const body of malformed) await expectRefused(h.client.answerPluginApplication(body as unknown as PluginAnswer), 400);
    expect(await statusOf(COFFEE)).toBe(1);
  });
});
