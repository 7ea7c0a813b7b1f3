import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PartialCreateError } from "../../provider/client/errors";
import { unknownValue } from "../../provider/inputs";
import { defaultSeed } from "../../emulator/index";
import { Emulator, seed } from "../support/emulator";
import { failure, providersFor } from "../support/providers";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await Emulator.start();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

const bindings = async () => (await emulator.state()).bindings as Array<{ appId: string; pluginAppId: string; status: number; version?: string }>;

describe("MiniProgramPlugin check", () => {
  it("accepts valid inputs and returns only the declared keys", () => {
    const { plugin } = providersFor(emulator.url);
    const result = plugin.check({ appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.4.2", reason: "chat", __provider: "x" });
    expect(result.failures).toEqual([]);
    expect(result.inputs).toEqual({ appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.4.2", reason: "chat" });
  });

  it.each([
    [{ appId: "wx123", pluginAppId: seed.liveChat }, "appId", "wx followed by 16"],
    [{ appId: seed.coffee, pluginAppId: "WX1000000000000002" }, "pluginAppId", "lowercase hex"],
    [{ appId: seed.coffee }, "pluginAppId", "pluginAppId is required"],
    [{ appId: seed.coffee, pluginAppId: seed.liveChat, version: "v1.2" }, "version", "x.y.z"],
    [{ appId: seed.coffee, pluginAppId: seed.liveChat, version: 2 }, "version", "number 2"],
    [{ appId: seed.coffee, pluginAppId: seed.liveChat, reason: "" }, "reason", "empty string"],
    [{ appId: seed.coffee, pluginAppId: seed.liveChat, verison: "1.0.0" }, "verison", 'unknown property "verison"'],
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

  it("adopts a plugin that was already applied for, with a warning, instead of failing with 89237", async () => {
    await providersFor(emulator.url).plugin.create({ appId: seed.coffee, pluginAppId: seed.reviews });
    const { plugin, warnings } = providersFor(emulator.url);
    const { outs } = await plugin.create({ appId: seed.coffee, pluginAppId: seed.reviews, version: "1.0.0" });
    expect(outs).toMatchObject({ status: "approved", appliedVersion: "1.0.0" });
    expect(warnings.join("\n")).toMatch(/already applied for or added \(status approved\); adopting it/);
    expect(await bindings()).toHaveLength(1);
  });

  it("applies again over an earlier rejected application", async () => {
    await providersFor(emulator.url).plugin.create({ appId: seed.coffee, pluginAppId: seed.membership });
    await emulator.developer("dev_refuse", seed.membership, seed.coffee);
    const { plugin, warnings } = providersFor(emulator.url);
    const { outs } = await plugin.create({ appId: seed.coffee, pluginAppId: seed.membership });
    expect(outs.status).toBe("applying");
    expect(warnings.join("\n")).toMatch(/was rejected; unbinding it and applying again/);
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

  it("reads the live status, keeps the applied version, and reports a plugin unbound out of band as gone", async () => {
    const { plugin } = providersFor(emulator.url);
    const { id, outs } = await plugin.create({ appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.0.0" });
    const read = await plugin.read(id, outs);
    expect(read).toEqual({ id, props: outs, inputs: { appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.0.0" } });

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

  it("reads by id alone, as `pulumi import` does", async () => {
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
    const error = await failure(providersFor(emulator.url).plugin.create({ appId: seed.coffee, pluginAppId: seed.storeLocator, version: "3.0.0" }));
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
