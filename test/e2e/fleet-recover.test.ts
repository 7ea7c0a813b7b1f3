import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { defaultSeed, generatedAccounts, type Seed } from "../../emulator/index";
import type { FleetReport } from "../../fleet/report";
import { serializeFleetSpec, type FleetSpecFile } from "../../fleet/spec";
import { descendants } from "../../scripts/pulumi-project.mjs";
import { useEmulator, seed } from "../support/emulator";
import { fleetEnv, fleetRunner } from "./fleet";
import { until } from "./project";

/*
 * A fleet run killed as CI kills one (SIGKILL of the runner alone, SIGKILL of its process group, SIGTERM twice), with
 * the credentials the docs recommend for a platform: the third-party platform's, and no refresh tokens (the token broker
 * reads them from api_get_authorizer_list). No process of the run outlives it by 5 s, and `recover` brings the fleet
 * back: the dead run's locks removed, what it applied for adopted, the rest made once, nothing unbound.
 */

const world: Seed = { ...defaultSeed, generate: { miniPrograms: 24, officialAccounts: 2 } };
const accounts = generatedAccounts(world);
const miniPrograms = accounts.miniPrograms.map((mp) => mp.appId);
const officialAccounts = accounts.officialAccounts.map((oa) => oa.appId);

/** 24 mini programs with two approval-free plugins each, 2 official accounts with 2 links each: 52 resources, 3 shards. */
const spec: FleetSpecFile = {
  miniPrograms: miniPrograms.map((appId) => ({ appId, plugins: [{ pluginAppId: seed.liveChat, version: "1.4.2" }, { pluginAppId: seed.reviews }] })),
  officialAccounts: officialAccounts.map((appId, i) => ({ appId, links: [0, 1].map((k) => ({ miniProgramAppId: miniPrograms[i * 2 + k] })) })),
};
const plugins = miniPrograms.length * 2;
const links = officialAccounts.length * 2;
const resources = plugins + links;

const emulator = useEmulator({ seed: world, reset: false });
let dir: string;
let env: NodeJS.ProcessEnv;
let runner: ReturnType<typeof fleetRunner>;
const cli = () => join(inject("e2e").workspace, "node_modules/pulumi-wechat/dist/fleet/cli.js");

beforeAll(() => {
  dir = join(inject("e2e").workspace, "projects", `fleet-recover-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "fleet.yaml"), serializeFleetSpec(spec, "fleet.yaml"));
  env = fleetEnv(dir, emulator.url);
  runner = fleetRunner(dir, env);
});

/** The runner as installed in the workspace (test/e2e/fleet.ts). */
const fleet = (...args: string[]) => runner.run(...args);

/** The processes on this machine that carry a fleet run's id (see fleet/watchdog.ts). */
function processesOfRun(runId: string): number[] {
  return readdirSync("/proc").flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      return readFileSync(`/proc/${entry}/environ`, "latin1").split("\0").includes(`PULUMI_WECHAT_FLEET_RUN=${runId}`) ? [Number(entry)] : [];
    } catch {
      return [];
    }
  });
}

/** The run's id, read from a process the runner started (a Pulumi CLI), once one runs. */
async function runIdOf(runner: ChildProcess): Promise<string> {
  let runId: string | undefined;
  await until("a Pulumi process of the run", async () => {
    for (const pid of descendants(runner.pid!)) {
      try {
        const found = readFileSync(`/proc/${pid}/environ`, "latin1")
          .split("\0")
          .find((entry) => entry.startsWith("PULUMI_WECHAT_FLEET_RUN="));
        if (found) runId = found.slice("PULUMI_WECHAT_FLEET_RUN=".length);
      } catch {
        // Ended meanwhile.
      }
    }
    return Promise.resolve(runId !== undefined);
  });
  return runId!;
}

const countOf = async (key: string) => (await emulator.calls()).counts[key] ?? 0;

/**
 * `up` killed in the middle of its creates, some of which WeChat acted on: the first `acting` applications act, but
 * Live Chat's version update that follows each is held (5 s, then dropped before WeChat acts), so those creates are
 * in flight with their binding made; the later applications are held the same way, so those creates are in flight
 * with nothing made. Resolves once the acting applications are answered.
 */
async function upInTheMiddle(acting: number, detached = false): Promise<{ runner: ChildProcess; runId: string; closed: Promise<void> }> {
  await emulator.clearFaults();
  await emulator.fault({ path: "/wxa/plugin", action: "apply", delayMs: 0, times: acting });
  await emulator.fault({ path: "/wxa/plugin", action: "apply", delayMs: 5_000, dropConnection: "before" });
  await emulator.fault({ path: "/wxa/plugin", action: "update", delayMs: 5_000, dropConnection: "before" });
  const before = await countOf("/wxa/plugin#apply");
  const runner = spawn(process.execPath, [cli(), "up", "--spec", "fleet.yaml", "--shards", "3"], { cwd: dir, env, stdio: "ignore", detached });
  const closed = new Promise<void>((resolve) => runner.once("close", () => resolve()));
  const runId = await runIdOf(runner);
  await until(`${acting} applications`, async () => (await countOf("/wxa/plugin#apply")) - before >= acting);
  await sleep(500);
  return { runner, runId, closed };
}

/** No process of the run is left 5 s after the runner's death. */
async function expectNoneLeft(runId: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (processesOfRun(runId).length > 0 && Date.now() < deadline) await sleep(100);
  expect(processesOfRun(runId), "processes of the killed run still alive 5 s after it").toEqual([]);
}

/** WeChat holds each binding and link at most once, and the fleet's once it has converged. */
async function expectEachOnce(bindings?: number): Promise<void> {
  const state = await emulator.state();
  const keys = state.bindings.map((b) => `${b.appId}/${b.pluginAppId}`);
  expect(new Set(keys).size).toBe(keys.length);
  if (bindings !== undefined) expect(keys).toHaveLength(bindings);
}

/** Recovers, and checks what the report and WeChat say: each adopted resource named, nothing unbound, nothing twice. */
async function recover(): Promise<FleetReport> {
  await emulator.clearFaults();
  await emulator.clearCalls();
  const bindingsBefore = (await emulator.state()).bindings.length;
  const recovered = await fleet("recover", "--spec", "fleet.yaml");
  expect(recovered.code, recovered.stdout + recovered.stderr).toBe(0);
  const report = recovered.report!;
  const recoveries = report.stacks.map((s) => s.recovery!);
  expect(recoveries.length).toBeGreaterThan(0);
  const adopted = recoveries.flatMap((r) => r.adopted);
  const created = recoveries.flatMap((r) => r.created);
  expect(recoveries.flatMap((r) => r.failed)).toEqual([]);
  expect(adopted.length).toBeGreaterThan(0);
  for (const name of adopted) expect(recovered.stdout).toContain(`\`${name}\``);
  expect(recovered.stdout).toContain("### Recovered");
  // Made once: an application only for what the killed run had not made; nothing unbound or unlinked. (The killed
  // run's held applications are logged when the emulator drops them, unanswered and without acting: not counted.)
  const calls = await emulator.calls();
  const applied = calls.calls.filter((call) => call.action === "apply" && call.errcode !== null).length;
  expect(applied).toBe(created.filter((name) => !officialAccounts.includes(name.split("/")[0])).length);
  expect(calls.counts["/wxa/plugin#unbind"] ?? 0).toBe(0);
  expect(calls.counts["/cgi-bin/wxopen/wxampunlink"] ?? 0).toBe(0);
  expect((await emulator.state()).bindings.length).toBe(bindingsBefore + applied);
  await expectEachOnce();
  // Tokens once per account, through the broker; a list per account read.
  const tokens = calls.counts["/cgi-bin/component/api_authorizer_token"] ?? 0;
  const lists = (calls.counts["/wxa/plugin#list"] ?? 0) + (calls.counts["/cgi-bin/wxopen/wxamplinkget"] ?? 0);
  const recoveredAccounts = new Set(report.stacks.flatMap((s) => [...(s.recovery?.adopted ?? []), ...(s.recovery?.created ?? [])].map((name) => name.split("/")[0])));
  expect(calls.counts["/cgi-bin/component/api_component_token"] ?? 0).toBeLessThanOrEqual(1);
  expect(tokens).toBeLessThanOrEqual(miniPrograms.length + officialAccounts.length);
  // For the record: the recovery's calls against the minimum.
  console.log(
    `recover: ${report.stacks.length} stacks, ${adopted.length} adopted, ${created.length} made; ${tokens} account tokens, ${lists} lists ` +
      `(${recoveredAccounts.size} accounts had interrupted creates), ${calls.calls.length} calls in all, ${report.seconds.toFixed(1)} s`,
  );
  return report;
}

/** After a recovery, `up` makes the rest once and `drift` is clean. */
async function converge(): Promise<void> {
  const up = await fleet("up", "--spec", "fleet.yaml");
  expect(up.code, up.stdout + up.stderr).toBe(0);
  await expectEachOnce(plugins);
  expect((await emulator.state()).links).toHaveLength(links);
  const drift = await fleet("drift", "--spec", "fleet.yaml");
  expect(drift.code, drift.stdout + drift.stderr).toBe(0);
  expect(drift.report!.stacks.reduce((sum, s) => sum + s.counts.unchanged, 0)).toBe(resources);
}

/** Unbinds the fleet's Live Chat plugin on every mini program outside Pulumi, so that `up` applies for them again. */
async function unbindLiveChat(): Promise<void> {
  for (const mp of accounts.miniPrograms) expect((await emulator.wechat("/wxa/plugin", mp.appId, mp.secret, { action: "unbind", plugin_appid: seed.liveChat })).errcode).toBe(0);
}

describe("a fleet run killed in the middle of up, recovered with the platform's credentials only", () => {
  it("SIGKILL of the runner alone: no process of the run is left, a plain up names recover, recover adopts what the run made, and the fleet converges", async () => {
    const { runner, runId, closed } = await upInTheMiddle(6);
    expect(processesOfRun(runId).length).toBeGreaterThan(2);
    runner.kill("SIGKILL");
    await closed;
    await expectNoneLeft(runId);

    const blocked = await fleet("up", "--spec", "fleet.yaml");
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain("the stack is locked by a run that has not ended");
    expect(blocked.stdout).toContain("run `pulumi-wechat-fleet recover --spec fleet.yaml`");
    expect(blocked.stdout).not.toContain("pulumi cancel");

    const report = await recover();
    expect(report.stacks.every((s) => s.recovery!.lock !== undefined)).toBe(true);
    const again = await fleet("recover", "--spec", "fleet.yaml");
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain("nothing to recover");
    expect(again.report!.stacks).toEqual([]);
    await converge();
  });

  it("SIGKILL of the runner's process group, as a CI runner stops a job: no process of the run is left, and recover brings the fleet back", async () => {
    await unbindLiveChat();
    const { runner, runId, closed } = await upInTheMiddle(4, true);
    process.kill(-runner.pid!, "SIGKILL");
    await closed;
    await expectNoneLeft(runId);
    await recover();
    await converge();
  });

  it("SIGTERM, then SIGTERM again (a CI cancellation insisting): the runner stops at once, and no process of the run is left", async () => {
    await unbindLiveChat();
    const { runner, runId, closed } = await upInTheMiddle(4);
    runner.kill("SIGTERM");
    await sleep(200);
    runner.kill("SIGTERM");
    await closed;
    await expectNoneLeft(runId);
    await emulator.clearFaults();
    // Whatever the cancelled run left (a lock, pending creates, or nothing if it stopped between steps), recover and up converge.
    const recovered = await fleet("recover", "--spec", "fleet.yaml");
    expect(recovered.code, recovered.stdout + recovered.stderr).toBe(0);
    await expectEachOnce();
    await converge();
  });
});
