import { describe, expect, it } from "vitest";
import { useEmulator, seed } from "../support/emulator";
import { Project, Spec } from "./project";

const emulator = useEmulator();

const oa = seed.officialAccount;
const spec = (version = "1.4.2", showProfile = false): Spec => ({
  plugins: {
    chat: { appId: seed.coffee, pluginAppId: seed.liveChat, version },
    reviews: { appId: seed.bakery, pluginAppId: seed.reviews, reason: "ratings" },
  },
  links: { coffee: { officialAccountAppId: oa, miniProgramAppId: seed.coffee, showProfile } },
});

async function linkUp() {
  await emulator.confirmLink(oa, seed.coffee, "officialAccount");
  await emulator.confirmLink(oa, seed.coffee, "miniProgram");
}

describe("pulumi up, preview, refresh and destroy on a real program", () => {
  it("creates, then reports no changes on a second up and on preview --expect-no-changes", async () => {
    const project = await Project.create("create", emulator.url);
    project.write(spec());
    await project.up();
    const state = await emulator.state();
    expect(state.bindings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ appId: seed.coffee, pluginAppId: seed.liveChat, status: 2, version: "1.4.2" }),
        expect.objectContaining({ appId: seed.bakery, pluginAppId: seed.reviews, status: 2 }),
      ]),
    );
    expect(state.links).toEqual([expect.objectContaining({ miniProgramAppId: seed.coffee, status: 12 })]);

    const second = await project.up();
    expect(second.stdout).toMatch(/4 unchanged/);
    await project.must(["preview", "--expect-no-changes"]);
    expect((await project.drift()).code).toBe(0);
  });

  it("updates a version in place, replaces a changed plugin, and relinks (delete first) on a changed showProfile", async () => {
    const project = await Project.create("changes", emulator.url);
    project.write(spec());
    await project.up();
    await linkUp();

    project.write(spec("1.0.0"));
    const update = await project.up();
    expect(update.stdout).toMatch(/1 updated/);
    expect((await emulator.state()).bindings).toEqual(expect.arrayContaining([expect.objectContaining({ pluginAppId: seed.liveChat, version: "1.0.0" })]));

    const swapped = spec("1.0.0");
    swapped.plugins!.reviews = { appId: seed.bakery, pluginAppId: seed.liveChat };
    project.write(swapped);
    expect((await project.up()).stdout).toMatch(/1 replaced/);
    const bakery = (await emulator.state()).bindings.filter((b) => b.appId === seed.bakery).map((b) => b.pluginAppId);
    expect(bakery).toEqual([seed.liveChat]);

    const relinked = { ...swapped, links: { coffee: { officialAccountAppId: oa, miniProgramAppId: seed.coffee, showProfile: true } } };
    project.write(relinked);
    // A linked mini program's unlink waits for the official account's admin: until then the relink cannot happen,
    // and every `up` says so, with the link kept in the state as WeChat has it.
    for (let attempt = 0; attempt < 2; attempt++) {
      const waiting = await project.run(["up", "--yes", "--skip-preview"]);
      expect(waiting.code).not.toBe(0);
      expect(waiting.stdout).toMatch(/WeChat error 89015: the mini program is still linked, because the unlink that changing showProfile needs waits for the official account's admin/);
      const coffee = (await project.resources()).find((r) => r.urn.endsWith("::coffee"));
      expect(coffee?.outputs).toMatchObject({ showProfile: false, status: "linked" });
    }
    await emulator.confirmLink(oa, seed.coffee, "officialAccount");
    expect((await project.up()).stdout).toMatch(/1 replaced/);
    expect((await emulator.state()).links).toEqual([expect.objectContaining({ miniProgramAppId: seed.coffee, status: 12, showProfile: true })]);
    await project.up("--expect-no-changes");
  });

  it("keeps a plugin whose version failed on create in the state, with its provider, so refresh, a corrected up and destroy work", async () => {
    const project = await Project.create("partial", emulator.url);
    const declared = (version: string): Spec => ({ plugins: { chat: { appId: seed.coffee, pluginAppId: seed.liveChat, version } } });
    project.write(declared("9.9.9"));
    const failed = await project.run(["up", "--yes", "--skip-preview"]);
    expect(failed.code).not.toBe(0);
    expect(failed.stdout).toMatch(/plugin update for mini program wxc0ffee0000000001 \(plugin wx1000000000000002\) failed: WeChat error 89257/);
    const chat = (await project.resources()).find((r) => r.urn.endsWith("::chat"));
    expect(chat?.outputs).toMatchObject({ status: "approved", __provider: expect.stringContaining('require("pulumi-wechat/dist/provider/dynamic/plugin.js")') });

    await project.must(["refresh", "--yes", "--skip-preview"]);
    project.write(declared("1.0.0"));
    expect((await project.up()).stdout).toMatch(/1 updated/);
    await project.up("--expect-no-changes");
    await project.destroy();
    expect((await emulator.state()).bindings).toEqual([]);
  });

  it("reports drift for a plugin unbound out of band, a rejected or expired application and a removed link; up --refresh converges", async () => {
    const project = await Project.create("drift", emulator.url);
    project.write({
      plugins: {
        chat: { appId: seed.coffee, pluginAppId: seed.liveChat },
        locator: { appId: seed.coffee, pluginAppId: seed.storeLocator },
        card: { appId: seed.bakery, pluginAppId: seed.membership },
      },
      links: { coffee: { officialAccountAppId: oa, miniProgramAppId: seed.coffee } },
    });
    await project.up();
    expect((await project.drift()).code).toBe(0);

    await emulator.unbindOutOfBand(seed.coffee, seed.liveChat);
    await emulator.developer("dev_refuse", seed.storeLocator, seed.coffee);
    await emulator.confirmLink(oa, seed.coffee, "officialAccount");
    await emulator.confirmLink(oa, seed.coffee, "miniProgram", false);
    await emulator.advanceClock(49 * 3600);

    const drift = await project.drift(4); // a --parallel other than the default reaches the CLI
    expect(drift.code).toBe(2);
    expect(drift.output).toMatch(/plugin wx1000000000000002 on mini program wxc0ffee0000000001 \(chat\): not bound at WeChat/);
    expect(drift.output).toMatch(/plugin wx1000000000000001 .*\(locator\): the plugin developer rejected the application/);
    expect(drift.output).toMatch(/plugin wx1000000000000003 .*\(card\): the application expired unanswered/);
    expect(drift.output).toMatch(/link from official account wx0a00000000000001 to mini program wxc0ffee0000000001 \(coffee\): the mini program's admin rejected the invitation/);

    await project.up("--refresh");
    expect((await project.drift()).code).toBe(0);
    const bindings = (await emulator.state()).bindings;
    expect(bindings).toHaveLength(3);
    expect(bindings.filter((b) => b.pluginAppId === seed.liveChat)).toHaveLength(1);

    // A link removed outside Pulumi (its invitation withdrawn) is drift too.
    await emulator.wechat("/cgi-bin/wxopen/wxampunlink", oa, seed.appSecrets[oa], { appid: seed.coffee });
    const removed = await project.drift();
    expect(removed.code).toBe(2);
    expect(removed.output).toMatch(/\(coffee\): not linked at WeChat/);
  });

  it("destroy unbinds and unlinks everything and leaves WeChat as it was; a pending application blocks it with the documented message", async () => {
    const before = await emulator.state();
    const project = await Project.create("destroy", emulator.url);
    project.write({ ...spec(), plugins: { ...spec().plugins, locator: { appId: seed.coffee, pluginAppId: seed.storeLocator } } });
    await project.up();

    const blocked = await project.run(["destroy", "--yes", "--skip-preview"]);
    expect(blocked.code).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toMatch(/89243: the application is waiting for the plugin developer and cannot be unbound.*about 48 hours/);

    await emulator.developer("dev_agree", seed.storeLocator, seed.coffee);
    await project.destroy();
    const after = await emulator.state();
    expect(after.bindings).toEqual(before.bindings);
    expect(after.links).toEqual(before.links);
  });
});
