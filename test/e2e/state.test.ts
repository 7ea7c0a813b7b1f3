import { cpSync, existsSync, readFileSync, rmSync, appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inject, describe, expect, it } from "vitest";
import { useEmulator, refreshTokens, seed } from "../support/emulator";
import { Project, type StateResource } from "./project";

// Each test's stack creates the same plugin and link: a stack refuses to take over another's.
const emulator = useEmulator();

const spec = {
  plugins: { chat: { appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.4.2" } },
  links: { coffee: { officialAccountAppId: seed.officialAccount, miniProgramAppId: seed.coffee } },
};

describe("what the provider leaves in the Pulumi state", () => {
  it("holds no credential in plaintext and a __provider of about 2 KB", async () => {
    const project = await Project.create("state", emulator.url);
    project.write(spec);
    await project.up();
    const exported = await project.exportState();
    for (const secret of [seed.component.appSecret, seed.component.verifyTicket, ...Object.values(refreshTokens())]) {
      expect(exported).not.toContain(secret);
    }
    const providers = (await project.resources()).filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/")).map((r) => r.outputs!.__provider as string);
    expect(providers).toHaveLength(2);
    for (const provider of providers) expect(provider.length).toBeLessThan(4096);
  });

  it("runs a state an earlier release wrote, whose __provider is the provider functions' text: no change to preview, no write in up --refresh, and destroy unbinds", async () => {
    const project = await Project.create("old-state", emulator.url);
    project.write(spec);
    await project.up();
    // What release cd197d7 stored for each type: Pulumi's closure serializer's text of its provider objects, whose
    // functions delegate to require("pulumi-wechat/runtime"). Made with that release installed, by declaring one
    // resource of each type under pulumi.runtime.setMocks and keeping the __provider input the SDK registered.
    const texts = JSON.parse(readFileSync(join(__dirname, "fixtures/provider-text-cd197d7.json"), "utf8")) as Record<string, string>;
    const exported = JSON.parse(await project.exportState()) as { deployment: { resources: StateResource[] } };
    for (const resource of exported.deployment.resources) {
      const text = texts[resource.type.split(":").pop()!];
      if (!text) continue;
      resource.inputs!.__provider = text;
      resource.outputs!.__provider = text;
    }
    const file = join(project.dir, "old-state.json");
    writeFileSync(file, JSON.stringify(exported));
    await project.must(["stack", "import", "--file", file]);
    const stored = (await project.resources()).filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/")).map((r) => r.outputs!.__provider);
    expect(stored.sort()).toEqual([texts.MiniProgramPlugin, texts.OfficialAccountLink].sort());

    await emulator.clearCalls();
    await project.must(["preview", "--expect-no-changes"]);
    await project.up("--refresh");
    const writes = (await emulator.calls()).calls.filter((call) => /^(apply|unbind|update)$/.test(call.action ?? "") || /\/wxamplink$|\/wxampunlink$/.test(call.path));
    expect(writes).toEqual([]);
    await project.destroy();
    expect((await emulator.state()).bindings.filter((b) => b.appId === seed.coffee)).toEqual([]);
  });

  it("keeps __provider byte-identical when the package's code changes, and runs the installed code for refresh and delete", async () => {
    const project = await Project.create("upgrade", emulator.url);
    project.write(spec);
    await project.up();
    const providers = async () => Object.fromEntries((await project.resources()).filter((r) => r.outputs?.__provider).map((r) => [r.urn, r.outputs!.__provider]));
    const before = await providers();

    // A new release of the package, installed in this project only: different code, and a marker of its own.
    const installed = join(project.dir, "node_modules", "pulumi-wechat");
    cpSync(join(inject("e2e").workspace, "node_modules", "pulumi-wechat"), installed, { recursive: true });
    const marker = join(project.dir, "new-code-ran");
    appendFileSync(join(installed, "dist/provider/runtime.js"), `\nrequire("fs").appendFileSync(${JSON.stringify(marker)}, "loaded\\n");\n`);
    try {
      await project.must(["preview", "--expect-no-changes"]); // no ~__provider diff
      await project.up("--refresh");
      expect(await providers()).toEqual(before);
      expect(existsSync(marker)).toBe(true);
      rmSync(marker);
      await project.destroy();
      expect(readFileSync(marker, "utf8")).toContain("loaded");
    } finally {
      rmSync(installed, { recursive: true, force: true });
    }
  });
});
