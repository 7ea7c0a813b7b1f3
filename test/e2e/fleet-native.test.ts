import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { defaultSeed, generatedAccounts, type Seed } from "../../emulator/index";
import type { FleetReport } from "../../fleet/report";
import { shardOf } from "../../fleet/shards";
import { serializeFleetSpec, type FleetSpecFile } from "../../fleet/spec";
import { installPlugin } from "../../scripts/pulumi-project.mjs";
import { seed, useEmulator } from "../support/emulator";
import { fleetEnv, fleetRunner } from "./fleet";
import { version } from "./native";

/*
 * A fleet on the native provider (spec `provider: native`): refused without the plugin, moved from the dynamic
 * resources without a replacement or a WeChat write, then looked at by the runner itself (drift), resharded and
 * destroyed, on the real CLI with the plugin installed from its tarball.
 */

const world: Seed = { ...defaultSeed, generate: { miniPrograms: 6, officialAccounts: 2 } };
const accounts = generatedAccounts(world);
const miniPrograms = accounts.miniPrograms.map((mp) => mp.appId);
const officialAccounts = accounts.officialAccounts.map((oa) => oa.appId);

const dynamicSpec: FleetSpecFile = {
  miniPrograms: miniPrograms.map((appId) => ({ appId, plugins: [{ pluginAppId: seed.liveChat, version: "1.4.2" }] })),
  officialAccounts: officialAccounts.map((appId, i) => ({ appId, links: [0, 1].map((k) => ({ miniProgramAppId: miniPrograms[i * 2 + k] })) })),
};
const nativeSpec: FleetSpecFile = { provider: "native", ...dynamicSpec };

const emulator = useEmulator({ seed: world, reset: false });
let dir: string;
let env: NodeJS.ProcessEnv;
let runner: ReturnType<typeof fleetRunner>;

beforeAll(() => {
  dir = join(inject("e2e").workspace, "projects", `fleet-native-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  env = fleetEnv(dir, emulator.url, accounts.authorizerRefreshTokens);
  runner = fleetRunner(dir, env);
});

const writeSpec = (spec: FleetSpecFile) => writeFileSync(join(dir, "fleet.yaml"), serializeFleetSpec(spec, "fleet.yaml"));
const writes = async () => (await emulator.calls()).calls.filter((call) => /^(apply|unbind|update)$/.test(call.action ?? "") || /\/wxamplink$|\/wxampunlink$/.test(call.path));
const driftLines = (report: FleetReport) => report.stacks.flatMap((s) => s.drift.map((line) => `${s.stack}: ${line}`));
async function types(stack: string): Promise<string[]> {
  const { deployment } = JSON.parse(await runner.pulumi("stack", "export", "--stack", stack)) as { deployment: { resources?: Array<{ type: string }> } };
  return [...new Set((deployment.resources ?? []).map((r) => r.type).filter((type) => !type.startsWith("pulumi:")))].sort();
}

describe("a fleet on the native provider", () => {
  it("is refused without the plugin, then moves from the dynamic resources without a replacement or a write", async () => {
    writeSpec(dynamicSpec);
    const up = await runner.run("up", "--spec", "fleet.yaml", "--shards", "2");
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(await types("wechat-fleet-0")).toEqual(["pulumi-nodejs:dynamic/wechat:MiniProgramPlugin", "pulumi-nodejs:dynamic/wechat:OfficialAccountLink"]);

    writeSpec(nativeSpec);
    await emulator.clearCalls();
    const refused = await runner.run("up", "--spec", "fleet.yaml");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`the spec says provider: native, and the wechat provider plugin ${version} (this runner's version) is not installed; nothing ran.`);
    expect((await emulator.calls()).calls).toEqual([]);

    const { plugin } = inject("e2e");
    await installPlugin(plugin, { cwd: dir, env });
    const moved = await runner.run("up", "--spec", "fleet.yaml");
    expect(moved.code, moved.stdout + moved.stderr).toBe(0);
    // The runner's own look finds every stack to move, and the up follows the aliases.
    expect(moved.report!.stacks.map((s) => [s.engineLook, s.settled])).toEqual([[undefined, false], [undefined, false]]);
    expect(moved.report!.stacks.every((s) => s.counts.created === 0 && s.counts.deleted === 0 && s.counts.replaced === 0)).toBe(true);
    expect(await writes()).toEqual([]);
    for (const stack of ["wechat-fleet-0", "wechat-fleet-1"]) expect(await types(stack)).toEqual(["wechat:index:MiniProgramPlugin", "wechat:index:OfficialAccountLink"]);
  });

  it("drift on the runner's own look, an out-of-band unbind found and re-applied, a reshard without a WeChat call, the move back refused, and destroy", async () => {
    await emulator.clearCalls();
    const clean = await runner.run("drift", "--spec", "fleet.yaml");
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.report!.stacks.map((s) => s.engineLook)).toEqual([undefined, undefined]);
    expect(await writes()).toEqual([]);

    const first = accounts.miniPrograms[0];
    const unbound = await emulator.wechat("/wxa/plugin", first.appId, first.secret, { action: "unbind", plugin_appid: seed.liveChat });
    expect(unbound.errcode).toBe(0);
    const drift = await runner.run("drift", "--spec", "fleet.yaml");
    expect(drift.code).toBe(2);
    expect(driftLines(drift.report!)).toEqual([
      `wechat-fleet-${shardOf(first.appId, 2)}: plugin ${seed.liveChat} on mini program ${first.appId} (${first.appId}/${seed.liveChat}): not bound at WeChat (unbound outside Pulumi, or never applied); \`pulumi up\` applies for it`,
    ]);
    const reapplied = await runner.run("up", "--spec", "fleet.yaml");
    expect(reapplied.code, reapplied.stdout + reapplied.stderr).toBe(0);
    expect((await runner.run("drift", "--spec", "fleet.yaml")).code).toBe(0);

    await emulator.clearCalls();
    const reshard = await runner.run("reshard", "--spec", "fleet.yaml", "--from", "2", "--to", "3");
    expect(reshard.code, reshard.stdout + reshard.stderr).toBe(0);
    expect((await emulator.calls()).calls).toEqual([]);
    const after = await runner.run("drift", "--spec", "fleet.yaml");
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(after.report!.stacks).toHaveLength(3);
    expect(after.report!.stacks.map((s) => s.engineLook)).toEqual([undefined, undefined, undefined]);

    // Not back: the dynamic provider cannot read a native state. Each shard is refused before anything is done.
    writeSpec(dynamicSpec);
    await emulator.clearCalls();
    const back = await runner.run("up", "--spec", "fleet.yaml");
    expect(back.code).toBe(1);
    expect(back.report!.stacks.map((s) => s.status)).toEqual(["failed", "failed", "failed"]);
    expect(back.report!.stacks[0].error).toContain("stack wechat-fleet-0 holds the native provider's resources (urn:pulumi:wechat-fleet-0::");
    expect(back.report!.stacks[0].error).toContain("nothing was done. A fleet moves to the native provider, not back: put `provider: native` back in the spec");
    expect(await writes()).toEqual([]);
    for (const stack of ["wechat-fleet-0", "wechat-fleet-1", "wechat-fleet-2"]) expect((await types(stack)).every((type) => type.startsWith("wechat:index:")), stack).toBe(true);
    writeSpec(nativeSpec);

    const destroyed = await runner.run("destroy", "--spec", "fleet.yaml");
    expect(destroyed.code, destroyed.stdout + destroyed.stderr).toBe(0);
    const state = await emulator.state();
    expect(state.bindings.filter((b) => miniPrograms.includes(b.appId))).toEqual([]);
    expect(state.links.filter((l) => officialAccounts.includes(l.officialAccountAppId))).toEqual([]);
  });
});
