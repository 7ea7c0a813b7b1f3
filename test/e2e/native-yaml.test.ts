import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { checkDrift } from "../../cli/drift";
import { seed, useEmulator } from "../support/emulator";
import { type Result, thirdPartyConfig } from "./project";
import { YamlProject, type YamlResource } from "./native";

/*
 * Pulumi YAML programs on the native provider plugin (provider/native/), run by the real CLI and Pulumi's YAML language
 * host, the plugin installed from the tarball `npm run build:plugin` makes: the lifecycle, the schema's and the
 * configuration's refusals before any WeChat call, and `pulumi import` with the code the CLI generates.
 */

const emulator = useEmulator();

const oa = seed.officialAccount;
const output = (result: Result) => result.stdout + result.stderr;
const writes = async () => Object.keys((await emulator.calls()).counts).filter((call) => /#(apply|unbind|update)$|\/wxamplink$|\/wxampunlink$/.test(call));

const liveChat = (version: string): YamlResource => ({ type: "wechat:MiniProgramPlugin", properties: { appId: seed.coffee, pluginAppId: seed.liveChat, version } });
const groupCoffee: YamlResource = { type: "wechat:OfficialAccountLink", properties: { officialAccountAppId: oa, miniProgramAppId: seed.coffee } };

describe("a Pulumi YAML program on the native provider", () => {
  it("creates, refreshes, checks drift, updates and destroys; the state has the native types and no secret", async () => {
    const project = await YamlProject.create("yaml-lifecycle", emulator.url, { liveChat: liveChat("1.0.0"), groupCoffee }, thirdPartyConfig());
    // A credential set without --secret: the provider marks it secret for the state all the same.
    await project.setConfig({ "wechat:componentVerifyTicket": seed.component.verifyTicket }, { plaintext: true });
    await project.up();
    const resources = (await project.deployment()).resources ?? [];
    expect(resources.map((r) => r.type).sort()).toEqual(["pulumi:providers:wechat", "pulumi:pulumi:Stack", "wechat:index:MiniProgramPlugin", "wechat:index:OfficialAccountLink"]);
    const plugin = resources.find((r) => r.type === "wechat:index:MiniProgramPlugin")!;
    expect(plugin.id).toBe(`${seed.coffee}/${seed.liveChat}`);
    expect(plugin.outputs).toMatchObject({ status: "approved", appliedVersion: "1.0.0", nickname: "Live Chat" });
    const state = await project.must(["stack", "export"]);
    for (const secret of [seed.component.appSecret, seed.component.verifyTicket, ...Object.values(JSON.parse(thirdPartyConfig()["wechat:authorizerRefreshTokens"]) as Record<string, string>)]) {
      expect(state.stdout).not.toContain(secret);
    }

    // A refresh and a preview change nothing; the drift check sees no drift, only the link waiting for the admin.
    await emulator.clearCalls();
    await project.must(["refresh", "--yes", "--skip-preview"]);
    await project.must(["preview", "--refresh", "--expect-no-changes"]);
    const quiet = await checkDrift({ stack: project.stack, cwd: project.dir, env: project.env });
    expect(quiet.code).toBe(0);
    expect(quiet.output).toContain("waiting for the official account's admin");
    expect(await writes()).toEqual([]);

    // An update: the CLI shows the property that changes, and the quick update is the one write.
    project.write({ liveChat: liveChat("1.4.2"), groupCoffee });
    const diff = await project.must(["preview", "--diff"]);
    expect(output(diff)).toMatch(/~ version: "1\.0\.0" => "1\.4\.2"/);
    expect(await writes()).toEqual([]);
    await project.up();
    expect(await writes()).toEqual(["/wxa/plugin#update"]);

    // Someone unbinds the plugin in WeChat's console: the drift check says so, and `up --refresh` applies again.
    await emulator.unbindOutOfBand(seed.coffee, seed.liveChat);
    const drift = await checkDrift({ stack: project.stack, cwd: project.dir, env: project.env });
    expect(drift.code).toBe(2);
    expect(drift.output).toContain(`plugin ${seed.liveChat} on mini program ${seed.coffee} (liveChat)`);
    await project.up("--refresh", "--run-program");
    expect((await project.must(["preview", "--refresh", "--expect-no-changes"])).code).toBe(0);

    await project.must(["destroy", "--yes", "--skip-preview"]);
    const world = await emulator.state();
    expect(world.bindings.filter((b) => b.appId === seed.coffee)).toEqual([]);
    expect(world.links.filter((l) => l.officialAccountAppId === oa && l.miniProgramAppId === seed.coffee)).toEqual([]);
    expect((await project.deployment()).resources ?? []).toEqual([]);
  });

  it("refuses a misspelled property by the schema, and an unknown or invalid setting in CheckConfig, before any WeChat call", async () => {
    const misspelled: YamlResource = { type: "wechat:MiniProgramPlugin", properties: { appId: seed.coffee, pluginAppID: seed.liveChat } };
    const project = await YamlProject.create("yaml-refusals", emulator.url, { misspelled });
    await emulator.clearCalls();
    const refused = await project.run(["preview"]);
    expect(refused.code).not.toBe(0);
    expect(output(refused)).toContain("pluginAppId: Missing required property 'pluginAppId'");
    expect(output(refused)).toContain("pluginAppID");

    project.write({ liveChat: liveChat("1.0.0") });
    await project.setConfig({ "wechat:appSecret": "{}" });
    const unknownKey = await project.run(["preview"]);
    expect(unknownKey.code).not.toBe(0);
    expect(output(unknownKey)).toContain("wechat:appSecret is not a setting of the wechat provider");
    await project.must(["config", "rm", "wechat:appSecret"]);

    await project.setConfig({ "wechat:endpoint": "http://wechat.example.com" }, { plaintext: true });
    const badEndpoint = await project.run(["preview"]);
    expect(badEndpoint.code).not.toBe(0);
    expect(output(badEndpoint)).toContain("wechat:endpoint");
    expect((await emulator.calls()).calls).toEqual([]);
  });

  it("imports an existing binding and link with `pulumi import`; the program the CLI generates has nothing to change", async () => {
    const owner = await YamlProject.create("yaml-owner", emulator.url, { liveChat: liveChat("1.0.0"), groupCoffee });
    await owner.up();
    // The first stack lets go of both without touching WeChat, as a team handing them over would.
    await owner.must(["state", "delete", "--all", "--yes", "--force"]);

    const project = await YamlProject.create("yaml-import", emulator.url);
    await emulator.clearCalls();
    await project.must(["import", "wechat:index:MiniProgramPlugin", "liveChat", `${seed.coffee}/${seed.liveChat}`, "--yes", "--out", "plugin.yaml"]);
    await project.must(["import", "wechat:index:OfficialAccountLink", "groupCoffee", `${oa}/${seed.coffee}`, "--yes", "--out", "link.yaml"]);
    expect(await writes()).toEqual([]);

    const generated = (file: string) => (parse(readFileSync(join(project.dir, file), "utf8")) as { resources: Record<string, YamlResource> }).resources;
    const resources = { ...generated("plugin.yaml"), ...generated("link.yaml") };
    expect(resources.liveChat).toMatchObject({ type: "wechat:MiniProgramPlugin", properties: { appId: seed.coffee, pluginAppId: seed.liveChat } });
    expect(resources.groupCoffee).toMatchObject({ type: "wechat:OfficialAccountLink", properties: { officialAccountAppId: oa, miniProgramAppId: seed.coffee } });
    project.write(resources);
    await project.must(["preview", "--refresh", "--expect-no-changes"]);
    await project.must(["up", "--yes", "--skip-preview", "--expect-no-changes"]);
    expect(await writes()).toEqual([]);
  });
});
