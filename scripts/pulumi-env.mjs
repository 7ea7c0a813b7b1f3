// The Pulumi CLI and the environment that runs it offline, shared by the demo, the end-to-end tests and the
// benchmark. The CLI comes from scripts/ensure-pulumi.sh (a matching `pulumi` on PATH, or a cached build).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

let binDir;
/** The directory holding `pulumi`, its Node language host and the dynamic-provider plugin. */
export function ensurePulumi() {
  binDir ??= execFileSync("bash", [join(repoRoot, "scripts/ensure-pulumi.sh")], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" })
    .trim()
    .split("\n")
    .pop();
  return binDir;
}

/**
 * Environment for running the CLI fully offline: a local file backend under `stateDir`, a passphrase for secrets,
 * no update checks and no plugin downloads. Node 22 from the project's own node_modules comes first on PATH,
 * because the Pulumi language host runs the program with whatever `node` it finds.
 */
export function pulumiEnv({ stateDir, passphrase, extra = {} }) {
  mkdirSync(join(stateDir, "backend"), { recursive: true });
  mkdirSync(join(stateDir, "home"), { recursive: true });
  return {
    ...process.env,
    PATH: [ensurePulumi(), join(repoRoot, "node_modules/.bin"), process.env.PATH].join(":"),
    PULUMI_BACKEND_URL: `file://${join(stateDir, "backend")}`,
    PULUMI_HOME: join(stateDir, "home"),
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    ...extra,
  };
}

/** Runs `pulumi <args>`; resolves to {code, stdout, stderr}. With `show`, output also streams to the terminal. */
export function pulumi(args, { cwd, env, show = false }) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn("pulumi", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (show) process.stdout.write(chunk);
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      if (show) process.stderr.write(chunk);
    });
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? 1, stdout, stderr }));
  });
}
