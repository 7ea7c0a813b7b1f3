import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { defaultSeed, generatedAccounts, type Seed } from "../../emulator/index";
import type { FleetReport } from "../../fleet/report";
import { shardOf } from "../../fleet/shards";
import { serializeFleetSpec, type FleetSpecFile } from "../../fleet/spec";
import { fleetEnv, fleetRunner } from "./fleet";
import { useEmulator, seed } from "../support/emulator";

/*
 * The fleet runner as a platform runs it: `npx pulumi-wechat-fleet` in a project that installed pulumi-wechat from its
 * tarball, against the emulator, on the real Pulumi CLI, with credentials only in WECHAT_* variables and the runner's
 * defaults for the backend (.pulumi-state/ in the project) and the passphrase (empty).
 */

const world: Seed = { ...defaultSeed, generate: { miniPrograms: 24, officialAccounts: 4 } };
const accounts = generatedAccounts(world);
const miniPrograms = accounts.miniPrograms.map((mp) => mp.appId);
const officialAccounts = accounts.officialAccounts.map((oa) => oa.appId);

/** 24 mini programs with two approval-free plugins each, 4 official accounts with 3 links each: 60 resources. */
const spec: FleetSpecFile = {
  pluginSets: { basic: [{ pluginAppId: seed.liveChat, version: "1.4.2" }, { pluginAppId: seed.reviews }] },
  miniPrograms: miniPrograms.map((appId) => ({ appId, pluginSets: ["basic"] })),
  officialAccounts: officialAccounts.map((appId, i) => ({ appId, links: [0, 1, 2].map((k) => ({ miniProgramAppId: miniPrograms[i * 3 + k] })) })),
};
const resources = miniPrograms.length * 2 + officialAccounts.length * 3;

const stateFile = join(mkdtempSync(join(tmpdir(), "wechat-fleet-")), "wechat-state.json");
const emulator = useEmulator({ seed: world, stateFile, reset: false });
let dir: string;
let env: NodeJS.ProcessEnv;
let runner: ReturnType<typeof fleetRunner>;
/** Every output and report of the runner, searched for secrets at the end. */
const seen: Record<string, string> = {};

beforeAll(() => {
  dir = join(inject("e2e").workspace, "projects", `fleet-runner-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "fleet.yaml"), serializeFleetSpec(spec, "fleet.yaml"));
  env = fleetEnv(dir, emulator.url, accounts.authorizerRefreshTokens);
  runner = fleetRunner(dir, env, (label, text) => (seen[label] = text));
});

/** The runner as installed in the workspace, and the CLI on its stacks (test/e2e/fleet.ts). */
const fleet = (...args: string[]) => runner.run(...args);
const stackCommand = (...args: string[]) => runner.pulumi(...args);

async function stacks(): Promise<string[]> {
  return (JSON.parse(await stackCommand("stack", "ls", "--json")) as Array<{ name: string }>).map((s) => s.name).sort();
}

/** The updates (ups, refreshes, destroys) recorded in each stack's history. */
async function historyLengths(count: number): Promise<number[]> {
  const lengths: number[] = [];
  for (let i = 0; i < count; i++) lengths.push((JSON.parse(await stackCommand("stack", "history", "--json", "--stack", `wechat-fleet-${i}`)) as unknown[]).length);
  return lengths;
}

/** The fleet resources' names in a stack's state. */
async function stateOf(stack: string): Promise<string[]> {
  const { deployment } = JSON.parse(await stackCommand("stack", "export", "--stack", stack));
  return (deployment.resources as Array<{ type: string; urn: string }>).filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/wechat:")).map((r) => r.urn.split("::").pop()!);
}

/** The pending operations an interrupted run left in a stack's state. */
/** WeChat holds each binding and link once. */
async function expectEachOnce(bindings: number, links: number): Promise<void> {
  const state = await emulator.state();
  const keys = state.bindings.map((b) => `${b.appId}/${b.pluginAppId}`);
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys).toHaveLength(bindings);
  expect(new Set(state.links.map((l) => `${l.officialAccountAppId}/${l.miniProgramAppId}`)).size).toBe(links);
  expect(state.links).toHaveLength(links);
}

const writes = async () => (await emulator.calls()).calls.filter((call) => /^(apply|unbind|update)$/.test(call.action ?? "") || /\/wxamplink$|\/wxampunlink$/.test(call.path));
const total = (report: FleetReport, count: keyof FleetReport["stacks"][number]["counts"]) => report.stacks.reduce((sum, s) => sum + s.counts[count], 0);
const driftLines = (report: FleetReport) => report.stacks.flatMap((s) => s.drift.map((line) => `${s.stack}: ${line}`));

describe("pulumi-wechat-fleet on the real CLI", () => {
  it("answers --help, and refuses a bad flag and an invalid spec with one message and exit 1, before anything runs", async () => {
    const help = await fleet("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: pulumi-wechat-fleet <up|preview|drift|destroy|recover> --spec FILE");

    const flag = await fleet("up", "--spec", "fleet.yaml", "--shards", "none");
    expect(flag.code).toBe(1);
    expect(flag.stderr).toBe('pulumi-wechat-fleet: --shards must be a whole number ≥ 1, got "none" (see pulumi-wechat-fleet --help)\n');

    writeFileSync(join(dir, "bad.yaml"), "miniPrograms:\n  - appId: wxc0ffee0000000001\n    plugins: [{ pluginAppId: wx1000000000000002, version: latest }]\n");
    const bad = await fleet("up", "--spec", "bad.yaml");
    expect(bad.code).toBe(1);
    // Every problem with its path, said once, and no stack trace.
    expect(bad.stderr).toMatch(/^pulumi-wechat-fleet: bad\.yaml is not a valid fleet spec \(1 problem\):\n {2}- miniPrograms\[0\]\.plugins\[0\]\.version: [^\n]*"latest"\n$/);
    expect(bad.stdout).toBe("");
  });

  it("up from scratch creates every resource in four stacks, fetching the component token once and each account's token once", async () => {
    const up = await fleet("up", "--spec", "fleet.yaml", "--shards", "4");
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(up.stdout).toContain("## WeChat fleet `up`: done in 4 shards");
    expect(total(up.report!, "created")).toBe(resources);
    expect(total(up.report!, "failed")).toBe(0);
    expect(up.report!.tokens).toEqual({ componentTokens: 1, accountTokens: miniPrograms.length + officialAccounts.length, authorizerListPages: 0 });
    expect(await stacks()).toEqual(["wechat-fleet-0", "wechat-fleet-1", "wechat-fleet-2", "wechat-fleet-3"]);
    for (let i = 0; i < 4; i++) {
      expect(JSON.parse(await stackCommand("stack", "tag", "ls", "--json", "--stack", `wechat-fleet-${i}`))).toMatchObject({ "pulumi-wechat-fleet:shards": "4" });
    }
    const state = await emulator.state();
    expect(state.bindings).toHaveLength(miniPrograms.length * 2);
    expect(state.links).toHaveLength(officialAccounts.length * 3);
  });

  it("drift is clean, reads only, and keeps the links waiting for their admins apart", async () => {
    await emulator.clearCalls();
    const drift = await fleet("drift", "--spec", "fleet.yaml");
    expect(drift.code, drift.stdout + drift.stderr).toBe(0);
    expect(drift.stdout).toContain("## WeChat fleet `drift`: no drift in 4 shards");
    expect(driftLines(drift.report!)).toEqual([]);
    expect(drift.report!.stacks.flatMap((s) => s.waiting)).toHaveLength(officialAccounts.length * 3);
    expect(total(drift.report!, "unchanged")).toBe(resources);
    expect(await writes()).toEqual([]);
    // The runner looked at every stack itself (fleet/look.ts): no engine refresh, one list per account.
    expect(drift.report!.stacks.map((s) => s.engineLook)).toEqual(drift.report!.stacks.map(() => undefined));
    const { counts } = await emulator.calls();
    expect((counts["/wxa/plugin#list"] ?? 0) + (counts["/cgi-bin/wxopen/wxamplinkget"] ?? 0)).toBe(miniPrograms.length + officialAccounts.length);
  });

  it("drift compares WeChat with the spec as it is now: a version changed, a plugin dropped and one added are drift (exit 2), and nothing is written", async () => {
    const [first, second] = miniPrograms;
    const next: FleetSpecFile = {
      ...spec,
      miniPrograms: spec.miniPrograms!.map((mp) =>
        mp.appId === first
          ? { appId: first, plugins: [{ pluginAppId: seed.liveChat, version: "1.5.0" }] }
          : mp.appId === second
            ? { ...mp, plugins: [{ pluginAppId: seed.storeLocator }] }
            : mp,
      ),
    };
    writeFileSync(join(dir, "fleet-next.yaml"), serializeFleetSpec(next, "fleet-next.yaml"));
    const before = await historyLengths(4);
    await emulator.clearCalls();
    const drift = await fleet("drift", "--spec", "fleet-next.yaml");
    expect(drift.code, drift.stdout + drift.stderr).toBe(2);
    const plugin = (mp: string, pluginAppId: string) => `wechat-fleet-${shardOf(mp, 4)}: plugin ${pluginAppId} on mini program ${mp} (${mp}/${pluginAppId})`;
    expect(driftLines(drift.report!).sort()).toEqual(
      [
        `${plugin(first, seed.liveChat)}: version 1.5.0 is not applied (applied: 1.4.2); \`pulumi up\` applies it`,
        `${plugin(first, seed.reviews)}: no longer declared; \`pulumi up\` unbinds it`,
        `${plugin(second, seed.storeLocator)}: not bound at WeChat (unbound outside Pulumi, or never applied); \`pulumi up\` applies for it`,
      ].sort(),
    );
    expect([total(drift.report!, "created"), total(drift.report!, "updated"), total(drift.report!, "deleted")]).toEqual([1, 1, 1]);
    const { counts } = await emulator.calls();
    expect(counts["/wxa/plugin#list"]).toBe(miniPrograms.length);
    expect(await writes()).toEqual([]);
    expect(await historyLengths(4)).toEqual(before);
  });

  it("a no-change up reads each account once and writes no stack: its refresh and the spec find every shard settled", async () => {
    const before = await historyLengths(4);
    await emulator.clearCalls();
    const up = await fleet("up", "--spec", "fleet.yaml");
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(total(up.report!, "unchanged")).toBe(resources);
    const { counts } = await emulator.calls();
    expect(counts["/wxa/plugin#list"]).toBe(miniPrograms.length);
    expect(counts["/cgi-bin/wxopen/wxamplinkget"]).toBe(officialAccounts.length);
    expect(await writes()).toEqual([]);
    expect(await historyLengths(4)).toEqual(before);
  });

  it("drift reports plugins unbound outside Pulumi in two shards (exit 2), preview counts them without acting, and up binds them again", async () => {
    const inShard = (shard: number) => accounts.miniPrograms.find((mp) => shardOf(mp.appId, 4) === shard)!;
    const victims = [inShard(1), inShard(3)];
    for (const mp of victims) {
      const answer = await emulator.wechat("/wxa/plugin", mp.appId, mp.secret, { action: "unbind", plugin_appid: seed.reviews });
      expect(answer.errcode).toBe(0);
    }
    const drift = await fleet("drift", "--spec", "fleet.yaml");
    expect(drift.code, drift.stdout + drift.stderr).toBe(2);
    expect(drift.stdout).toContain("## WeChat fleet `drift`: drift in 2 of 4 shards");
    expect(driftLines(drift.report!)).toEqual(
      victims.map(
        (mp) =>
          `wechat-fleet-${shardOf(mp.appId, 4)}: plugin ${seed.reviews} on mini program ${mp.appId} (${mp.appId}/${seed.reviews}): not bound at WeChat (unbound outside Pulumi, or never applied); \`pulumi up\` applies for it`,
      ),
    );

    const preview = await fleet("preview", "--spec", "fleet.yaml");
    expect(preview.code, preview.stdout + preview.stderr).toBe(0);
    expect(preview.stdout).toContain("The counts are what `up` would do; nothing was changed.");
    expect(total(preview.report!, "created")).toBe(2);
    expect((await emulator.state()).bindings).toHaveLength(miniPrograms.length * 2 - 2);

    // Only the two shards with something to do run an update; the others' refresh and the spec find them settled.
    const before = await historyLengths(4);
    const up = await fleet("up", "--spec", "fleet.yaml");
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(total(up.report!, "created")).toBe(2);
    expect(total(up.report!, "unchanged")).toBe(resources - 2);
    expect(await historyLengths(4)).toEqual(before.map((n, i) => (i === 1 || i === 3 ? n + 1 : n)));
    expect((await fleet("drift", "--spec", "fleet.yaml")).code).toBe(0);
  });

  it("reshards 4 → 3 without a WeChat call, refuses up with the old count, and drift is clean after", async () => {
    const { bindings, links } = await emulator.state();
    await emulator.clearCalls();
    const reshard = await fleet("reshard", "--spec", "fleet.yaml", "--from", "4", "--to", "3");
    expect(reshard.code, reshard.stdout + reshard.stderr).toBe(0);
    expect(reshard.stdout).toContain("## WeChat fleet reshard: 4 → 3 shards");
    expect(reshard.stdout).toContain("Removed the emptied `wechat-fleet-3`.");
    expect((await emulator.calls()).calls).toEqual([]);
    expect(await emulator.state()).toMatchObject({ bindings, links });

    expect(await stacks()).toEqual(["wechat-fleet-0", "wechat-fleet-1", "wechat-fleet-2"]);
    for (let i = 0; i < 3; i++) {
      const expected = [
        ...miniPrograms.filter((id) => shardOf(id, 3) === i).flatMap((id) => [`${id}/${seed.liveChat}`, `${id}/${seed.reviews}`]),
        ...officialAccounts.filter((id) => shardOf(id, 3) === i).flatMap((id) => spec.officialAccounts!.find((oa) => oa.appId === id)!.links!.map((l) => `${id}/${l.miniProgramAppId}`)),
      ];
      expect((await stateOf(`wechat-fleet-${i}`)).sort()).toEqual(expected.sort());
      expect(JSON.parse(await stackCommand("stack", "tag", "ls", "--json", "--stack", `wechat-fleet-${i}`))).toMatchObject({ "pulumi-wechat-fleet:shards": "3" });
    }

    const refused = await fleet("up", "--spec", "fleet.yaml", "--shards", "4");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("the fleet's stacks are sharded 3 ways, not 4");
    expect(refused.stderr).toContain("`pulumi-wechat-fleet reshard --spec fleet.yaml --from 3 --to 4`");

    const drift = await fleet("drift", "--spec", "fleet.yaml");
    expect(drift.code, drift.stdout + drift.stderr).toBe(0);
    expect(drift.report!.shards).toBe(3);
    expect(total(drift.report!, "unchanged")).toBe(resources);
    expect(total(drift.report!, "replaced") + total(drift.report!, "created") + total(drift.report!, "deleted")).toBe(0);
    expect(await writes()).toEqual([]);
  });

  it("merges the reports of --only parts into the report of the whole fleet", async () => {
    const parts = [await fleet("drift", "--spec", "fleet.yaml", "--only", "1/2"), await fleet("drift", "--spec", "fleet.yaml", "--only", "2/2")];
    expect(parts.map((p) => p.report!.stacks.map((s) => s.shard))).toEqual([[0, 2], [1]]);
    const merged = await fleet("report", "--merge", parts[0].reportFile!, parts[1].reportFile!);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toContain("## WeChat fleet `drift`: no drift in 3 shards");
    expect(merged.stdout).toContain("this report covers parts 1/2, 2/2 of the shards");
    // A part missing (its job cancelled, its artifact lost): named, and exit 1, never "no drift".
    const partial = await fleet("report", "--merge", parts[0].reportFile!);
    expect(partial.code, partial.stdout + partial.stderr).toBe(1);
    expect(partial.stdout).toContain("Part 2/2 is missing: its shards were not checked.");
    expect(partial.stdout).toContain("## WeChat fleet `drift`: no drift in 2 shards checked, 1 of 2 parts missing");
  });

  it("a mistyped --stack-prefix is refused before any WeChat call, naming the fleet that manages the accounts, and makes no stack", async () => {
    const before = await stacks();
    await emulator.clearCalls();
    const mistyped = await fleet("up", "--spec", "fleet.yaml", "--stack-prefix", "wechat-flet");
    expect(mistyped.code).toBe(1);
    expect(mistyped.stderr).toContain("the stack prefix wechat-flet has no stacks yet, and this backend holds another fleet for fleet.yaml: `wechat-fleet` (stacks wechat-fleet-0");
    expect(mistyped.stderr).toContain("run with --stack-prefix wechat-fleet; if a new fleet is meant to manage them (once the other no longer does), add --new-fleet");
    expect(mistyped.stderr.trim().split("\n")).toHaveLength(1);
    expect((await emulator.calls()).calls).toEqual([]);
    expect(await stacks()).toEqual(before);
  });

  it("discover writes a spec of what exists, and up on it in new stacks brings the fleet under management with no write call; drift is clean", async () => {
    // The fleet forgotten by Pulumi (its stacks removed without touching WeChat), as a platform that never used Pulumi.
    for (const stack of await stacks()) await stackCommand("stack", "rm", "--force", "--yes", "--stack", stack);
    const before = await emulator.state();
    await emulator.clearCalls();
    const found = await fleet("discover", "--out", "discovered.yaml");
    expect(found.code, found.stderr).toBe(0);
    seen["discovered.yaml"] = readFileSync(join(dir, "discovered.yaml"), "utf8");
    expect(found.stdout).toContain(`with ${miniPrograms.length * 2} plugins`);
    expect(found.stdout).toContain(`with ${officialAccounts.length * 3} links, all adopt: true`);

    // Before any up there are no stacks: drift says every resource is to create, and makes none, nor any call.
    await emulator.clearCalls();
    const beforeUp = await fleet("drift", "--spec", "discovered.yaml", "--shards", "4");
    expect(beforeUp.code, beforeUp.stdout + beforeUp.stderr).toBe(2);
    expect(total(beforeUp.report!, "adopted")).toBe(resources);
    expect(await stacks()).toEqual([]);
    expect((await emulator.calls()).calls).toEqual([]);
    // Nor does preview, under the default prefix or a mistyped one: it makes no stack and writes nothing to the backend.
    for (const prefix of [[], ["--stack-prefix", "wechat-flet"]]) {
      const preview = await fleet("preview", "--spec", "discovered.yaml", "--shards", "4", ...prefix);
      expect(preview.code, preview.stdout + preview.stderr).toBe(0);
      expect(total(preview.report!, "adopted")).toBe(resources);
    }
    expect(await stacks()).toEqual([]);
    expect((await emulator.calls()).calls).toEqual([]);

    const up = await fleet("up", "--spec", "discovered.yaml", "--shards", "4");
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(total(up.report!, "adopted")).toBe(resources);
    expect((await writes()).map((call) => `${call.path}#${call.action ?? ""}`)).toEqual([]);
    expect(await emulator.state()).toMatchObject({ bindings: before.bindings, links: before.links });

    const drift = await fleet("drift", "--spec", "discovered.yaml");
    expect(drift.code, drift.stdout + drift.stderr).toBe(0);
    expect(driftLines(drift.report!)).toEqual([]);
    expect(total(drift.report!, "unchanged")).toBe(resources);

    // The next up says once that the spec's adopt: true entries are now managed, and should be dropped.
    const again = await fleet("up", "--spec", "discovered.yaml");
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const warnings = again.stderr.split("\n").filter((line) => line.includes("say adopt: true for what the fleet's stacks already manage"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`pulumi-wechat-fleet: warning: ${resources} entries of discovered.yaml say adopt: true`);
  });

  it("one mini program's daily quota used up (45009) fails its shard only, exit 1 naming the account and the code; up after the quota resets at midnight Beijing time converges", async () => {
    const victim = accounts.miniPrograms[5];
    const shard = shardOf(victim.appId, 4);
    // A limit of 3 calls a day, used up by the account's own calls (another tool of the platform's, say).
    await emulator.setQuota({ appId: victim.appId, path: "/wxa/plugin", dailyLimit: 3 });
    for (let i = 0; i < 3; i++) expect((await emulator.wechat("/wxa/plugin", victim.appId, victim.secret, { action: "list" })).errcode).toBe(0);
    expect((await emulator.wechat("/wxa/plugin", victim.appId, victim.secret, { action: "list" })).errcode).toBe(45009);
    const up = await fleet("up", "--spec", "discovered.yaml");
    expect(up.code, up.stdout + up.stderr).toBe(1);
    expect(up.report!.stacks.map((s) => s.status)).toEqual([0, 1, 2, 3].map((i) => (i === shard ? "failed" : "done")));
    const failed = up.report!.stacks[shard];
    // The list read fails for each of the account's plugins alike; the first read to fail names its own.
    expect(failed.error).toMatch(new RegExp(`^plugin list for mini program ${victim.appId} \\(plugin (${seed.liveChat}|${seed.reviews})\\) failed: WeChat error 45009: the account's daily API quota is used up`, "m"));
    expect(up.stdout).toContain("## WeChat fleet `up`: 1 of 4 shards failed");
    expect(up.stdout).toMatch(new RegExp(`### Failures \\(1\\)\\n\\n- \`wechat-fleet-${shard}\``));

    await emulator.advanceClock(24 * 3600);
    const rerun = await fleet("up", "--spec", "discovered.yaml");
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(total(rerun.report!, "unchanged")).toBe(resources);
    await emulator.setQuota({ appId: victim.appId, path: "/wxa/plugin", dailyLimit: 1000 });
    await expectEachOnce(miniPrograms.length * 2, officialAccounts.length * 3);
  });

  it("leaves no credential, token or broker secret in any log, report, stack config or state", () => {
    const files = (root: string): string[] =>
      readdirSync(root).flatMap((name) => {
        const path = join(root, name);
        return statSync(path).isDirectory() ? files(path) : [path];
      });
    for (const path of [...files(join(dir, ".pulumi-wechat-fleet")), ...files(join(dir, ".pulumi-state"))]) seen[path] = readFileSync(path, "utf8");
    const tokens = (JSON.parse(readFileSync(stateFile, "utf8")).tokens as Array<{ value: string }>).map((token) => token.value);
    const secrets = [seed.component.appSecret, seed.component.verifyTicket, ...Object.values(accounts.authorizerRefreshTokens), ...tokens];
    expect(tokens.length).toBeGreaterThan(miniPrograms.length);
    for (const [where, text] of Object.entries(seen)) {
      for (const secret of secrets) expect(text.includes(secret), `${where} contains ${secret}`).toBe(false);
      expect(text, where).not.toMatch(/Bearer|WECHAT_TOKEN_URL_SECRET=|tokenUrlSecret/);
    }
  });

  it("destroy deletes every binding and link at WeChat and removes the stacks", async () => {
    const destroy = await fleet("destroy", "--spec", "discovered.yaml");
    expect(destroy.code, destroy.stdout + destroy.stderr).toBe(0);
    expect(total(destroy.report!, "deleted")).toBe(resources);
    expect(await stacks()).toEqual([]);
    expect(await emulator.state()).toMatchObject({ bindings: [], links: [] });
  });
});
