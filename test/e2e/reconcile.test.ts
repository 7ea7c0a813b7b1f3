import { describe, expect, it } from "vitest";
import { useEmulator, seed } from "../support/emulator";
import { Project, type Result, type Spec } from "./project";

/*
 * Reconcile semantics a platform can trust, on the real CLI: a stack never takes over a binding or link it does not
 * manage unless told to (`adopt`), waiting for people is not drift, `.get` reads by id, and each message is printed
 * once. The recovery after a killed `up` (WECHAT_ADOPT=true) is in interruptions.test.ts, with the kill it needs.
 */

const emulator = useEmulator();

const oa = seed.officialAccount;
const output = (result: Result) => result.stdout + result.stderr;
/** The run's "Diagnostics:" section, where the CLI lists each message once (its progress lines may repeat them). */
const diagnostics = (result: Result) => output(result).slice(output(result).lastIndexOf("\nDiagnostics:\n"));
const occurrences = (text: string, part: string) => text.split(part).length - 1;
const writes = async () => Object.keys((await emulator.calls()).counts).filter((call) => /#(apply|unbind|update)$|\/wxamplink$|\/wxampunlink$/.test(call));

/** The case: plugin Reviews on Corner Bakery, and the link from Harbour Group to Harbour Coffee. */
const shared = (adopt?: boolean): Spec => ({
  plugins: { reviews: { appId: seed.bakery, pluginAppId: seed.reviews, version: "1.0.0", ...(adopt === undefined ? {} : { adopt }) } },
  links: { coffee: { officialAccountAppId: oa, miniProgramAppId: seed.coffee, ...(adopt === undefined ? {} : { adopt }) } },
});

const adoptAdvice =
  "What to do: set `adopt: true` on the resource to bring it under this stack's management; or, if an earlier run of this stack was interrupted or failed after WeChat acted, run `pulumi up` once with WECHAT_ADOPT=true (stack config wechat:adopt); if another stack manages it, leave it out of this program";

describe("a binding and a link that another stack manages", () => {
  it("a second stack's preview warns, its up fails before any write with one message, adopt: true adopts without a write, and .get reads both by id", async () => {
    const first = await Project.create("first", emulator.url);
    first.write(shared());
    await first.up();
    const before = await emulator.state();

    const second = await Project.create("second", emulator.url);
    second.write(shared());
    const preview = await second.must(["preview"]);
    expect(diagnostics(preview)).toContain(
      `warning: plugin ${seed.reviews} on mini program ${seed.bakery}: already in the mini program's plugin list at WeChat, approved (an application would get WeChat error 89237), and this stack does not manage it, so \`pulumi up\` will fail to create it. ${adoptAdvice}`,
    );
    expect(diagnostics(preview)).toContain(
      `warning: link from official account ${oa} to mini program ${seed.coffee}: already in the official account's link list at WeChat, waiting for the official account's admin (an invitation would get WeChat error 89010), and this stack does not manage it, so \`pulumi up\` will fail to create it. ${adoptAdvice}`,
    );

    await emulator.clearCalls();
    const refused = await second.run(["up", "--yes", "--skip-preview", "--continue-on-error"]);
    expect(refused.code).not.toBe(0);
    const pluginError = `error: plugin apply for mini program ${seed.bakery} (plugin ${seed.reviews}) failed: already in the mini program's plugin list at WeChat, approved (an application would get WeChat error 89237), and this stack does not manage it; WeChat was left as it is. ${adoptAdvice}.`;
    const linkError = `error: link (wxamplink) for official account ${oa} (link to mini program ${seed.coffee}) failed: already in the official account's link list at WeChat, waiting for the official account's admin (an invitation would get WeChat error 89010), and this stack does not manage it; WeChat was left as it is. ${adoptAdvice}.`;
    expect(occurrences(diagnostics(refused), pluginError)).toBe(1);
    expect(occurrences(diagnostics(refused), linkError)).toBe(1);
    expect(output(refused)).not.toContain("WeChatError");
    expect(await writes()).toEqual([]);
    expect(await emulator.state()).toEqual({ ...before, now: expect.any(String) });

    second.write(shared(true));
    const adopted = await second.up();
    expect(diagnostics(adopted)).toContain(`plugin ${seed.reviews} on mini program ${seed.bakery}: already at WeChat (approved); adopting it`);
    expect(diagnostics(adopted)).toContain(`link from official account ${oa} to mini program ${seed.coffee}: already at WeChat (waiting for the official account's admin); adopting it`);
    // The version is applied (WeChat cannot say which one runs); the binding and the link are taken as they are.
    expect(await writes()).toEqual(["/wxa/plugin#update"]);
    expect((await emulator.state()).bindings).toEqual(before.bindings);
    const reviews = (await second.resources()).find((r) => r.urn.endsWith("::reviews"));
    expect(reviews?.outputs).toMatchObject({ adopt: true, status: "approved", appliedVersion: "1.0.0" });
    expect(reviews?.outputs).not.toHaveProperty("appliedAt");

    // adopt is read by create only: dropping it later is no change.
    second.write(shared());
    await second.must(["preview", "--expect-no-changes"]);
    expect((await first.drift()).code).toBe(0);

    await emulator.clearCalls();
    const reader = await Project.create("reader", emulator.url, undefined, {
      source: `
const { MiniProgramPlugin, OfficialAccountLink } = require("pulumi-wechat");
const plugin = MiniProgramPlugin.get("reviews", "${seed.bakery}/${seed.reviews}");
const link = OfficialAccountLink.get("coffee", "${oa}/${seed.coffee}");
module.exports = { pluginStatus: plugin.status, nickname: plugin.nickname, linkStatus: link.status, username: link.username };
`,
    });
    await reader.up();
    expect(JSON.parse((await reader.must(["stack", "output", "--json"])).stdout)).toEqual({
      pluginStatus: "approved",
      nickname: "Reviews",
      linkStatus: "pendingOfficialAccountAdmin",
      username: "gh_c0ffee000001",
    });
    expect(await writes()).toEqual([]);
  });
});

describe("an application waiting for its plugin developer, with a version", () => {
  it("is no change and no drift while it waits; once approved, preview --diff names the version and up --refresh applies it; a drift check that cannot reach the current endpoint fails", async () => {
    const project = await Project.create("waiting", emulator.url);
    const locator = (version: string): Spec => ({ plugins: { locator: { appId: seed.coffee, pluginAppId: seed.storeLocator, version } } });
    project.write(locator("2.2.46"));
    await project.up();

    await project.must(["preview", "--expect-no-changes"]);
    const waiting = await project.drift();
    expect(waiting.code, waiting.output).toBe(0);
    expect(waiting.output).toMatch(
      /Waiting for people[^\n]*\n\s+- plugin wx1000000000000001 on mini program wxc0ffee0000000001 \(locator\): waiting for the plugin developer since \d{4}-\d\d-\d\dT[\d:.]+Z, times out in about 4[78] h/,
    );

    await emulator.answerPluginApplication({ pluginAppId: seed.storeLocator, miniProgramAppId: seed.coffee, accept: true });
    const approved = await project.must(["preview", "--refresh", "--diff"]);
    expect(approved.stdout).toMatch(/~ pulumi-nodejs:dynamic\/wechat:MiniProgramPlugin: \(update\)[\s\S]*\+ version\s*: "2\.2\.46"/);
    await project.up("--refresh");
    expect((await emulator.state()).bindings).toEqual([expect.objectContaining({ pluginAppId: seed.storeLocator, status: 2, version: "2.2.46" })]);

    project.write(locator("1.0.0"));
    const downgrade = await project.must(["preview", "--diff"]);
    expect(downgrade.stdout).toMatch(/~ version\s*: "2\.2\.46" => "1\.0\.0"/);

    await project.setConfig({ "wechat:endpoint": "http://127.0.0.1:1", "wechat:maxAttempts": "2" }, { plaintext: true });
    const unreachable = await project.drift();
    expect(unreachable.code, unreachable.output).toBe(1);
    expect(unreachable.output).toMatch(/could not reach http:\/\/127\.0\.0\.1:1\/\S+: connect ECONNREFUSED 127\.0\.0\.1:1; gave up after 2 attempts \(wechat:maxAttempts\)/);
    expect(unreachable.output).not.toMatch(/gave up after 2 attempts \(wechat:maxAttempts\); gave up/);
  });
});

describe("each message printed once", () => {
  it("a rejected application's warning, a failed read's and a failed delete's error, and a retried call's 'gave up'", async () => {
    const project = await Project.create("once", emulator.url);
    await project.setConfig({ "wechat:maxAttempts": "2" }, { plaintext: true });
    project.write({
      plugins: { locator: { appId: seed.coffee, pluginAppId: seed.storeLocator }, card: { appId: seed.bakery, pluginAppId: seed.membership } },
    });
    await project.up();

    await emulator.answerPluginApplication({ pluginAppId: seed.membership, miniProgramAppId: seed.bakery, accept: false, reason: "not for bakeries" });
    const reapplied = await project.up("--refresh");
    expect(occurrences(diagnostics(reapplied), "the application was rejected by the plugin developer; it will be unbound and applied for again")).toBe(1);
    expect(diagnostics(reapplied)).not.toContain("already in the mini program's plugin list");

    await emulator.addFault({ path: "/wxa/plugin", action: "list", errcode: -1 });
    const unread = await project.run(["refresh", "--yes", "--skip-preview"]);
    expect(unread.code).not.toBe(0);
    const readError = `plugin list for mini program ${seed.coffee} (plugin ${seed.storeLocator}) failed: WeChat error -1: WeChat is busy. What to do: run the command again in a few minutes.; gave up after 2 attempts (wechat:maxAttempts)`;
    expect(occurrences(diagnostics(unread), readError)).toBe(1);
    expect(output(unread)).not.toMatch(/WeChatError|; gave up after 2 attempts \(wechat:maxAttempts\); gave up/);

    await emulator.clearFaults();
    const blocked = await project.run(["destroy", "--yes", "--skip-preview"]);
    expect(blocked.code).not.toBe(0);
    expect(occurrences(diagnostics(blocked), `plugin unbind for mini program ${seed.coffee} (plugin ${seed.storeLocator}) failed: WeChat error 89243`)).toBe(1);
    expect(output(blocked)).not.toMatch(/WeChatError/);
  });
});

describe("check refuses what it knows will fail", () => {
  it("a version on a mini program whose only credential is an AppSecret fails the preview, naming version and the keys that would serve", async () => {
    const project = await Project.create("secret-only", emulator.url, { "wechat:appSecrets": JSON.stringify({ [seed.coffee]: seed.appSecrets[seed.coffee] }) });
    project.write({ plugins: { chat: { appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.4.2" } } });
    const preview = await project.run(["preview"]);
    expect(preview.code).not.toBe(0);
    expect(diagnostics(preview)).toMatch(
      /error: pulumi-nodejs:dynamic\/wechat:MiniProgramPlugin resource 'chat': property version value \{1\.4\.2\} has a problem: version is set by quick update, which WeChat accepts only with a third-party platform's authorizer token \(error 89256 otherwise\), and mini program wxc0ffee0000000001's only credential is wechat:appSecrets: add wxc0ffee0000000001 to wechat:authorizerRefreshTokens/,
    );
    expect((await emulator.calls()).calls).toEqual([]);
  });
});
