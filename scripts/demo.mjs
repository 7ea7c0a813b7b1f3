// `npm run demo`: the quick start, end to end, against the local WeChat emulator. It starts the emulator with
// its default seed, runs `pulumi up` on the top-level project, answers the pending plugin applications and the
// link invitation as the plugin developers and the admins would, runs `pulumi up --refresh` until everything is
// approved, linked and at its declared version, checks for drift, and stops the emulator.
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { pulumi, pulumiEnv, repoRoot } from "./pulumi-env.mjs";

const require = createRequire(import.meta.url);
const { startEmulator, defaultSeed } = require("../dist/emulator/index.js");
const { checkDrift } = require("../dist/cli/drift.js");

const stack = "demo";
const port = 8787; // Pulumi.demo.yaml points wechat:endpoint here.
const env = pulumiEnv({ stateDir: join(repoRoot, ".pulumi-state"), passphrase: "pulumi-wechat-demo" });

const step = (text) => console.log(`\n\x1b[1m▶ ${text}\x1b[0m`);

async function run(args, { show = true } = {}) {
  const result = await pulumi([...args, "--stack", stack, "--non-interactive"], { cwd: repoRoot, env, show });
  if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed (exit ${result.code})`);
  return result;
}

async function showStatus() {
  const outputs = JSON.parse((await run(["stack", "output", "--json"], { show: false })).stdout);
  for (const [name, { status, version, appliedVersion }] of Object.entries(outputs.pluginStatus)) {
    const running = version === undefined ? "no version declared" : appliedVersion === version ? `version ${version}` : `version ${version} not applied yet`;
    console.log(`  plugin ${name.padEnd(24)} ${status.padEnd(10)} ${running}`);
  }
  console.log(`  link   ${"harbour-coffee".padEnd(24)} ${outputs.linkStatus.status} (${outputs.linkStatus.username})`);
}

/** The WeChat API as a plugin developer uses it: their own token, then dev_apply_list and dev_agree. */
async function approveApplications(url) {
  for (const plugin of defaultSeed.plugins.filter((p) => p.requiresApproval)) {
    const token = (await post(url, "/cgi-bin/stable_token", { grant_type: "client_credential", appid: plugin.appId, secret: plugin.secret })).access_token;
    const { apply_list } = await post(url, `/wxa/devplugin?access_token=${token}`, { action: "dev_apply_list", page: 1, num: 100 });
    for (const application of apply_list.filter((a) => a.status === 1)) {
      await post(url, `/wxa/devplugin?access_token=${token}`, { action: "dev_agree", appid: application.appid });
      console.log(`  ${plugin.nickname}'s developer approves the application of ${application.nickname}`);
    }
  }
}

async function confirmLink(url, by) {
  const body = { officialAccountAppId: "wx0a00000000000001", miniProgramAppId: "wxc0ffee0000000001", by, accept: true };
  const response = await fetch(`${url}/__emulator/links/confirm`, { method: "POST", body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`confirming the link as ${by} failed: ${await response.text()}`);
  console.log(`  the ${by === "officialAccount" ? "official account's" : "mini program's"} admin accepts the link`);
}

async function post(url, path, body) {
  const answer = await (await fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body) })).json();
  if (answer.errcode) throw new Error(`${path.split("?")[0]}: WeChat error ${answer.errcode}`);
  return answer;
}

async function main() {
  step(`Starting the WeChat emulator (default seed) on 127.0.0.1:${port}`);
  const emulator = await startEmulator({ port }).catch((error) => {
    throw new Error(`could not start the emulator on port ${port} (${error.code ?? error.message}); is another demo running?`);
  });
  console.log(`  ${emulator.url}`);
  try {
    // The emulator starts empty every time, so the demo stack does too; its config (Pulumi.demo.yaml) stays.
    const link = join(repoRoot, "node_modules", "pulumi-wechat");
    if (!existsSync(link)) symlinkSync("..", link); // the program imports "pulumi-wechat" as users do: this checkout
    mkdirSync(join(repoRoot, ".pulumi-state"), { recursive: true });
    await pulumi(["stack", "rm", stack, "--yes", "--force", "--preserve-config", "--non-interactive"], { cwd: repoRoot, env });
    await pulumi(["stack", "init", stack, "--non-interactive"], { cwd: repoRoot, env }).then((r) => {
      if (r.code !== 0) throw new Error(`pulumi stack init failed: ${r.stderr}`);
    });

    step("pulumi up: apply for four plugins and invite a mini program to the official account");
    await run(["up", "--yes", "--skip-preview"]);
    step("Status: the approval-free plugins are live; the others wait for their developers, the link for its admins");
    await showStatus();

    step("Answering as the plugin developers and the admins would (through the emulator's WeChat API)");
    await approveApplications(emulator.url);
    await confirmLink(emulator.url, "officialAccount");
    await confirmLink(emulator.url, "miniProgram");

    step("pulumi up --refresh: read the new statuses and apply the declared versions");
    await run(["up", "--refresh", "--yes", "--skip-preview"]);
    step("Status");
    await showStatus();

    step(`Drift check (pulumi preview --refresh --expect-no-changes): does WeChat match stack ${stack}?`);
    const drift = await checkDrift({ stack, cwd: repoRoot, env });
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
