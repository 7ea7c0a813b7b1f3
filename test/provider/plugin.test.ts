import { describe, expect, it } from "vitest";
import { PartialCreateError } from "../../provider/client/errors";
import { unknownValue } from "../../provider/inputs";
import { PluginResource } from "../../provider/plugin";
import { defaultSeed } from "../../emulator/index";
import { Emulator, useEmulator, seed } from "../support/emulator";
import { failure, providersFor } from "../support/providers";
import { startFakeWeChat } from "./fake-wechat";

const emulator = useEmulator();

const bindings = async () => (await emulator.state()).bindings as Array<{ appId: string; pluginAppId: string; status: number; version?: string }>;

describe("MiniProgramPlugin check", () => {
  it("accepts valid inputs and returns only the declared keys", () => {
    const { plugin } = providersFor(emulator.url);
    const result = plugin.check({ appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.4.2", reason: "chat", adopt: true, onRejected: "keep", __provider: "x" });
    expect(result.failures).toEqual([]);
    expect(result.inputs).toEqual({ appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.4.2", reason: "chat", adopt: true, onRejected: "keep" });
  });

  it.each([
    [{ appId: "wx123", pluginAppId: seed.liveChat }, "appId", "wx followed by 16"],
    [{ appId: seed.coffee, pluginAppId: "WX1000000000000002" }, "pluginAppId", "lowercase hex"],
    [{ appId: seed.coffee }, "pluginAppId", "pluginAppId is required"],
    [{ appId: seed.coffee, pluginAppId: seed.liveChat, version: "v1.2" }, "version", "x.y.z"],
    [{ appId: seed.coffee, pluginAppId: seed.liveChat, version: 2 }, "version", "number 2"],
    [{ appId: seed.coffee, pluginAppId: seed.liveChat, reason: "" }, "reason", "empty string"],
    [{ appId: seed.coffee, pluginAppId: seed.liveChat, verison: "1.0.0" }, "verison", 'unknown property "verison"'],
    [{ appId: seed.coffee, pluginAppId: seed.liveChat, adopt: "yes" }, "adopt", "true or false"],
    [{ appId: seed.coffee, pluginAppId: seed.liveChat, onRejected: "ignore" }, "onRejected", 'onRejected must be "reapply" (the default: unbind and apply again) or "keep" (leave it refused); got "ignore"'],
    [{ appId: seed.coffee, pluginAppId: seed.liveChat, onRejected: true }, "onRejected", "got boolean true"],
  ])("refuses %j, naming %s", async (news, property, reason) => {
    const { plugin } = providersFor(emulator.url);
    const result = plugin.check(news);
    expect(result.failures).toEqual([expect.objectContaining({ property, reason: expect.stringContaining(reason) })]);
    expect((await emulator.calls()).calls).toEqual([]);
  });

  it("lets unknown values through during preview", () => {
    const { plugin } = providersFor(emulator.url);
    const result = plugin.check({ appId: unknownValue, pluginAppId: seed.liveChat, version: unknownValue });
    expect(result.failures).toEqual([]);
  });

  it("refuses an app id no credential serves, naming the keys that would, before any WeChat call", async () => {
    const { plugin } = providersFor(emulator.url, "appSecrets", { "wechat:appSecrets": JSON.stringify({ [seed.bakery]: "x" }) });
    const result = plugin.check({ appId: seed.coffee, pluginAppId: seed.liveChat });
    expect(result.failures).toHaveLength(1);
    expect(result.failures![0].property).toBe("appId");
    expect(result.failures![0].reason).toMatch(/no credential for wxc0ffee0000000001.*wechat:accessTokens.*wechat:tokenUrl.*wechat:authorizerRefreshTokens.*wechat:appSecrets/);
    expect((await emulator.calls()).calls).toEqual([]);
  });

  it("refuses a version on a mini program whose only credential is an AppSecret (WeChat's 89256), naming version and the keys that would serve", async () => {
    const { plugin } = providersFor(emulator.url, "appSecrets");
    expect(plugin.check({ appId: seed.coffee, pluginAppId: seed.liveChat }).failures).toEqual([]);
    expect(plugin.check({ appId: seed.coffee, pluginAppId: seed.liveChat, version: unknownValue }).failures).toEqual([]);
    const result = plugin.check({ appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.4.2" });
    expect(result.failures).toEqual([
      {
        property: "version",
        reason: expect.stringMatching(
          /^version is set by quick update, which WeChat accepts only with a third-party platform's authorizer token \(error 89256 otherwise\), and mini program wxc0ffee0000000001's only credential is wechat:appSecrets: add wxc0ffee0000000001 to wechat:authorizerRefreshTokens with the platform's wechat:componentAppId, wechat:componentAppSecret and wechat:componentVerifyTicket \(or give its authorizer token through wechat:tokenUrl or wechat:accessTokens\), or drop version$/,
        ),
      },
    ]);
    expect(providersFor(emulator.url).plugin.check({ appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.4.2" }).failures).toEqual([]);
    expect((await emulator.calls()).calls).toEqual([]);
  });
});

describe("MiniProgramPlugin check of a binding that exists at WeChat (what a preview shows before up)", () => {
  const declared = { appId: seed.coffee, pluginAppId: seed.storeLocator };

  it("warns that up will fail, and what to do, for a new resource whose binding exists; the create then uses the same list read", async () => {
    await emulator.wechat("/wxa/plugin", seed.coffee, seed.appSecrets[seed.coffee], { action: "apply", plugin_appid: seed.storeLocator });
    const { plugin } = providersFor(emulator.url);
    expect(await plugin.existingWarning({}, declared)).toBe(
      "plugin wx1000000000000001 on mini program wxc0ffee0000000001: already in the mini program's plugin list at WeChat, waiting for the plugin developer (an application would get WeChat error 89237), and this stack does not manage it, so `pulumi up` will fail to create it. What to do: set `adopt: true` on the resource to bring it under this stack's management; or, if an earlier run of this stack was interrupted or failed after WeChat acted, run `pulumi up` once with WECHAT_ADOPT=true (stack config wechat:adopt); if another stack manages it, leave it out of this program",
    );
    await failure(plugin.create(declared));
    expect((await emulator.calls()).counts["/wxa/plugin#list"]).toBe(1);
  });

  it("says nothing, and calls nothing, for a binding the state holds, a replacement of it (checked again without olds), adoption, or unknown values", async () => {
    await emulator.wechat("/wxa/plugin", seed.coffee, seed.appSecrets[seed.coffee], { action: "apply", plugin_appid: seed.storeLocator });
    await emulator.clearCalls();
    const { plugin } = providersFor(emulator.url);
    expect(await plugin.existingWarning(declared, { ...declared, version: "2.2.46" })).toBeUndefined();
    expect(await plugin.existingWarning({}, declared)).toBeUndefined();
    expect(await plugin.existingWarning({}, { appId: seed.bakery, pluginAppId: seed.storeLocator, adopt: true })).toBeUndefined();
    expect(await plugin.existingWarning({}, { appId: seed.bakery, pluginAppId: unknownValue })).toBeUndefined();
    expect(await providersFor(emulator.url, "thirdParty", { "wechat:adopt": "true" }).plugin.existingWarning({}, declared)).toBeUndefined();
    expect((await emulator.calls()).calls).toEqual([]);
  });

  it("warns for a replacement by another binding that exists, and says nothing for one that does not", async () => {
    await emulator.wechat("/wxa/plugin", seed.coffee, seed.appSecrets[seed.coffee], { action: "apply", plugin_appid: seed.storeLocator });
    const { plugin } = providersFor(emulator.url);
    expect(await plugin.existingWarning({ appId: seed.coffee, pluginAppId: seed.liveChat }, declared)).toMatch(/^plugin wx1000000000000001 on mini program wxc0ffee0000000001: already/);
    expect(await plugin.existingWarning({ appId: seed.coffee, pluginAppId: seed.storeLocator }, { appId: seed.coffee, pluginAppId: seed.reviews })).toBeUndefined();
  });

  it("leaves a failed lookup to the create, which reports it, and does not ask that mini program again in later checks", async () => {
    await emulator.fault({ path: "/wxa/plugin", action: "list", errcode: 45009 });
    const { plugin } = providersFor(emulator.url);
    expect(await plugin.existingWarning({}, declared)).toBeUndefined();
    expect(await plugin.existingWarning({}, { appId: seed.coffee, pluginAppId: seed.reviews })).toBeUndefined();
    expect((await emulator.calls()).counts["/wxa/plugin#list"]).toBe(1);
    expect((await failure(plugin.create(declared))).message).toMatch(/^plugin list for mini program wxc0ffee0000000001 \(plugin wx1000000000000001\) failed: WeChat error 45009/);
  });
});

describe("MiniProgramPlugin lifecycle against the emulator", () => {
  it("applies an approval-free plugin and sets its version at once", async () => {
    const { plugin, warnings } = providersFor(emulator.url);
    const { id, outs } = await plugin.create({ appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.4.2" });
    expect(id).toBe(`${seed.coffee}/${seed.liveChat}`);
    expect(outs).toMatchObject({ status: "approved", statusCode: 2, nickname: "Live Chat", appliedVersion: "1.4.2", version: "1.4.2" });
    expect(await bindings()).toEqual([expect.objectContaining({ appId: seed.coffee, pluginAppId: seed.liveChat, status: 2, version: "1.4.2" })]);
    expect(warnings).toEqual([]);
  });

  it("leaves the version of a pending application for a later up, with a warning, then applies it once approved", async () => {
    const { plugin, warnings } = providersFor(emulator.url);
    const inputs = { appId: seed.coffee, pluginAppId: seed.storeLocator, version: "2.2.46", reason: "store locator" };
    const { outs } = await plugin.create(inputs);
    expect(outs).toMatchObject({ status: "applying", statusCode: 1 });
    expect(outs.appliedVersion).toBeUndefined();
    expect(warnings.join("\n")).toMatch(/version 2\.2\.46 not applied yet, the application is applying/);

    const stillPending = await plugin.update("id", outs, inputs);
    expect(stillPending.outs).toMatchObject({ status: "applying" });
    expect(stillPending.outs.appliedVersion).toBeUndefined();

    await emulator.developer("dev_agree", seed.storeLocator, seed.coffee);
    const later = providersFor(emulator.url); // a new `pulumi up` is a new provider process
    const approved = await later.plugin.update("id", outs, inputs);
    expect(approved.outs).toMatchObject({ status: "approved", appliedVersion: "2.2.46" });
    expect((await bindings())[0].version).toBe("2.2.46");
  });

  it("records when it applied", async () => {
    const before = Date.now();
    const { outs } = await providersFor(emulator.url).plugin.create({ appId: seed.coffee, pluginAppId: seed.storeLocator });
    expect(Date.parse(outs.appliedAt!)).toBeGreaterThanOrEqual(before);
    expect(outs.appliedAt).toBe(new Date(Date.parse(outs.appliedAt!)).toISOString());
  });

  it("applying for one plugin on 5 mini programs makes 5 applies and 5 + 1 list reads, as the plugin's first application teaches whether it needs approval", async () => {
    const fifth = { appId: "wxc0ffee00000000f5", secret: "mp-secret-fifth", username: "gh_f1f7f1f7f1f5", nickname: "Fifth Shop" };
    const fleet = await Emulator.start({ seed: { ...defaultSeed, miniPrograms: [...defaultSeed.miniPrograms, fifth] } });
    try {
      const appSecrets = { ...seed.appSecrets, [fifth.appId]: fifth.secret };
      const { plugin } = providersFor(fleet.url, "appSecrets", { "wechat:appSecrets": JSON.stringify(appSecrets) });
      const miniPrograms = [...defaultSeed.miniPrograms, fifth].map((mp) => mp.appId);
      // Live Chat needs no approval: created concurrently, after the checks the engine runs first.
      for (const appId of miniPrograms) expect(await plugin.existingWarning({}, { appId, pluginAppId: seed.liveChat })).toBeUndefined();
      const approved = await Promise.all(miniPrograms.map((appId) => plugin.create({ appId, pluginAppId: seed.liveChat })));
      expect(approved.map((c) => c.outs)).toEqual(miniPrograms.map(() => expect.objectContaining({ status: "approved", statusCode: 2, nickname: "Live Chat" })));
      let counts = (await fleet.calls()).counts;
      expect([counts["/wxa/plugin#apply"], counts["/wxa/plugin#list"]]).toEqual([5, 5 + 1]);
      // Store Locator needs approval: created one after another, each after writes to its mini program.
      for (const appId of miniPrograms) {
        const { outs } = await plugin.create({ appId, pluginAppId: seed.storeLocator });
        expect(outs).toMatchObject({ status: "applying", statusCode: 1, nickname: "Store Locator" });
      }
      counts = (await fleet.calls()).counts;
      expect([counts["/wxa/plugin#apply"], counts["/wxa/plugin#list"]]).toEqual([10, 5 + 2]);
      const live = (await fleet.state()).bindings as Array<{ appId: string; pluginAppId: string; status: number }>;
      expect(live.filter((b) => b.pluginAppId === seed.liveChat).map((b) => b.status)).toEqual([2, 2, 2, 2, 2]);
      expect(live.filter((b) => b.pluginAppId === seed.storeLocator).map((b) => b.status)).toEqual([1, 1, 1, 1, 1]);
    } finally {
      await fleet.close();
    }
  });

  it("creates of 3 plugins on one mini program make one list read before they apply, shared with their checks", async () => {
    const { plugin } = providersFor(emulator.url);
    const pluginAppIds = [seed.liveChat, seed.storeLocator, seed.reviews];
    for (const pluginAppId of pluginAppIds) expect(await plugin.existingWarning({}, { appId: seed.coffee, pluginAppId })).toBeUndefined();
    await Promise.all(pluginAppIds.map((pluginAppId) => plugin.create({ appId: seed.coffee, pluginAppId })));
    const { calls } = await emulator.calls();
    const actions = calls.filter((c) => c.path === "/wxa/plugin").map((c) => c.action);
    expect(actions.slice(0, actions.indexOf("apply"))).toEqual(["list"]);
    expect(actions.filter((a) => a === "apply")).toHaveLength(3);
  });

  it("a second resource of a binding this run applied for fails before any write, though the list was read before the apply", async () => {
    const { plugin } = providersFor(emulator.url);
    await plugin.create({ appId: seed.coffee, pluginAppId: seed.reviews });
    await emulator.clearCalls();
    expect((await failure(plugin.create({ appId: seed.coffee, pluginAppId: seed.reviews }))).code).toBe("WECHAT_ALREADY_EXISTS");
    expect((await emulator.calls()).calls).toEqual([]);
  });

  it.each([
    ["waiting for the plugin developer", seed.storeLocator, undefined],
    ["approved", seed.reviews, undefined],
    ["rejected by the plugin developer", seed.membership, "dev_refuse"],
  ] as const)("fails the create of a binding that exists at WeChat (%s), before any write, naming it, what WeChat has and what to do", async (words, pluginAppId, answer) => {
    await providersFor(emulator.url).plugin.create({ appId: seed.coffee, pluginAppId });
    if (answer) await emulator.developer(answer, pluginAppId, seed.coffee);
    await emulator.clearCalls();
    const { plugin, warnings } = providersFor(emulator.url);
    const error = await failure(plugin.create({ appId: seed.coffee, pluginAppId, version: "1.0.0" }));
    expect(error.code).toBe("WECHAT_ALREADY_EXISTS");
    expect(error.message).toBe(
      `plugin apply for mini program wxc0ffee0000000001 (plugin ${pluginAppId}) failed: already in the mini program's plugin list at WeChat, ${words} (an application would get WeChat error 89237), and this stack does not manage it; WeChat was left as it is. What to do: set \`adopt: true\` on the resource to bring it under this stack's management; or, if an earlier run of this stack was interrupted or failed after WeChat acted, run \`pulumi up\` once with WECHAT_ADOPT=true (stack config wechat:adopt); if another stack manages it, leave it out of this program.`,
    );
    expect(Object.keys((await emulator.calls()).counts).filter((call) => call.startsWith("/wxa/plugin"))).toEqual(["/wxa/plugin#list"]);
    expect(warnings).toEqual([]);
  });

  it.each([
    ["the resource's adopt input", { adopt: true }, {}],
    ["wechat:adopt", {}, { "wechat:adopt": "true" }],
  ])("adopts a binding that exists at WeChat, without applying, when %s asks", async (_how, input, config) => {
    await providersFor(emulator.url).plugin.create({ appId: seed.coffee, pluginAppId: seed.reviews });
    await emulator.clearCalls();
    const { plugin, warnings } = providersFor(emulator.url, "thirdParty", config);
    const { outs } = await plugin.create({ appId: seed.coffee, pluginAppId: seed.reviews, version: "1.0.0", ...input });
    expect(outs).toMatchObject({ status: "approved", appliedVersion: "1.0.0", ...input });
    expect(outs.appliedAt).toBeUndefined();
    expect(warnings).toEqual([`plugin ${seed.reviews} on mini program ${seed.coffee}: already at WeChat (approved); adopting it`]);
    expect((await emulator.calls()).counts["/wxa/plugin#apply"]).toBeUndefined();
    expect(await bindings()).toEqual([expect.objectContaining({ pluginAppId: seed.reviews, version: "1.0.0" })]);
  });

  it("adopting an earlier application that was rejected unbinds it and applies again", async () => {
    await providersFor(emulator.url).plugin.create({ appId: seed.coffee, pluginAppId: seed.membership });
    await emulator.developer("dev_refuse", seed.membership, seed.coffee);
    const { plugin, warnings } = providersFor(emulator.url);
    const { outs } = await plugin.create({ appId: seed.coffee, pluginAppId: seed.membership, adopt: true });
    expect(outs.status).toBe("applying");
    expect(outs.appliedAt).toBeDefined();
    expect(warnings).toEqual([`plugin ${seed.membership} on mini program ${seed.coffee}: already at WeChat (rejected by the plugin developer); adopting it: unbinding it and applying again`]);
  });

  it("adopting an earlier application that was rejected keeps it refused, without a write, when onRejected is keep; the version waits", async () => {
    await providersFor(emulator.url).plugin.create({ appId: seed.coffee, pluginAppId: seed.membership });
    await emulator.developer("dev_refuse", seed.membership, seed.coffee);
    await emulator.clearCalls();
    const { plugin, warnings } = providersFor(emulator.url);
    const { outs } = await plugin.create({ appId: seed.coffee, pluginAppId: seed.membership, version: "1.0.0", adopt: true, onRejected: "keep" });
    expect(outs).toMatchObject({ status: "rejected", statusCode: 3, onRejected: "keep" });
    expect(outs.appliedVersion).toBeUndefined();
    expect(warnings).toEqual([
      `plugin ${seed.membership} on mini program ${seed.coffee}: already at WeChat (rejected by the plugin developer); adopting it: kept refused (onRejected: keep)`,
      `plugin ${seed.membership} on mini program ${seed.coffee}: version 1.0.0 not applied: the application was rejected by the plugin developer; it is kept refused (onRejected: keep), not unbound or applied for again`,
    ]);
    expect(Object.keys((await emulator.calls()).counts).filter((call) => call.startsWith("/wxa/plugin"))).toEqual(["/wxa/plugin#list"]);
    expect(await bindings()).toEqual([expect.objectContaining({ pluginAppId: seed.membership, status: 3 })]);
  });

  it("applies again in the run that unbound the binding, as a replacement does, without taking its old entry for someone else's", async () => {
    const { id, outs } = await providersFor(emulator.url).plugin.create({ appId: seed.coffee, pluginAppId: seed.membership });
    await emulator.developer("dev_refuse", seed.membership, seed.coffee);
    const { plugin } = providersFor(emulator.url);
    expect((await plugin.read(id, outs)).props).toMatchObject({ status: "rejected" });
    await plugin.delete(id, outs);
    expect((await plugin.create({ appId: seed.coffee, pluginAppId: seed.membership })).outs).toMatchObject({ status: "applying" });
  });

  it("updating a plugin unbound behind Pulumi's back applies again, with a warning", async () => {
    const inputs = { appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.0.0" };
    const { id, outs } = await providersFor(emulator.url).plugin.create(inputs);
    await emulator.unbindOutOfBand(seed.coffee, seed.liveChat);

    const { plugin, warnings } = providersFor(emulator.url);
    const updated = await plugin.update(id, outs, { ...inputs, version: "1.4.2" });
    expect(updated.outs).toMatchObject({ status: "approved", appliedVersion: "1.4.2" });
    expect(warnings).toContain(`plugin ${seed.liveChat} on mini program ${seed.coffee}: no longer in the mini program's plugin list; applying again`);
    expect(await bindings()).toEqual([expect.objectContaining({ pluginAppId: seed.liveChat, status: 2, version: "1.4.2" })]);
  });

  it("reads the live status, keeps the applied version and when it applied, and reports a plugin unbound out of band as gone", async () => {
    const { plugin } = providersFor(emulator.url);
    const { id, outs } = await plugin.create({ appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.0.0" });
    const read = await plugin.read(id, outs);
    expect(read).toEqual({ id, props: outs, inputs: { appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.0.0" } });
    expect(read.props?.appliedAt).toBeDefined();

    await emulator.unbindOutOfBand(seed.coffee, seed.liveChat);
    expect((await providersFor(emulator.url).plugin.read(id, outs)).id).toBe("");
  });

  it("reads a rejected application as rejected and one left 48 hours as expired", async () => {
    const { plugin } = providersFor(emulator.url);
    const refused = await plugin.create({ appId: seed.coffee, pluginAppId: seed.membership });
    const forgotten = await plugin.create({ appId: seed.coffee, pluginAppId: seed.delivery });
    await emulator.developer("dev_refuse", seed.membership, seed.coffee);
    await emulator.advanceClock(48 * 3600 + 60);
    const later = providersFor(emulator.url);
    expect((await later.plugin.read(refused.id, refused.outs)).props).toMatchObject({ status: "rejected", statusCode: 3 });
    expect((await later.plugin.read(forgotten.id, forgotten.outs)).props).toMatchObject({ status: "expired", statusCode: 4 });
  });

  it("after a refresh reads a rejection, proposes no replacement when onRejected is keep and one with reapply; an expired application is replaced either way", async () => {
    const { plugin } = providersFor(emulator.url);
    const refused = await plugin.create({ appId: seed.coffee, pluginAppId: seed.membership, onRejected: "keep" });
    const forgotten = await plugin.create({ appId: seed.coffee, pluginAppId: seed.delivery, onRejected: "keep" });
    await emulator.developer("dev_refuse", seed.membership, seed.coffee);
    await emulator.advanceClock(48 * 3600 + 60);
    const later = providersFor(emulator.url);
    const rejected = (await later.plugin.read(refused.id, refused.outs)).props!;
    const expired = (await later.plugin.read(forgotten.id, forgotten.outs)).props!;
    expect(rejected).toMatchObject({ status: "rejected", statusCode: 3, onRejected: "keep" });
    const inputs = { appId: seed.coffee, pluginAppId: seed.membership };
    expect(PluginResource.diff(rejected, { ...inputs, onRejected: "keep" }).result).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(PluginResource.diff(rejected, { ...inputs, onRejected: "reapply" }).result).toEqual({ changes: true, replaces: ["status"], deleteBeforeReplace: true });
    expect(PluginResource.diff(rejected, inputs).result).toEqual({ changes: true, replaces: ["status"], deleteBeforeReplace: true });
    expect(PluginResource.diff(expired, { appId: seed.coffee, pluginAppId: seed.delivery, onRejected: "keep" }).result).toEqual({ changes: true, replaces: ["status"], deleteBeforeReplace: true });
  });

  it("reads the version that is live as the input, so that the engine's diff after a refresh shows the one a quick update changes", async () => {
    const { plugin } = providersFor(emulator.url);
    const approved = await plugin.create({ appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.0.0" });
    const pending = await plugin.create({ appId: seed.coffee, pluginAppId: seed.storeLocator, version: "2.2.46" });
    const declared = { ...approved.outs, version: "1.4.2" };
    expect((await plugin.read(approved.id, declared)).inputs).toEqual({ appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.0.0" });
    expect((await plugin.read(approved.id, declared)).props).toMatchObject({ version: "1.4.2", appliedVersion: "1.0.0" });
    expect((await plugin.read(pending.id, pending.outs)).inputs).toEqual({ appId: seed.coffee, pluginAppId: seed.storeLocator });
  });

  it("reads by id alone, as `.get` does", async () => {
    const { plugin } = providersFor(emulator.url);
    await plugin.create({ appId: seed.coffee, pluginAppId: seed.liveChat });
    const read = await plugin.read(`${seed.coffee}/${seed.liveChat}`, {});
    expect(read.props).toMatchObject({ appId: seed.coffee, pluginAppId: seed.liveChat, status: "approved" });
  });

  it("unbinds on delete, and treats a plugin already gone as deleted", async () => {
    const { plugin } = providersFor(emulator.url);
    const { id, outs } = await plugin.create({ appId: seed.coffee, pluginAppId: seed.liveChat });
    await plugin.delete(id, outs);
    expect(await bindings()).toEqual([]);
    await plugin.delete(id, outs);
  });

  it("unbinding a pending application fails with 89243, naming the account and plugin and the 48-hour time-out", async () => {
    const { plugin } = providersFor(emulator.url);
    const { id, outs } = await plugin.create({ appId: seed.coffee, pluginAppId: seed.storeLocator });
    const error = await failure(plugin.delete(id, outs));
    expect(error.message).toMatch(/plugin unbind for mini program wxc0ffee0000000001 \(plugin wx1000000000000001\) failed: WeChat error 89243/);
    expect(error.message).toMatch(/waiting for the plugin developer.*about 48 hours/);
    expect(await bindings()).toHaveLength(1);
  });
});

describe("MiniProgramPlugin errors from WeChat", () => {
  it("fails a version without quick update with 89257 but keeps the application in the state", async () => {
    const { plugin } = providersFor(emulator.url);
    await plugin.create({ appId: seed.coffee, pluginAppId: seed.storeLocator });
    await emulator.developer("dev_agree", seed.storeLocator, seed.coffee);
    const error = await failure(providersFor(emulator.url).plugin.create({ appId: seed.coffee, pluginAppId: seed.storeLocator, version: "3.0.0", adopt: true }));
    expect(error.message).toMatch(/plugin update .* failed: WeChat error 89257: the version does not exist or does not allow a quick update/);
    expect(error).toBeInstanceOf(PartialCreateError);
    expect(error).toMatchObject({ id: `${seed.coffee}/${seed.storeLocator}`, properties: { status: "approved" }, reasons: [error.message] });
  });

  it("explains that quick update needs a third-party platform token (89256) when the credential is an AppSecret", async () => {
    const { plugin } = providersFor(emulator.url, "appSecrets");
    const error = await failure(plugin.create({ appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.4.2" }));
    expect(error.message).toMatch(/89256.*configure wechat:componentAppId/);
  });

  it("names a plugin that does not exist (89239)", async () => {
    const error = await failure(providersFor(emulator.url).plugin.create({ appId: seed.coffee, pluginAppId: "wx9999999999999999" }));
    expect(error.message).toMatch(/plugin apply for mini program wxc0ffee0000000001 \(plugin wx9999999999999999\) failed: WeChat error 89239: the plugin does not exist/);
  });

  it("stops at the plugin limit with 89238 and during a gray release with 89258", async () => {
    const limited = await Emulator.start({
      seed: { ...defaultSeed, miniPrograms: defaultSeed.miniPrograms.map((mp) => ({ ...mp, pluginLimit: 1, grayRelease: mp.appId === seed.bakery })) },
    });
    try {
      const { plugin } = providersFor(limited.url);
      await plugin.create({ appId: seed.coffee, pluginAppId: seed.liveChat });
      const full = await failure(plugin.create({ appId: seed.coffee, pluginAppId: seed.reviews }));
      expect(full.message).toMatch(/WeChat error 89238: the mini program has reached its plugin limit/);
      const gray = await failure(plugin.create({ appId: seed.bakery, pluginAppId: seed.liveChat, version: "1.4.2" }));
      expect(gray.message).toMatch(/WeChat error 89258: .*gray .*release/);
    } finally {
      await limited.close();
    }
  });
});

describe("MiniProgramPlugin against answers the emulator never gives", () => {
  const ok = { errcode: 0, errmsg: "ok" };

  /**
   * Someone else applies between this run's list read and its apply: the first /wxa/plugin call (the list) shows no
   * entry, the second (the apply's first attempt) answers 89237, and later lists show the entry, pending.
   */
  function raced() {
    let calls = 0;
    return startFakeWeChat((path) => {
      if (path !== "/wxa/plugin") return ok;
      calls++;
      if (calls === 1) return { ...ok, plugin_list: [] };
      if (calls === 2) return { errcode: 89237, errmsg: "plugin already applied" };
      return { ...ok, plugin_list: [{ appid: seed.storeLocator, status: 1, nickname: "Store Locator", headimgurl: "" }] };
    });
  }

  it("fails when the first attempt of an apply is refused with 89237, as someone else applied since the list was read", async () => {
    const wechat = await raced();
    try {
      const error = await failure(providersFor(wechat.url, "appSecrets").plugin.create({ appId: seed.coffee, pluginAppId: seed.storeLocator }));
      expect(error.code).toBe("WECHAT_ALREADY_EXISTS");
      expect(error.message).toMatch(
        /^plugin apply for mini program wxc0ffee0000000001 \(plugin wx1000000000000001\) failed: already in the mini program's plugin list at WeChat, waiting for the plugin developer .*What to do: set `adopt: true`/,
      );
    } finally {
      await wechat.close();
    }
  });

  it("adopts it then, with a warning and without a time of its own, when adoption is on", async () => {
    const wechat = await raced();
    try {
      const { plugin, warnings } = providersFor(wechat.url, "appSecrets");
      const { outs } = await plugin.create({ appId: seed.coffee, pluginAppId: seed.storeLocator, adopt: true });
      expect(outs).toMatchObject({ status: "applying" });
      expect(outs.appliedAt).toBeUndefined();
      expect(warnings).toEqual([`plugin ${seed.storeLocator} on mini program ${seed.coffee}: already applied for or added (status applying) since the plugin list was read; adopting it`]);
    } finally {
      await wechat.close();
    }
  });
});
