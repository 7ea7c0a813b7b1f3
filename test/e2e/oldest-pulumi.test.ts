import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot, specProgram } from "../../scripts/pulumi-project.mjs";
import { useEmulator, seed } from "../support/emulator";
import { Project, thirdPartyConfig, type Spec } from "./project";

/*
 * Users bring their own @pulumi/pulumi (a peer dependency): the oldest one the package accepts must run the whole
 * lifecycle. The program here has that version installed from the npm registry into its own folder, beside the packed
 * package, so the program, the package and the dynamic-provider plugin (which resolves @pulumi/pulumi from the
 * program's directory) all run it, on the CLI the other suites use.
 */

/** The lower bound of the package's peer dependency, e.g. 3.216.0 for "^3.216.0". */
const oldest = /^\^(\d+\.\d+\.\d+)$/.exec(JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).peerDependencies["@pulumi/pulumi"])?.[1];

/** The spec program, also telling which @pulumi/pulumi it and the package loaded. */
const program = `${specProgram}
const sdkVersion = (from) => require(require.resolve("@pulumi/pulumi/package.json", { paths: [from] })).version;
exports.pulumiVersions = { program: sdkVersion(__dirname), package: sdkVersion(require("path").dirname(require.resolve("pulumi-wechat"))) };
`;

const oa = seed.officialAccount;
const spec = (chatVersion: string): Spec => ({
  plugins: {
    chat: { appId: seed.coffee, pluginAppId: seed.liveChat, version: chatVersion },
    locator: { appId: seed.coffee, pluginAppId: seed.storeLocator, reason: "store map" },
  },
  links: { coffee: { officialAccountAppId: oa, miniProgramAppId: seed.coffee } },
});

const emulator = useEmulator({ reset: false });
let project: Project;
beforeAll(async () => {
  if (!oldest) throw new Error('package.json\'s peer dependency on @pulumi/pulumi is not of the form "^x.y.z"');
  project = await Project.create("oldest-pulumi", emulator.url, thirdPartyConfig(), { pulumiVersion: oldest, source: program });
});

describe(`a program on the oldest supported @pulumi/pulumi (${oldest})`, () => {
  it("creates, refreshes, reports drift and converges, updates and destroys", async () => {
    project.write(spec("1.4.2"));
    expect((await project.up()).stdout).toMatch(/4 created/); // the three resources and the stack
    const outputs = JSON.parse((await project.must(["stack", "output", "--json"])).stdout);
    expect(outputs.pulumiVersions).toEqual({ program: oldest, package: oldest });

    // The plugin developer and both admins answer; a refresh reads what WeChat now says.
    await emulator.developer("dev_agree", seed.storeLocator, seed.coffee);
    await emulator.confirmLink(oa, seed.coffee, "officialAccount");
    await emulator.confirmLink(oa, seed.coffee, "miniProgram");
    await project.must(["refresh", "--yes", "--skip-preview"]);
    const status = async (name: string) => (await project.resources()).find((r) => r.urn.endsWith(`::${name}`))?.outputs?.status;
    expect(await status("locator")).toBe("approved");
    expect(await status("coffee")).toBe("linked");
    expect((await project.drift()).code).toBe(0);

    await emulator.unbindOutOfBand(seed.coffee, seed.liveChat);
    const drift = await project.drift();
    expect(drift.code).toBe(2);
    expect(drift.output).toMatch(/plugin wx1000000000000002 on mini program wxc0ffee0000000001 \(chat\): not bound at WeChat/);
    await project.up("--refresh");
    expect((await project.drift()).code).toBe(0);

    project.write(spec("1.0.0"));
    expect((await project.up()).stdout).toMatch(/1 updated/);
    expect((await emulator.state()).bindings).toEqual(expect.arrayContaining([expect.objectContaining({ pluginAppId: seed.liveChat, version: "1.0.0" })]));
    await project.up("--expect-no-changes");

    await project.destroy();
    // Unlinking a linked mini program waits for the official account's admin.
    await emulator.confirmLink(oa, seed.coffee, "officialAccount");
    expect(await emulator.state()).toMatchObject({ bindings: [], links: [] });
    expect(await project.resources()).toEqual([]);
  });
});
