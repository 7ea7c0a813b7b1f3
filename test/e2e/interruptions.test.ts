import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, inject, it } from "vitest";
import { EmulatorClient } from "../../emulator/index";
import { PulumiStack } from "../../scripts/pulumi-project.mjs";
import { useEmulator } from "../support/emulator";
import { expectFleetAtWeChat, expectFleetInState, fleet } from "./fleet";
import { Project, thirdPartyConfig, until, type Result } from "./project";

/*
 * A CI job killed in the middle of `pulumi up` or `destroy`, and WeChat (the emulator) restarting under a run. The
 * recovery tested is the one the README gives (Failure behaviour): empty backend sidecars removed, `pulumi cancel`, then
 * `pulumi refresh --clear-pending-creates`, then the interrupted command again, `up` once with WECHAT_ADOPT=true.
 */

const emulator = useEmulator();

const output = (result: Result) => result.stdout + result.stderr;
const count = async (key: string) => (await emulator.calls()).counts[key] ?? 0;

/**
 * Lets the first `first` calls of a kind through and holds every later one, unanswered and without acting, so that a
 * run is certain to be in the middle of that step when the test kills it.
 */
async function holdAfter(path: string, action: string, first: number): Promise<void> {
  if (first > 0) await emulator.addFault({ path, action, delayMs: 0, times: first });
  await emulator.addFault({ path, action, delayMs: 5_000, dropConnection: "before" });
}

/**
 * Pulumi's file backend writes each blob's metadata sidecar (`*.attrs`) in place: a kill in the middle of that write
 * leaves it empty, and every command then fails with "failed to load checkpoint: EOF". The sidecar holds nothing the
 * state needs; deleting an empty one is the documented remedy, and a no-op when the kill missed that moment.
 */
function removeEmptySidecars(project: Project): void {
  const root = join(project.dir, ".pulumi/backend/.pulumi");
  for (const entry of readdirSync(root, { recursive: true, encoding: "utf8" })) {
    const path = join(root, entry);
    if (path.endsWith(".attrs") && statSync(path).size === 0) unlinkSync(path);
  }
}

async function recover(project: Project): Promise<void> {
  await project.must(["cancel", "--yes"]);
  await project.must(["refresh", "--yes", "--skip-preview", "--clear-pending-creates"]);
}

/**
 * `WECHAT_ADOPT=true pulumi up`: the refresh forgot the interrupted creates, and WeChat may have acted on some of them,
 * so this one run adopts what it finds.
 */
function upAdopting(project: Project): Promise<Result> {
  return new PulumiStack({ dir: project.dir, stack: project.stack, env: { ...project.env, WECHAT_ADOPT: "true" } }).must(["up", "--yes", "--skip-preview"]);
}

async function pendingOperations(project: Project): Promise<unknown[]> {
  return (await project.deployment()).pending_operations ?? [];
}

describe("pulumi up or destroy killed part-way (SIGKILL to the CLI and every process it started)", () => {
  it.each([
    ["before any application acted, the first ones in flight", 0],
    ["with half of the plugins applied for and the rest in flight", 10],
  ])("killed %s: after cancel and refresh --clear-pending-creates, up with WECHAT_ADOPT=true converges with nothing twice and nothing orphaned", async (_when, first) => {
    await holdAfter("/wxa/plugin", "apply", first);
    const project = await Project.create("killed", emulator.url);
    project.write(fleet());
    const run = project.start(["up", "--yes", "--skip-preview"]);
    if (first === 0) {
      // Once a mini program has its token its applications follow at once, and are held: none of them acts.
      await until("the first authorizer token", async () => (await count("/cgi-bin/component/api_authorizer_token")) >= 1);
      await sleep(500);
    } else {
      await until("the kill point", async () => (await count("/wxa/plugin#apply")) >= first);
    }
    await run.kill();
    await emulator.clearFaults();
    expect((await emulator.state()).bindings).toHaveLength(first);
    removeEmptySidecars(project);
    expect((await pendingOperations(project)).length).toBeGreaterThan(0);

    await recover(project);
    expect(await pendingOperations(project)).toEqual([]);
    if (first > 0) {
      // What the killed run applied for is at WeChat; applications whose answers the engine had not recorded when the
      // kill landed are, forgotten by the refresh, in no state. How many depends on where in each create the kill
      // lands (a create that needs no list after its apply is recorded at once), so when the engine recorded them
      // all, one is forgotten here as the refresh would have: a plain `up` must refuse it, every time.
      const resources = await project.resources();
      const ids = new Set(resources.map((resource) => resource.id));
      if ((await emulator.state()).bindings.every((binding) => ids.has(`${binding.appId}/${binding.pluginAppId}`))) {
        const recorded = resources.find((resource) => resource.type.endsWith(":MiniProgramPlugin"));
        await project.must(["state", "delete", "--yes", recorded!.urn]);
      }
      const refused = await project.run(["up", "--yes", "--skip-preview"]);
      expect(refused.code).not.toBe(0);
      // The killed run's invitations are unrecorded too: whichever such create the engine reaches first fails, and the
      // engine starts no more.
      expect(output(refused)).toMatch(/failed: already in the (mini program's plugin|official account's link) list at WeChat, .* run `pulumi up` once with WECHAT_ADOPT=true/);
    }
    const next = await upAdopting(project);
    expect(output(next)).not.toMatch(/error:|pending operations/);
    await expectFleetAtWeChat(emulator);
    await expectFleetInState(project);
    await project.up("--expect-no-changes");
  });

  it("killed in the middle of destroy, the backend's sidecar left empty: after removing it, cancel and refresh --clear-pending-creates, destroy finishes and leaves nothing at WeChat", async () => {
    const project = await Project.create("killed-destroy", emulator.url);
    project.write(fleet());
    await project.up();
    // Pending applications cannot be unbound (89243): the plugin developers answer first.
    for (const binding of (await emulator.state()).bindings) {
      if (binding.status === 1) await emulator.developer("dev_agree", binding.pluginAppId, binding.appId);
    }
    await holdAfter("/wxa/plugin", "unbind", 10);
    const run = project.start(["destroy", "--yes", "--skip-preview"]);
    await until("half of the unbinds", () => count("/wxa/plugin#unbind").then((n) => n >= 10));
    await run.kill();
    await emulator.clearFaults();
    // What the backend is left with when the kill lands while it rewrites the stack file's sidecar.
    writeFileSync(join(project.dir, ".pulumi/backend/.pulumi/stacks/killed-destroy/test.json.attrs"), "");
    expect((await project.run(["stack", "export"])).stderr).toMatch(/failed to load checkpoint: EOF/);
    removeEmptySidecars(project);
    expect((await pendingOperations(project)).length).toBeGreaterThan(0);

    await recover(project);
    const result = await project.destroy();
    expect(output(result)).not.toMatch(/error:|pending operations/);
    expect(await emulator.state()).toMatchObject({ bindings: [], links: [] });
    expect(await project.resources()).toEqual([]);
  });
});

describe("the emulator restarted (with --state) in the middle of a run", () => {
  it("the applications in flight when it dies fail the run cleanly, naming each, the state file stays whole, and the recovery up converges", async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), "wechat-restart-")), "wechat-state.json");
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const wechat = new EmulatorClient(url);
    let server = await startEmulatorCli(port, stateFile);
    try {
      // One attempt per call: a call the restart cuts off fails, where a retry could reach the restarted emulator, so
      // the run fails through the calls in flight every time.
      const project = await Project.create("restart", url, { ...thirdPartyConfig(), "wechat:maxAttempts": "1" });
      project.write(fleet());
      // Half of the applications go through; the rest are held, unanswered and without acting, until the emulator dies.
      const heldAtMost = 1_000;
      await wechat.addFault({ path: "/wxa/plugin", action: "apply", delayMs: 0, times: 10 });
      const held = await wechat.addFault({ path: "/wxa/plugin", action: "apply", delayMs: 120_000, times: heldAtMost });
      // A held call uses up one of the fault's `times` as it arrives, and the call log records it only once answered.
      const inFlight = async () => heldAtMost - ((await wechat.world()).faults.find((fault) => fault.id === held)?.remaining ?? heldAtMost);
      const run = project.start(["up", "--yes", "--skip-preview"]);
      await until("half of the applications, and the next ones in flight", async () => ((await wechat.calls()).counts["/wxa/plugin#apply"] ?? 0) >= 10 && (await inFlight()) >= 1);
      const cutOff = await inFlight();
      await stop(server);
      expect(JSON.parse(readFileSync(stateFile, "utf8"))).toMatchObject({ format: "pulumi-wechat-emulator-state", version: 2 });
      server = await startEmulatorCli(port, stateFile);

      const result = await run.result;
      expect(result.code).not.toBe(0);
      expect(output(result)).not.toMatch(/\n\s+at .+:\d+:\d+/);
      // Each held application ends with its connection cut (calls made while the emulator was down are refused instead).
      const cut = /plugin apply for mini program wx[0-9a-f]{16} \(plugin wx[0-9a-f]{16}\) failed: could not reach http:\/\/127\.0\.0\.1:\d+\/wxa\/plugin\?access_token=REDACTED: (other side closed|.*ECONNRESET)/g;
      expect(new Set(output(result).match(cut)).size).toBeGreaterThanOrEqual(cutOff);
      expect(await pendingOperations(project)).toEqual([]);

      // The recovery the README gives for a failed run: a create whose apply acted, and whose next call was cut off, is
      // at WeChat but not in the state.
      const next = await upAdopting(project);
      expect(output(next)).not.toMatch(/error:/);
      await expectFleetAtWeChat(wechat);
      await expectFleetInState(project);
      await project.up("--expect-no-changes");
    } finally {
      await stop(server);
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The emulator as its users start it: the packed package's bin, on a fixed port, with a state file. */
async function startEmulatorCli(port: number, stateFile: string): Promise<ChildProcess> {
  const cli = join(inject("e2e").workspace, "node_modules/pulumi-wechat/dist/emulator/cli.js");
  const child = spawn(process.execPath, [cli, "--port", String(port), "--state", stateFile], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once("data", (chunk) => (String(chunk).startsWith("WeChat emulator listening on") ? resolve() : reject(new Error(String(chunk)))));
    child.once("exit", (code) => reject(new Error(`the emulator exited with ${code}: ${stderr}`)));
  });
  return child;
}

/** SIGKILL: a crash, not a shutdown, so nothing gets the chance to finish a write. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}
