// The two programs the benchmark runs, installed as users install the package: `npm pack` of this checkout into a
// temporary workspace whose package.json depends on the tarball and on @pulumi/pulumi, then one project folder per
// program inside it, each with its own stack on a local file backend.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pulumiEnv, repoRoot } from "../scripts/pulumi-env.mjs";
import { watchProviders } from "./probe.mjs";

const passphrase = "pulumi-wechat-bench";
const stack = "bench";

const wechatProgram = `
const { MiniProgramPlugin, OfficialAccountLink } = require("pulumi-wechat");
const spec = require("./spec.json");
for (const [name, args] of Object.entries(spec.plugins)) new MiniProgramPlugin(name, args);
for (const [name, args] of Object.entries(spec.links)) new OfficialAccountLink(name, args);
`;

// The floor: the same resources with the same inputs and output properties, whose provider answers at once and
// never touches the network. What is left is the engine's own cost, and the program's.
const baselineProgram = `
const pulumi = require("@pulumi/pulumi");
const spec = require("./spec.json");

const plugin = {
  async check(olds, news) { return { inputs: news }; },
  async diff() { return { changes: false }; },
  async create(inputs) {
    return { id: inputs.appId + "/" + inputs.pluginAppId, outs: { ...inputs, status: "approved", statusCode: 2, nickname: "Bench Plugin", headImgUrl: "https://emulator.invalid/p.png" } };
  },
  async read(id, props) { return { id, props, inputs: { appId: props.appId, pluginAppId: props.pluginAppId } }; },
  async update(id, olds, news) { return { outs: { ...olds, ...news } }; },
  async delete() {},
};

const link = {
  async check(olds, news) { return { inputs: { notifyUsers: false, showProfile: false, ...news } }; },
  async diff() { return { changes: false }; },
  async create(inputs) {
    return {
      id: inputs.officialAccountAppId + "/" + inputs.miniProgramAppId,
      outs: { ...inputs, status: "pendingOfficialAccountAdmin", statusCode: 12, username: "gh_a00000000001", nickname: "Bench Mini Program", released: true, selected: false },
    };
  },
  async read(id, props) {
    const { officialAccountAppId, miniProgramAppId, notifyUsers, showProfile } = props;
    return { id, props, inputs: { officialAccountAppId, miniProgramAppId, notifyUsers, showProfile } };
  },
  async update(id, olds, news) { return { outs: { ...olds, ...news } }; },
  async delete() {},
};

const pluginOutputs = { status: undefined, statusCode: undefined, nickname: undefined, headImgUrl: undefined, appliedVersion: undefined };
const linkOutputs = { status: undefined, statusCode: undefined, username: undefined, nickname: undefined, released: undefined, selected: undefined };
for (const [name, args] of Object.entries(spec.plugins)) new pulumi.dynamic.Resource(plugin, name, { ...args, ...pluginOutputs }, undefined, "bench", "Plugin");
for (const [name, args] of Object.entries(spec.links)) new pulumi.dynamic.Resource(link, name, { ...args, ...linkOutputs }, undefined, "bench", "Link");
`;

/** A temporary folder with this package installed from its tarball; `remove()` deletes it. */
export function createWorkspace() {
  const dir = mkdtempSync(join(tmpdir(), "pulumi-wechat-bench-"));
  const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: repoRoot, encoding: "utf8" }).trim().split("\n").pop();
  const pulumiVersion = JSON.parse(readFileSync(join(repoRoot, "node_modules/@pulumi/pulumi/package.json"), "utf8")).version;
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "bench-workspace", private: true, dependencies: { "pulumi-wechat": `file:./${tarball}`, "@pulumi/pulumi": pulumiVersion } }),
  );
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One program's project and stack; `run` times a Pulumi command and watches its provider process. */
export class Project {
  constructor(workspace, name, kind, extraEnv = {}) {
    this.name = name;
    this.dir = join(workspace, "projects", name);
    mkdirSync(this.dir, { recursive: true });
    this.env = pulumiEnv({ stateDir: join(workspace, ".pulumi"), passphrase, extra: extraEnv });
    writeFileSync(join(this.dir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\n`);
    writeFileSync(join(this.dir, "index.js"), kind === "wechat" ? wechatProgram : baselineProgram);
  }

  async init(spec, config = {}) {
    writeFileSync(join(this.dir, "spec.json"), JSON.stringify(spec));
    await this.must(["stack", "init"]);
    const args = Object.entries(config).flatMap(([key, value]) =>
      key === "wechat:endpoint" || key === "wechat:componentAppId" ? ["--plaintext", `${key}=${value}`] : ["--secret", `${key}=${value}`],
    );
    if (args.length > 0) await this.must(["config", "set-all", ...args]);
  }

  /** Runs `pulumi <args>` for the stack; resolves to its exit code, output, wall time and provider figures. */
  run(args) {
    const all = [...args, "--stack", stack, "--non-interactive"];
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const child = spawn("pulumi", all, { cwd: this.dir, env: this.env, stdio: ["ignore", "pipe", "pipe"] });
      const probe = watchProviders(child.pid);
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      child.stderr.on("data", (chunk) => (stderr += chunk));
      child.on("error", reject);
      child.on("close", (code) => {
        const seconds = (performance.now() - started) / 1000;
        resolve({ code: code ?? 1, stdout, stderr, seconds, provider: probe.stop() });
      });
    });
  }

  async must(args) {
    const result = await this.run(args);
    if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} in ${this.name} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
    return result;
  }

  async remove() {
    await this.run(["stack", "rm", "--yes", "--force"]);
  }
}
