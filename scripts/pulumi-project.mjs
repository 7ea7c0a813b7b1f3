// Pulumi programs run by the real CLI, offline, with this package installed as users install it: the one set of
// plumbing that the demo, the end-to-end tests and the benchmark share. The CLI comes from scripts/ensure-pulumi.sh
// (a matching `pulumi` on PATH, or a cached build). Types for the TypeScript tests: pulumi-project.d.mts.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
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
 * Pulumi's YAML language host beside the CLI (scripts/ensure-pulumi-yaml.sh builds it once per machine), for the
 * native provider's YAML programs; returns the CLI's directory.
 */
export function ensurePulumiYaml() {
  return execFileSync("bash", [join(repoRoot, "scripts/ensure-pulumi-yaml.sh"), ensurePulumi()], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" })
    .trim()
    .split("\n")
    .pop();
}

/** The native provider's generated Node SDK (sdk/nodejs), compiled and packed into `destination`; returns the tarball's path. */
export function packNodeSdk(destination) {
  return execFileSync("bash", [join(repoRoot, "scripts/pack-sdk-nodejs.sh"), destination], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" }).trim().split("\n").pop();
}

/**
 * `pulumi plugin install resource wechat <version> --file <tarball>` in `env`'s Pulumi home, as a user installs the
 * native provider plugin; the version is this checkout's (package.json's).
 */
export async function installPlugin(tarball, { cwd, env }) {
  const { version } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
  const installed = await startPulumi(["plugin", "install", "resource", "wechat", version, "--file", tarball], { cwd, env }).result;
  if (installed.code !== 0) throw new Error(`pulumi plugin install resource wechat ${version} --file ${tarball} exited ${installed.code}:\n${installed.stderr}`);
}

/** `npm run build:plugin`'s work: the native provider plugin's tarball, bundled from this checkout's sources; returns its path. */
export function buildPlugin() {
  return execFileSync("node", [join(repoRoot, "scripts/build-plugin.mjs")], { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" }).trim().split("\n").pop();
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

/** The Pulumi CLI's version: package.json's "pulumiCli", the one ensurePulumi provides. */
export function pulumiCliVersion() {
  return JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).pulumiCli;
}

/** The version of @pulumi/pulumi installed in this checkout (package.json's devDependency). */
export function installedPulumiVersion() {
  return JSON.parse(readFileSync(join(repoRoot, "node_modules/@pulumi/pulumi/package.json"), "utf8")).version;
}

/** `npm pack` of this checkout (its built `dist/`) into `destination`; returns the tarball's path. */
export function packPackage(destination) {
  const name = execFileSync("npm", ["pack", "--silent", "--pack-destination", destination], { cwd: repoRoot, encoding: "utf8" }).trim().split("\n").pop();
  return join(resolve(destination), name);
}

/**
 * Makes `dir` a Node project that depends on the packed package and on `@pulumi/pulumi` at `pulumiVersion` (default:
 * this checkout's), and installs both there from the tarball and the npm registry, as a user's
 * `npm install pulumi-wechat @pulumi/pulumi` does; `dependencies` adds others (the native provider's Node SDK, packed).
 * Programs in `dir` and below then run that SDK.
 */
export function installPackage(dir, { tarball, pulumiVersion = installedPulumiVersion(), dependencies = {} }) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "pulumi-wechat-program", private: true, dependencies: { "pulumi-wechat": `file:${tarball}`, "@pulumi/pulumi": pulumiVersion, ...dependencies } }, null, 2),
  );
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
}

/** A new temporary folder (name starting with `prefix`) with the package packed and installed into it. */
export function createWorkspace(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const tarball = packPackage(dir);
  installPackage(dir, { tarball });
  return { dir, tarball, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A program that declares the resources its spec.json lists: `{plugins: {name: inputs}, links: {name: inputs}}`. */
export const specProgram = `
const { MiniProgramPlugin, OfficialAccountLink } = require("pulumi-wechat");
const spec = require("./spec.json");
for (const [name, args] of Object.entries(spec.plugins || {})) new MiniProgramPlugin(name, args);
for (const [name, args] of Object.entries(spec.links || {})) new OfficialAccountLink(name, args);
`;

/** Writes a Pulumi project into `dir`: Pulumi.yaml, the program (`source`, default specProgram) as index.js, its spec.json. */
export function writeProgram(dir, { name, source = specProgram, spec = {} }) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\n`);
  writeFileSync(join(dir, "index.js"), source);
  writeSpec(dir, spec);
}

export function writeSpec(dir, spec) {
  writeFileSync(join(dir, "spec.json"), JSON.stringify(spec, null, 2));
}

/**
 * Starts `pulumi <args>` and collects its output; with `show`, the output streams to the terminal too. `result`
 * resolves when the command ends, however it ends (a signal gives code 128), with its wall time.
 */
export function startPulumi(args, { cwd, env, show = false }) {
  const started = performance.now();
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
  const result = new Promise((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr, seconds: (performance.now() - started) / 1000 }));
  });
  return {
    pid: child.pid,
    result,
    kill() {
      // Pulumi starts its language host and provider plugins in process groups of their own, so the whole tree is
      // collected first and killed at once, as a CI runner does when it stops a job.
      for (const pid of [child.pid, ...descendants(child.pid)]) {
        try {
          process.kill(pid, "SIGKILL");
        } catch (error) {
          if (error.code !== "ESRCH") throw error;
        }
      }
      return result;
    },
  };
}

/** Runs `pulumi <args>` to its end (see startPulumi). */
export function pulumi(args, options) {
  return startPulumi(args, options).result;
}

/** The processes below `root`, from the parent ids in /proc (Linux). */
export function descendants(root) {
  const children = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // the process ended while we looked
    }
    // Fields after the command name, which is in parentheses and may hold spaces: state, then the parent id.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(entry));
  }
  const found = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Config keys that are not credentials: set in plaintext, the others as secrets. */
const plaintextKeys = new Set(["wechat:endpoint", "wechat:componentAppId"]);

/** One stack of the Pulumi project in `dir`; every command runs with `--stack <stack> --non-interactive`. */
export class PulumiStack {
  constructor({ dir, stack, env }) {
    this.dir = dir;
    this.stack = stack;
    this.env = env;
  }

  start(args, { show = false } = {}) {
    return startPulumi([...args, "--stack", this.stack, "--non-interactive"], { cwd: this.dir, env: this.env, show });
  }

  run(args, options) {
    return this.start(args, options).result;
  }

  /** As run, but a non-zero exit fails, with the output unless it was shown. */
  async must(args, options = {}) {
    const result = await this.run(args, options);
    if (result.code !== 0) {
      const output = options.show ? "" : `\n${result.stdout}\n${result.stderr}`;
      throw new Error(`pulumi ${args.join(" ")} (stack ${this.stack} in ${this.dir}) exited ${result.code}${output}`);
    }
    return result;
  }

  /** `pulumi stack init`, then the config (see setConfig). */
  async init(config = {}) {
    await this.must(["stack", "init"]);
    await this.setConfig(config);
  }

  /** Sets config in one `config set-all`: credentials as secrets, unless `plaintext`. */
  async setConfig(values, { plaintext = false } = {}) {
    const args = Object.entries(values).flatMap(([key, value]) => [plaintext || plaintextKeys.has(key) ? "--plaintext" : "--secret", `${key}=${value}`]);
    if (args.length > 0) await this.must(["config", "set-all", ...args]);
  }

  /** The `deployment` of `pulumi stack export`. */
  async deployment() {
    return JSON.parse((await this.must(["stack", "export"])).stdout).deployment;
  }

  /** Deletes the stack and its state, whatever it still holds; its config file stays. No stack is no error. */
  async remove() {
    await this.run(["stack", "rm", "--yes", "--force", "--preserve-config"]);
  }
}
