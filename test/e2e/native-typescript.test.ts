import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { installPackage, packNodeSdk } from "../../scripts/pulumi-project.mjs";
import { seed, useEmulator } from "../support/emulator";
import { type Result } from "./project";
import { NativeProject, YamlProject } from "./native";

/*
 * TypeScript programs on the native provider through its generated Node SDK (sdk/nodejs, packed): a stack moved from
 * the dynamic resources by aliases, and `pulumi import --generate-code=false` into a program written by hand.
 */

const emulator = useEmulator();

const oa = seed.officialAccount;
const output = (result: Result) => result.stdout + result.stderr;
const writes = async () => Object.keys((await emulator.calls()).counts).filter((call) => /#(apply|unbind|update)$|\/wxamplink$|\/wxampunlink$/.test(call));

const plugin = { appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.0.0" };
const link = { officialAccountAppId: oa, miniProgramAppId: seed.coffee };

/** The programs' folder: this package, @pulumi/pulumi and the native SDK installed once, as a user installs them. */
let folder: string;
beforeAll(() => {
  const { workspace, tarball } = inject("e2e");
  folder = join(workspace, "projects", `native-typescript-${process.pid}`);
  mkdirSync(folder, { recursive: true });
  installPackage(folder, { tarball, dependencies: { "@pulumi-wechat/wechat": `file:${packNodeSdk(folder)}` } });
});

const dynamicProgram = `
const { MiniProgramPlugin, OfficialAccountLink } = require("pulumi-wechat");
new MiniProgramPlugin("chat", ${JSON.stringify(plugin)});
new OfficialAccountLink("group", ${JSON.stringify(link)});
`;

const nativeProgram = (options: { aliases?: boolean; protect?: boolean; version?: boolean } = {}) => `
const wechat = require("@pulumi-wechat/wechat");
const aliases = (type) => (${options.aliases ?? false} ? { aliases: [{ type: "pulumi-nodejs:dynamic/wechat:" + type }] } : {});
new wechat.MiniProgramPlugin("chat", ${JSON.stringify(options.version === false ? { ...plugin, version: undefined } : plugin)}, { ...aliases("MiniProgramPlugin"), protect: ${options.protect ?? false} });
new wechat.OfficialAccountLink("group", ${JSON.stringify(link)}, { ...aliases("OfficialAccountLink"), protect: ${options.protect ?? false} });
`;

describe("TypeScript programs on the native provider", () => {
  it("moves a stack from the dynamic resources to the native ones with aliases: no replacement, no WeChat write", async () => {
    const project = await NativeProject.inFolder(folder, "migrate", dynamicProgram, emulator.url);
    await project.up();
    expect(((await project.deployment()).resources ?? []).map((r) => r.type)).toContain("pulumi-nodejs:dynamic/wechat:MiniProgramPlugin");

    project.program(nativeProgram({ aliases: true }));
    await emulator.clearCalls();
    const preview = await project.must(["preview", "--diff"]);
    expect(output(preview)).not.toMatch(/replace|to create|to delete/);
    const moved = await project.up();
    expect(output(moved)).not.toMatch(/replaced|created|deleted/);
    expect(await writes()).toEqual([]);
    const types = ((await project.deployment()).resources ?? []).map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(["wechat:index:MiniProgramPlugin", "wechat:index:OfficialAccountLink"]));
    expect(types.filter((type) => type.startsWith("pulumi-nodejs:dynamic"))).toEqual([]);

    // After the move, the aliases can go; refresh and update work on the native state, and destroy unbinds.
    project.program(nativeProgram());
    await project.must(["preview", "--refresh", "--expect-no-changes"]);
    await project.must(["destroy", "--yes", "--skip-preview"]);
    expect((await emulator.state()).bindings.filter((b) => b.appId === seed.coffee)).toEqual([]);
  });

  it("imports with --generate-code=false into a program written by hand: nothing to change, no WeChat write", async () => {
    const owner = await YamlProject.create("ts-import-owner", emulator.url, {
      chat: { type: "wechat:MiniProgramPlugin", properties: plugin },
      group: { type: "wechat:OfficialAccountLink", properties: link },
    });
    await owner.up();
    await owner.must(["state", "delete", "--all", "--yes", "--force"]);

    // As the import marks them: protected. WeChat never reports a binding's version, so none is declared.
    const project = await NativeProject.inFolder(folder, "import", nativeProgram({ protect: true, version: false }), emulator.url);
    await emulator.clearCalls();
    await project.must(["import", "wechat:index:MiniProgramPlugin", "chat", `${seed.coffee}/${seed.liveChat}`, "--yes", "--generate-code=false"]);
    await project.must(["import", "wechat:index:OfficialAccountLink", "group", `${oa}/${seed.coffee}`, "--yes", "--generate-code=false"]);
    await project.must(["preview", "--refresh", "--expect-no-changes"]);
    await project.must(["up", "--yes", "--skip-preview", "--expect-no-changes"]);
    expect(await writes()).toEqual([]);

    // A version declared afterwards is the one change to make: a quick update.
    project.program(nativeProgram({ protect: true }));
    expect(output(await project.must(["preview", "--diff"]))).toMatch(/\+ version\s*: "1\.0\.0"/);
    await project.up();
    expect(await writes()).toEqual(["/wxa/plugin#update"]);
  });
});
