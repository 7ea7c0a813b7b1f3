import { describe, expect, it } from "vitest";
import { defaultSeed } from "../../emulator/index";
import type { LinkOutputs } from "../../provider/link";
import { Emulator, useEmulator, seed } from "../support/emulator";
import { failure, providersFor } from "../support/providers";
import { startFakeWeChat } from "./fake-wechat";

const emulator = useEmulator();

const oa = seed.officialAccount;
const links = async () => (await emulator.state()).links as Array<{ miniProgramAppId: string; status: number; unlinkPending: boolean; showProfile: boolean; notifyUsers: boolean }>;

describe("OfficialAccountLink check", () => {
  it("fills the flags' defaults so that leaving them out equals false", () => {
    const { link } = providersFor(emulator.url);
    const result = link.check({ officialAccountAppId: oa, miniProgramAppId: seed.coffee });
    expect(result).toEqual({ inputs: { officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: false }, failures: [] });
  });

  it.each([
    [{ officialAccountAppId: oa, miniProgramAppId: seed.coffee, showProfile: "yes" }, "showProfile", "true or false"],
    [{ officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: 1 }, "notifyUsers", "true or false"],
    [{ officialAccountAppId: oa, miniProgramAppId: seed.coffee, miniProgramUsername: "coffee" }, "miniProgramUsername", "gh_"],
    [{ officialAccountAppId: "", miniProgramAppId: seed.coffee }, "officialAccountAppId", "empty string"],
    [{ officialAccountAppId: oa, miniProgramAppId: seed.coffee, show_profile: true }, "show_profile", "unknown property"],
    [{ officialAccountAppId: oa, miniProgramAppId: seed.coffee, adopt: "true" }, "adopt", "true or false"],
  ])("refuses %j, naming %s, with no WeChat call", async (news, property, reason) => {
    const result = providersFor(emulator.url).link.check(news);
    expect(result.failures).toEqual([expect.objectContaining({ property, reason: expect.stringContaining(reason) })]);
    expect((await emulator.calls()).calls).toEqual([]);
  });
});

describe("OfficialAccountLink check of a link that exists at WeChat (what a preview shows before up)", () => {
  const declared = { officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: false };

  it("warns that up will fail for a new resource whose link exists, and says nothing, calling nothing, for one the state holds or adopts", async () => {
    await providersFor(emulator.url).link.create(declared);
    await emulator.clearCalls();
    const { link } = providersFor(emulator.url);
    expect(await link.existingWarning(declared, { ...declared, showProfile: true })).toBeUndefined();
    expect(await link.existingWarning({}, { ...declared, miniProgramAppId: seed.bakery, adopt: true })).toBeUndefined();
    expect((await emulator.calls()).calls).toEqual([]);
    expect(await providersFor(emulator.url).link.existingWarning({}, declared)).toBe(
      `link from official account ${oa} to mini program ${seed.coffee}: already in the official account's link list at WeChat, waiting for the official account's admin (an invitation would get WeChat error 89010), and this stack does not manage it, so \`pulumi up\` will fail to create it. What to do: set \`adopt: true\` on the resource to bring it under this stack's management; or, if an earlier run of this stack was interrupted or failed after WeChat acted, run \`pulumi up\` once with WECHAT_ADOPT=true (stack config wechat:adopt); if another stack manages it, leave it out of this program`,
    );
  });

  it("says nothing when the list cannot tell (the mini program's original id unknown) or cannot be read", async () => {
    await providersFor(emulator.url, "appSecrets").link.create(declared);
    expect(await providersFor(emulator.url, "appSecrets").link.existingWarning({}, declared)).toBeUndefined();
    expect(await providersFor("http://127.0.0.1:1", "thirdParty", { "wechat:maxAttempts": "1" }).link.existingWarning({}, declared)).toBeUndefined();
  });
});

describe("OfficialAccountLink lifecycle against the emulator", () => {
  it("invites, takes the username from the third-party platform, and follows the admins' answers to linked", async () => {
    const { link, warnings } = providersFor(emulator.url);
    const { id, outs } = await link.create({ officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: true, showProfile: false });
    expect(id).toBe(`${oa}/${seed.coffee}`);
    expect(outs).toMatchObject({ status: "pendingOfficialAccountAdmin", statusCode: 12, username: "gh_c0ffee000001", nickname: "Harbour Coffee" });
    expect(warnings.join()).toMatch(/waiting for the official account's admin/);
    expect(await links()).toEqual([expect.objectContaining({ miniProgramAppId: seed.coffee, status: 12, notifyUsers: true, showProfile: false })]);

    await emulator.confirmLink(oa, seed.coffee, "officialAccount");
    expect((await providersFor(emulator.url).link.read(id, outs)).props).toMatchObject({ status: "pendingMiniProgramAdmin", statusCode: 2 });
    await emulator.confirmLink(oa, seed.coffee, "miniProgram");
    const read = await providersFor(emulator.url).link.read(id, outs);
    expect(read.props).toMatchObject({ status: "linked", statusCode: 1, released: true });
    expect(read.inputs).toEqual({ officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: true, showProfile: false });
  });

  it("inviting 3 mini programs from one official account makes 3 wxamplink and one wxamplinkget, shared with the checks, when the original ids are known", async () => {
    const { link } = providersFor(emulator.url);
    const declared = [seed.coffee, seed.bakery, seed.books].map((mp) => ({ officialAccountAppId: oa, miniProgramAppId: mp, notifyUsers: false, showProfile: false }));
    for (const inputs of declared) expect(await link.existingWarning({}, inputs)).toBeUndefined();
    const created = await Promise.all(declared.map((inputs) => link.create(inputs)));
    expect(created.map((c) => c.outs)).toEqual([
      expect.objectContaining({ statusCode: 12, username: "gh_c0ffee000001", nickname: "Harbour Coffee" }),
      expect.objectContaining({ statusCode: 12, username: "gh_b4ce00000002", nickname: "Corner Bakery" }),
      expect.objectContaining({ statusCode: 12, username: "gh_b00c00000003", nickname: "Riverside Books" }),
    ]);
    const { counts } = await emulator.calls();
    expect([counts["/cgi-bin/wxopen/wxamplink"], counts["/cgi-bin/wxopen/wxamplinkget"], counts["/cgi-bin/component/api_get_authorizer_info"]]).toEqual([3, 1, 3]);
    // A second resource of a link this run made fails before any write.
    await emulator.clearCalls();
    expect((await failure(link.create(declared[0]))).code).toBe("WECHAT_ALREADY_EXISTS");
    expect((await emulator.calls()).calls).toEqual([]);
    // A read sees what the create recorded.
    expect((await link.read(created[1].id, created[1].outs)).props).toMatchObject({ statusCode: 12, username: "gh_b4ce00000002", nickname: "Corner Bakery" });
  });

  it("without a third-party platform, takes the username from the item that appears, one create at a time", async () => {
    const { link } = providersFor(emulator.url, "appSecrets");
    const created = await Promise.all(
      [seed.coffee, seed.bakery, seed.books].map((mp) => link.create({ officialAccountAppId: oa, miniProgramAppId: mp, notifyUsers: false, showProfile: false })),
    );
    expect(created.map((c) => c.outs.username)).toEqual(["gh_c0ffee000001", "gh_b4ce00000002", "gh_b00c00000003"]);
  });

  it("matches by app id when WeChat's list carries it", async () => {
    const withAppIds = await Emulator.start({ seed: { ...defaultSeed, linkItemsIncludeAppId: true } });
    try {
      const { link } = providersFor(withAppIds.url, "appSecrets");
      const { outs } = await link.create({ officialAccountAppId: oa, miniProgramAppId: seed.bakery, notifyUsers: false, showProfile: true });
      expect(outs).toMatchObject({ username: "gh_b4ce00000002", showProfile: true });
      expect((await link.read(`${oa}/${seed.bakery}`, {})).props).toMatchObject({ miniProgramAppId: seed.bakery, status: "pendingOfficialAccountAdmin" });
    } finally {
      await withAppIds.close();
    }
  });

  /** The link at WeChat, made by someone else: an invitation (answered by the admins in `answers`), or none. */
  async function existingLink(answers: ReadonlyArray<readonly [by: "officialAccount" | "miniProgram", accept: boolean]>): Promise<void> {
    await providersFor(emulator.url).link.create({ officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: false });
    for (const [by, accept] of answers) await emulator.confirmLink(oa, seed.coffee, by, accept);
    await emulator.clearCalls();
  }

  it.each([
    ["waiting for the official account's admin (an invitation would get WeChat error 89010)", []],
    ["waiting for the mini program's admin (an invitation would get WeChat error 89010)", [["officialAccount", true]]],
    ["linked (an invitation would get WeChat error 89015)", [["officialAccount", true], ["miniProgram", true]]],
    ["refused by the mini program's admin", [["officialAccount", true], ["miniProgram", false]]],
  ] as const)("fails the create of a link that exists at WeChat, %s, before any write, naming it and what to do", async (found, answers) => {
    await existingLink(answers);
    const error = await failure(providersFor(emulator.url).link.create({ officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: false }));
    expect(error.code).toBe("WECHAT_ALREADY_EXISTS");
    expect(error.message).toBe(
      `link (wxamplink) for official account ${oa} (link to mini program ${seed.coffee}) failed: already in the official account's link list at WeChat, ${found}, and this stack does not manage it; WeChat was left as it is. What to do: set \`adopt: true\` on the resource to bring it under this stack's management; or, if an earlier run of this stack was interrupted or failed after WeChat acted, run \`pulumi up\` once with WECHAT_ADOPT=true (stack config wechat:adopt); if another stack manages it, leave it out of this program.`,
    );
    expect((await emulator.calls()).counts["/cgi-bin/wxopen/wxamplink"]).toBeUndefined();
  });

  it.each([
    ["an invitation", [], { adopt: true }, {}, "pendingOfficialAccountAdmin", "waiting for the official account's admin"],
    ["a link, adopted through wechat:adopt", [["officialAccount", true], ["miniProgram", true]], {}, { "wechat:adopt": "true" }, "linked", "linked"],
  ] as const)("adopts %s that exists at WeChat without a write", async (_what, answers, input, config, status, words) => {
    await existingLink(answers);
    const { link, warnings } = providersFor(emulator.url, "thirdParty", config);
    const { outs } = await link.create({ officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: false, ...input });
    expect(outs).toMatchObject({ status, username: "gh_c0ffee000001", ...input });
    expect(warnings).toEqual([`link from official account ${oa} to mini program ${seed.coffee}: already at WeChat (${words}); adopting it`]);
    expect((await emulator.calls()).counts["/cgi-bin/wxopen/wxamplink"]).toBeUndefined();
    expect(await links()).toHaveLength(1);
  });

  it("adopting a refused invitation withdraws it and invites again", async () => {
    await existingLink([["officialAccount", false]]);
    const { link, warnings } = providersFor(emulator.url);
    const { outs } = await link.create({ officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: false, adopt: true });
    expect(outs.status).toBe("pendingOfficialAccountAdmin");
    expect(warnings[0]).toBe(`link from official account ${oa} to mini program ${seed.coffee}: already at WeChat (refused by the mini program's admin); adopting it: withdrawing it and sending a new invitation`);
  });

  it("without the mini program's original id, learns from the invitation's answer (89010) that the link exists, and fails; adopting it then asks for miniProgramUsername", async () => {
    await providersFor(emulator.url, "appSecrets").link.create({ officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: false });
    const inputs = { officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: false };
    const refused = await failure(providersFor(emulator.url, "appSecrets").link.create(inputs));
    expect(refused.code).toBe("WECHAT_ALREADY_EXISTS");
    expect(refused.message).toMatch(/^link \(wxamplink\) for official account wx0a00000000000001 \(link to mini program wxc0ffee0000000001\) failed: WeChat refused the invitation with 89010: an invitation was already sent, and this stack does not manage it; WeChat was left as it is\. What to do: set `adopt: true`/);
    const unknown = await failure(providersFor(emulator.url, "appSecrets").link.create({ ...inputs, adopt: true }));
    expect(unknown.message).toMatch(/official account wx0a00000000000001 \(link to mini program wxc0ffee0000000001\).*set miniProgramUsername/);
    expect(unknown.code).toBe("WECHAT_USERNAME_UNKNOWN");
  });

  it("adopts an invitation whose answer was lost after WeChat acted, on the retry, with a warning", async () => {
    await emulator.fault({ path: "/cgi-bin/wxopen/wxamplink", dropConnection: "after", times: 1 });
    const { link, warnings } = providersFor(emulator.url, "appSecrets");
    const { outs } = await link.create({ officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: false });
    expect(outs).toMatchObject({ status: "pendingOfficialAccountAdmin", username: "gh_c0ffee000001" });
    expect(warnings[0]).toBe(`link from official account ${oa} to mini program ${seed.coffee}: an invitation was already sent, by an attempt whose answer was lost; adopting it`);
    expect(await links()).toHaveLength(1);
  });

  it("updating a link withdrawn behind Pulumi's back invites again, with a warning, as a plugin update does", async () => {
    const inputs = { officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: false };
    const { id, outs } = await providersFor(emulator.url).link.create(inputs);
    await providersFor(emulator.url).link.delete(id, outs);
    expect(await links()).toEqual([]);

    const { link, warnings } = providersFor(emulator.url);
    const updated = await link.update(id, outs, { ...inputs, miniProgramUsername: "gh_c0ffee000001" });
    expect(updated.outs).toMatchObject({ status: "pendingOfficialAccountAdmin", miniProgramUsername: "gh_c0ffee000001" });
    expect(warnings).toContain(`link from official account ${oa} to mini program ${seed.coffee}: no longer in the official account's link list; inviting again`);
    expect(await links()).toEqual([expect.objectContaining({ miniProgramAppId: seed.coffee, status: 12 })]);
  });

  it("names the link in a failed read of the official account's list, which all its links share", async () => {
    await emulator.fault({ path: "/cgi-bin/wxopen/wxamplinkget", errcode: 45009 });
    const { link } = providersFor(emulator.url);
    const errors = await Promise.all([seed.coffee, seed.bakery].map((mp) => failure(link.read(`${oa}/${mp}`, {}))));
    expect(errors.map((error) => error.message)).toEqual(
      [seed.coffee, seed.bakery].map((mp) => expect.stringMatching(new RegExp(`^link list \\(wxamplinkget\\) for official account ${oa} \\(link to mini program ${mp}\\) failed: WeChat error 45009: `))),
    );
    expect((await emulator.calls()).counts["/cgi-bin/wxopen/wxamplinkget"]).toBe(1);
  });

  it("reads a removed link as gone", async () => {
    const { link } = providersFor(emulator.url);
    const { id, outs } = await link.create({ officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: false });
    await link.delete(id, outs);
    expect((await providersFor(emulator.url).link.read(id, outs)).id).toBe("");
  });

  it("unlinking a linked mini program waits for the official account admin, and asking again (89018) is success", async () => {
    const { link } = providersFor(emulator.url);
    const { id, outs } = await link.create({ officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: false });
    await emulator.confirmLink(oa, seed.coffee, "officialAccount");
    await emulator.confirmLink(oa, seed.coffee, "miniProgram");
    const first = providersFor(emulator.url);
    await first.link.delete(id, outs);
    expect(first.warnings.join()).toMatch(/unlink requested; WeChat removes the link once the official account's admin confirms/);
    expect(await links()).toEqual([expect.objectContaining({ status: 1, unlinkPending: true })]);
    await providersFor(emulator.url).link.delete(id, outs);
    await emulator.confirmLink(oa, seed.coffee, "officialAccount");
    expect(await links()).toEqual([]);
  });

  it.each(["thirdParty", "appSecrets"] as const)("relinking a linked mini program for a new showProfile fails with 89015 and what to do while the unlink waits for the admin, keeping the link as WeChat has it, and links anew once confirmed (%s)", async (credentials) => {
    const { id, outs } = await providersFor(emulator.url, credentials).link.create({ officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: false });
    await emulator.confirmLink(oa, seed.coffee, "officialAccount");
    await emulator.confirmLink(oa, seed.coffee, "miniProgram");
    const wanted = { officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: true };

    // Each run is one replacement, delete first: this one, and the next `up` before the admin has answered.
    let held = outs;
    for (const run of [providersFor(emulator.url, credentials), providersFor(emulator.url, credentials)]) {
      await run.link.delete(id, held);
      const error = await failure(run.link.create(wanted));
      expect(error.message).toMatch(
        /^link \(wxamplink\) for official account wx0a00000000000001 \(link to mini program wxc0ffee0000000001\) failed: WeChat error 89015: .*waits for the official account's admin\. What to do: have the official account's admin confirm the unlink, then run `pulumi up` again/,
      );
      expect(error).toMatchObject({ id, properties: { showProfile: false, status: "linked", username: "gh_c0ffee000001" } });
      held = error.properties as LinkOutputs;
    }
    expect(await links()).toEqual([expect.objectContaining({ status: 1, unlinkPending: true, showProfile: false })]);

    await emulator.confirmLink(oa, seed.coffee, "officialAccount");
    const next = providersFor(emulator.url, credentials);
    await next.link.delete(id, held);
    expect((await next.link.create(wanted)).outs).toMatchObject({ showProfile: true, status: "pendingOfficialAccountAdmin" });
    expect(await links()).toEqual([expect.objectContaining({ status: 12, showProfile: true })]);
  });

  it("fails to unlink a mini program shown nearby (89011) with what to do", async () => {
    const { link } = providersFor(emulator.url);
    const { id, outs } = await link.create({ officialAccountAppId: oa, miniProgramAppId: seed.mall, notifyUsers: false, showProfile: false });
    await emulator.confirmLink(oa, seed.mall, "officialAccount");
    await emulator.confirmLink(oa, seed.mall, "miniProgram");
    const error = await failure(link.delete(id, outs));
    expect(error.message).toMatch(/unlink \(wxampunlink\) for official account wx0a00000000000001 \(link to mini program wx5a1e000000000004\) failed: WeChat error 89011.*turn off its "nearby" display/);
  });

  it("fails to unlink a store mini program (89012) with what to do", async () => {
    const store = await Emulator.start({ seed: { ...defaultSeed, miniPrograms: defaultSeed.miniPrograms.map((mp) => ({ ...mp, nearby: false })) } });
    try {
      const { link } = providersFor(store.url);
      const { id, outs } = await link.create({ officialAccountAppId: oa, miniProgramAppId: seed.mall, notifyUsers: false, showProfile: false });
      await store.confirmLink(oa, seed.mall, "officialAccount");
      await store.confirmLink(oa, seed.mall, "miniProgram");
      const error = await failure(link.delete(id, outs));
      expect(error.message).toMatch(/89012: store and mall mini programs cannot be unlinked.*unlink it in the official account's console/);
    } finally {
      await store.close();
    }
  });

  it("stops at the official account's link limit with 89009", async () => {
    const limited = await Emulator.start({ seed: { ...defaultSeed, officialAccounts: defaultSeed.officialAccounts!.map((a) => ({ ...a, linkLimit: 1 })) } });
    try {
      const { link } = providersFor(limited.url);
      await link.create({ officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: false });
      const error = await failure(link.create({ officialAccountAppId: oa, miniProgramAppId: seed.bakery, notifyUsers: false, showProfile: false }));
      expect(error.message).toMatch(/89009: the official account has reached its limit of linked mini programs.*unlink a mini program first/);
    } finally {
      await limited.close();
    }
  });
});

describe("OfficialAccountLink against answers the emulator never gives", () => {
  const inputs = { officialAccountAppId: oa, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: false };
  const listed = (status: number) => ({ errcode: 0, errmsg: "ok", wxopens: { items: [{ status, username: "gh_c0ffee000001", nickname: "Harbour Coffee", released: 1, selected: 0 }] } });
  const ok = { errcode: 0, errmsg: "ok" };

  it("sends a new invitation over a rejected one once per create, recording the new invitation without listing again", async () => {
    // The list shows the mini program, rejected, from the first invitation on, whatever follows.
    let invited = false;
    const wechat = await startFakeWeChat((path) => {
      if (path === "/cgi-bin/wxopen/wxamplink") invited = true;
      if (path === "/cgi-bin/wxopen/wxamplinkget") return invited ? listed(3) : { ...ok, wxopens: { items: [] } };
      return ok;
    });
    try {
      const { link, warnings } = providersFor(wechat.url, "appSecrets");
      const { outs } = await link.create(inputs);
      // WeChat puts a new invitation at 12: once the first showed the username, the second's item needs no list.
      expect(outs).toMatchObject({ status: "pendingOfficialAccountAdmin", statusCode: 12, username: "gh_c0ffee000001" });
      // The username found by the first invitation serves the second, and is not taken for a declared one.
      expect(outs.miniProgramUsername).toBeUndefined();
      expect(wechat.calls.filter((path) => path === "/cgi-bin/wxopen/wxamplink")).toHaveLength(2);
      expect(wechat.calls.filter((path) => path === "/cgi-bin/wxopen/wxampunlink")).toHaveLength(1);
      expect(warnings).toEqual([
        `link from official account ${oa} to mini program ${seed.coffee}: an earlier invitation was rejected; sending a new one`,
        `link from official account ${oa} to mini program ${seed.coffee}: invitation sent; waiting for the official account's admin to confirm it`,
      ]);
    } finally {
      await wechat.close();
    }
  });

  it("records an accepted invitation at status 12 without listing again when the original id is known: the list is read once, before", async () => {
    const wechat = await startFakeWeChat((path) => (path === "/cgi-bin/wxopen/wxamplinkget" ? { ...ok, wxopens: { items: [] } } : ok));
    try {
      const { outs } = await providersFor(wechat.url, "appSecrets").link.create({ ...inputs, miniProgramUsername: "gh_c0ffee000001" });
      expect(outs).toMatchObject({ status: "pendingOfficialAccountAdmin", statusCode: 12, username: "gh_c0ffee000001", miniProgramUsername: "gh_c0ffee000001" });
      expect(wechat.calls.filter((path) => path === "/cgi-bin/wxopen/wxamplinkget")).toHaveLength(1);
      expect(wechat.calls.filter((path) => path === "/cgi-bin/wxopen/wxamplink")).toHaveLength(1);
    } finally {
      await wechat.close();
    }
  });

  it("fails with WECHAT_NOT_IN_LIST, not as a bad answer, when WeChat says the link exists (89010, adopted) but does not list it", async () => {
    const wechat = await startFakeWeChat((path) =>
      path === "/cgi-bin/wxopen/wxamplinkget" ? { ...ok, wxopens: { items: [] } } : path === "/cgi-bin/wxopen/wxamplink" ? { errcode: 89010, errmsg: "sent" } : ok,
    );
    try {
      const error = await failure(providersFor(wechat.url, "appSecrets").link.create({ ...inputs, miniProgramUsername: "gh_c0ffee000001", adopt: true }));
      expect(error.code).toBe("WECHAT_NOT_IN_LIST");
      expect(error.message).toBe(
        `link (wxamplink) for official account ${oa} (link to mini program ${seed.coffee}) failed: the mini program is not in the official account's link list. What to do: check miniProgramUsername, then run \`pulumi up --refresh\``,
      );
    } finally {
      await wechat.close();
    }
  });
});
