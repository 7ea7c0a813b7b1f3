import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LinkAnswer } from "../../emulator/index";
import { BAKERY, BOOKS, COFFEE, HARBOUR, MALL, expectError, expectOk, expectRefused, seedWith, startHarness, type Harness } from "./harness";

let h: Harness;
let harbour: string;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.emulator.reset();
  harbour = await h.stableToken(HARBOUR);
});

const invite = (appId: string, extra: object = {}) =>
  h.post("/cgi-bin/wxopen/wxamplink", { appid: appId, notify_users: 1, show_profile: 0, ...extra }, harbour);
const unlink = (appId: string) => h.post("/cgi-bin/wxopen/wxampunlink", { appid: appId }, harbour);
const items = async (token = harbour) => {
  const answer = await h.post("/cgi-bin/wxopen/wxamplinkget", undefined, token);
  expectOk(answer);
  return answer.wxopens.items as Array<Record<string, unknown>>;
};
const statuses = async () => (await items()).map((item) => [item.username, item.status]);
const linkFully = async (appId: string) => {
  expectOk(await invite(appId));
  await h.confirmLink(appId, "officialAccount", true);
  await h.confirmLink(appId, "miniProgram", true);
};

describe("linking a mini program", () => {
  it("goes 12 → 2 → 1 as the official account's admin, then the mini program's, agree", async () => {
    expectOk(await invite(COFFEE));
    expect(await statuses()).toEqual([["gh_c0ffee000001", 12]]);
    await h.confirmLink(COFFEE, "officialAccount", true);
    expect(await statuses()).toEqual([["gh_c0ffee000001", 2]]);
    await h.confirmLink(COFFEE, "miniProgram", true);
    expect(await statuses()).toEqual([["gh_c0ffee000001", 1]]);
    expect((await h.state()).links).toEqual([
      { officialAccountAppId: HARBOUR, miniProgramAppId: COFFEE, status: 1, unlinkPending: false, notifyUsers: true, showProfile: false },
    ]);
  });

  it("lists items by username with no appid, in WeChat's item shape", async () => {
    expectOk(await invite(MALL));
    expect(await items()).toEqual([
      {
        status: 12,
        username: "gh_5a1e00000004",
        source: "",
        nickname: "Outlet Mall",
        selected: 0,
        nearby_display_status: 1,
        released: 1,
        headimg_url: expect.any(String),
        func_infos: [],
        copy_verify_status: 0,
        email: "",
      },
    ]);
  });

  it("includes appid in items when the seed's linkItemsIncludeAppId is on", async () => {
    const withAppId = await startHarness({ seed: seedWith((seed) => (seed.linkItemsIncludeAppId = true)) });
    try {
      const token = await withAppId.stableToken(HARBOUR);
      expectOk(await withAppId.post("/cgi-bin/wxopen/wxamplink", { appid: COFFEE, notify_users: 0, show_profile: 0 }, token));
      const answer = await withAppId.post("/cgi-bin/wxopen/wxamplinkget", {}, token);
      expect(answer.wxopens.items[0]).toMatchObject({ appid: COFFEE, username: "gh_c0ffee000001" });
    } finally {
      await withAppId.close();
    }
  });

  it("ends at 3 when either admin refuses", async () => {
    expectOk(await invite(COFFEE));
    await h.confirmLink(COFFEE, "officialAccount", false);
    expectOk(await invite(BAKERY));
    await h.confirmLink(BAKERY, "officialAccount", true);
    await h.confirmLink(BAKERY, "miniProgram", false);
    expect(await statuses()).toEqual([
      ["gh_c0ffee000001", 3],
      ["gh_b4ce00000002", 3],
    ]);
  });

  it("replaces a refused link with a fresh invitation", async () => {
    expectOk(await invite(COFFEE));
    await h.confirmLink(COFFEE, "officialAccount", false);
    expectOk(await invite(COFFEE, { notify_users: "0", show_profile: "1" }));
    expect(await statuses()).toEqual([["gh_c0ffee000001", 12]]);
    expect((await h.state()).links[0]).toMatchObject({ status: 12, notifyUsers: false, showProfile: true });
  });

  it("fails with 89010 while an invitation waits and 89015 once linked", async () => {
    expectOk(await invite(COFFEE));
    expectError(await invite(COFFEE), 89010);
    await h.confirmLink(COFFEE, "officialAccount", true);
    expectError(await invite(COFFEE), 89010);
    await h.confirmLink(COFFEE, "miniProgram", true);
    expectError(await invite(COFFEE), 89015);
  });

  it("fails with 89009 past the official account's link limit, not counting refused links", async () => {
    const limited = await startHarness({ seed: seedWith((seed) => (seed.officialAccounts![0].linkLimit = 2)) });
    try {
      const token = await limited.stableToken(HARBOUR);
      const inviteTo = (appId: string) => limited.post("/cgi-bin/wxopen/wxamplink", { appid: appId, notify_users: 0, show_profile: 0 }, token);
      expectOk(await inviteTo(COFFEE));
      expectOk(await inviteTo(BAKERY));
      expectError(await inviteTo(BOOKS), 89009);
      await limited.confirmLink(BAKERY, "officialAccount", false);
      expectOk(await inviteTo(BOOKS));
    } finally {
      await limited.close();
    }
  });

  it("fails with 40013 for an unknown mini program and 47001 for missing or malformed fields", async () => {
    expectError(await invite("wx9999999999999999"), 40013);
    expectError(await h.post("/cgi-bin/wxopen/wxamplink", { notify_users: 0, show_profile: 0 }, harbour), 47001);
    expectError(await h.post("/cgi-bin/wxopen/wxamplink", { appid: COFFEE }, harbour), 47001);
    expectError(await invite(COFFEE, { notify_users: 2 }), 47001);
    expectError(await invite(COFFEE, { show_profile: "yes" }), 47001);
  });

  it("refuses a mini program's token with 48001", async () => {
    expectError(await h.post("/cgi-bin/wxopen/wxamplink", { appid: COFFEE, notify_users: 0, show_profile: 0 }, await h.stableToken(BAKERY)), 48001);
  });

  it("works with the official account's authorizer token", async () => {
    harbour = await h.authorizerToken(HARBOUR);
    expectOk(await invite(COFFEE));
    expect(await items()).toHaveLength(1);
  });
});

describe("unlinking a mini program", () => {
  it("withdraws invitations at 12 or 2 and refused links at once", async () => {
    expectOk(await invite(COFFEE));
    expectOk(await invite(BAKERY));
    await h.confirmLink(BAKERY, "officialAccount", true);
    expectOk(await invite(BOOKS));
    await h.confirmLink(BOOKS, "officialAccount", false);
    for (const appId of [COFFEE, BAKERY, BOOKS]) expectOk(await unlink(appId));
    expect(await items()).toEqual([]);
  });

  it("leaves a linked mini program listed at 1 until the official account's admin confirms", async () => {
    await linkFully(COFFEE);
    expectOk(await unlink(COFFEE));
    expect(await statuses()).toEqual([["gh_c0ffee000001", 1]]);
    expect((await h.state()).links[0]).toMatchObject({ status: 1, unlinkPending: true });
    expect(await h.confirmLink(COFFEE, "officialAccount", true)).toBeNull();
    expect(await items()).toEqual([]);
  });

  it("keeps the link when the official account's admin refuses the unlink", async () => {
    await linkFully(COFFEE);
    expectOk(await unlink(COFFEE));
    const link = await h.confirmLink(COFFEE, "officialAccount", false);
    expect(link).toMatchObject({ status: 1, unlinkPending: false });
    expect((await h.state()).links).toEqual([link]);
    expectOk(await unlink(COFFEE));
  });

  it("fails with 89018 while an unlink is pending", async () => {
    await linkFully(COFFEE);
    expectOk(await unlink(COFFEE));
    expectError(await unlink(COFFEE), 89018);
  });

  it("fails with 89011 for a mini program shown nearby and 89012 for a store mini program", async () => {
    await linkFully(MALL);
    expectError(await unlink(MALL), 89011);
    const store = await startHarness({ seed: seedWith((seed) => (seed.miniPrograms[3].nearby = false)) });
    try {
      const token = await store.stableToken(HARBOUR);
      expectOk(await store.post("/cgi-bin/wxopen/wxamplink", { appid: MALL, notify_users: 0, show_profile: 0 }, token));
      await store.confirmLink(MALL, "officialAccount", true);
      await store.confirmLink(MALL, "miniProgram", true);
      expectError(await store.post("/cgi-bin/wxopen/wxampunlink", { appid: MALL }, token), 89012);
    } finally {
      await store.close();
    }
  });

  it("fails with 40097 'mini program is not linked' when there is no link", async () => {
    const answer = await unlink(COFFEE);
    expectError(answer, 40097);
    expect(answer.errmsg).toMatch(/^mini program is not linked rid: /);
    expectError(await h.post("/cgi-bin/wxopen/wxampunlink", {}, harbour), 47001);
  });
});

describe("an admin's answer through /__emulator/links/confirm", () => {
  it("answers 409 when nothing waits for that admin", async () => {
    await expectRefused(h.confirmLink(COFFEE, "officialAccount", true), 409, /no link between/);
    expectOk(await invite(COFFEE));
    await expectRefused(h.confirmLink(COFFEE, "miniProgram", true), 409);
    await linkFully(BAKERY);
    await expectRefused(h.confirmLink(BAKERY, "officialAccount", true), 409, /nothing waits/);
  });

  it("answers 400 for a malformed request", async () => {
    const answer = { officialAccountAppId: HARBOUR, miniProgramAppId: COFFEE, by: "anyone" } as unknown as LinkAnswer;
    await expectRefused(h.client.confirmLink(answer), 400, /by must be one of/);
  });
});
