// `npm run demo`: the quick start, end to end, against the local WeChat emulator. It starts the emulator with
// its default seed, runs `pulumi up` on the top-level project, answers the pending plugin applications and the
// link invitation as the plugin developers and the admins would, runs `pulumi up --refresh --run-program` until
// everything is approved, linked and at its declared version, checks for drift, and stops the emulator.
import { existsSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { pulumiEnv, PulumiStack, repoRoot } from "./pulumi-project.mjs";

const require = createRequire(import.meta.url);
const { defaultSeed, EmulatorClient, startEmulator } = require("../dist/emulator/index.js");
const { checkDrift } = require("../dist/cli/drift.js");

const port = 8787; // Pulumi.demo.yaml points wechat:endpoint here.
const stack = new PulumiStack({ dir: repoRoot, stack: "demo", env: pulumiEnv({ stateDir: join(repoRoot, ".pulumi-state"), passphrase: "pulumi-wechat-demo" }) });

const step = (text) => console.log(`\n\x1b[1m▶ ${text}\x1b[0m`);
const nickname = (appId) => [...defaultSeed.miniPrograms, ...defaultSeed.plugins].find((app) => app.appId === appId)?.nickname ?? appId;

async function showStatus() {
  const outputs = JSON.parse((await stack.must(["stack", "output", "--json"])).stdout);
  for (const [name, { status, version, appliedVersion }] of Object.entries(outputs.pluginStatus)) {
    const running = version === undefined ? "no version declared" : appliedVersion === version ? `version ${version}` : `version ${version} not applied yet`;
    console.log(`  plugin ${name.padEnd(24)} ${status.padEnd(10)} ${running}`);
  }
  console.log(`  link   ${"harbour-coffee".padEnd(24)} ${outputs.linkStatus.status} (${outputs.linkStatus.username})`);
}

/** Every pending application approved, as its plugin's developer would. */
async function approveApplications(wechat) {
  for (const { appId, pluginAppId, status } of (await wechat.state()).bindings) {
    if (status !== 1) continue;
    await wechat.answerPluginApplication({ pluginAppId, miniProgramAppId: appId, accept: true });
    console.log(`  ${nickname(pluginAppId)}'s developer approves the application of ${nickname(appId)}`);
  }
}

async function acceptLink(wechat, by) {
  await wechat.confirmLink({ officialAccountAppId: "wx0a00000000000001", miniProgramAppId: "wxc0ffee0000000001", by, accept: true });
  console.log(`  the ${by === "officialAccount" ? "official account's" : "mini program's"} admin accepts the link`);
}

async function main() {
  step(`Starting the WeChat emulator (default seed) on 127.0.0.1:${port}`);
  const emulator = await startEmulator({ port }).catch((error) => {
    throw new Error(`could not start the emulator on port ${port} (${error.code ?? error.message}); is another demo running?`);
  });
  const wechat = new EmulatorClient(emulator.url);
  console.log(`  ${emulator.url}`);
  console.log(`  console: ${emulator.url}/__emulator/console (open it to watch the demo)`);
  try {
    // The emulator starts empty every time, so the demo stack does too; its config (Pulumi.demo.yaml) stays.
    const link = join(repoRoot, "node_modules", "pulumi-wechat");
    if (!existsSync(link)) symlinkSync("..", link); // the program imports "pulumi-wechat" as users do: this checkout
    await stack.remove();
    await stack.init();

    step("pulumi up: apply for four plugins and invite a mini program to the official account");
    await stack.must(["up", "--yes", "--skip-preview"], { show: true });
    step("Status: the approval-free plugins are live; the others wait for their developers, the link for its admins");
    await showStatus();

    step("Answering as the plugin developers and the admins would (through the emulator's control surface)");
    await approveApplications(wechat);
    await acceptLink(wechat, "officialAccount");
    await acceptLink(wechat, "miniProgram");

    // --run-program: the refresh reads with the stack's configuration as it is now, not the copy stored at the last up.
    step("pulumi up --refresh --run-program: read the new statuses and apply the declared versions");
    await stack.must(["up", "--refresh", "--run-program", "--yes", "--skip-preview"], { show: true });
    step("Status");
    await showStatus();

    step(`Drift check (pulumi-wechat-drift: pulumi preview --refresh --run-program): does WeChat match stack ${stack.stack}?`);
    const drift = await checkDrift({ stack: stack.stack, cwd: repoRoot, env: stack.env });
    console.log(`  ${drift.output.replace(/\n/g, "\n  ")}`);
    if (drift.code !== 0) process.exitCode = 1;
  } finally {
    await emulator.close();
    step("Emulator stopped");
  }
}

main().catch((error) => {
  console.error(`\ndemo failed: ${error.message}`);
  process.exit(1);
});
