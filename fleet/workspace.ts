import { spawn } from "node:child_process";
import { type WriteStream, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { type ProviderConfig, configKeys, envName } from "../provider/config";
import { adoptVariable, shardsVariable, specVariable } from "./program";
import { shardStackName } from "./shards";
import { FleetError } from "./errors";

/**
 * The fleet runner's Pulumi workspace: a small project it writes under the working folder, whose program declares
 * one shard of the spec with the pulumi-wechat and @pulumi/pulumi installed in that folder; the stacks of the fleet
 * (`<prefix>-<i>`) and the shard count they record; and the environment their Pulumi processes get.
 */

/** The runner's folder under the working folder: the program, and the shards' logs in logs/. */
export const workFolderName = ".pulumi-wechat-fleet";
export const projectName = "pulumi-wechat-fleet";
/** The stacks' names before `-<shard>`, unless --stack-prefix says otherwise. */
export const defaultStackPrefix = "wechat-fleet";

/**
 * The stack tag that records a fleet stack's shard count. A tag, not stack config: the backend keeps tags, so every
 * machine of a CI matrix sees them, while Pulumi.<stack>.yaml stays on the machine that wrote it.
 */
export const shardsTag = "pulumi-wechat-fleet:shards";

/** The project's program, a line that runs the package's own (program.ts) from the folder where it is installed. */
export const program = `// Written by pulumi-wechat-fleet, which runs it in each stack of the fleet (one shard each) and rewrites it every run.
require("pulumi-wechat/fleet/program").declareShard();
`;

/** Writes the project into `<cwd>/.pulumi-wechat-fleet/`; returns that folder. */
export function writeProgram(cwd: string): string {
  const dir = join(cwd, workFolderName);
  mkdirSync(join(dir, "logs"), { recursive: true });
  // typescript: false, as the program is JavaScript: otherwise the language host registers ts-node, whose stack-trace
  // hook then formats the stack Pulumi's SDK captures for every promise it makes, a third of the program's CPU time.
  writeFileSync(
    join(dir, "Pulumi.yaml"),
    `name: ${projectName}\nruntime:\n  name: nodejs\n  options:\n    typescript: false\ndescription: The stacks of pulumi-wechat-fleet, one shard of the fleet spec each\n`,
  );
  writeFileSync(join(dir, "index.js"), program);
  return dir;
}

/**
 * Fails, saying what to install, unless the program can load the package and the SDK from the working folder, and
 * the package there is this runner's version: the runner plans what the stacks' providers would do (plan.ts) with its
 * own code, which must be theirs.
 */
export function checkInstalled(dir: string): void {
  const folder = resolve(dir, "..");
  // Resolved as the program resolves them: require.resolve's `paths` would still find this package by its own name.
  const fromProgram = createRequire(join(dir, "index.js"));
  for (const name of ["pulumi-wechat/fleet/program", "@pulumi/pulumi"]) {
    try {
      fromProgram.resolve(name);
    } catch {
      throw new FleetError("FLEET_NOT_INSTALLED", `the fleet's program loads ${name} from ${folder}, where it is not installed: run \`npm install pulumi-wechat @pulumi/pulumi\` there`);
    }
  }
  const version = (file: string) => (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  // Resolved from here, the package's own name is this package (Node's self-reference).
  const runner = version(require.resolve("pulumi-wechat/package.json"));
  const installed = version(fromProgram.resolve("pulumi-wechat/package.json"));
  if (installed !== runner) {
    throw new FleetError("FLEET_NOT_INSTALLED", `${folder} has pulumi-wechat ${installed} installed, and this runner is ${runner}: run the runner installed there (\`npx pulumi-wechat-fleet\`), or install pulumi-wechat ${runner} there`);
  }
}

export interface StackSettings {
  /** The endpoint, token broker and limits the providers use; none when the operation makes no WeChat call. */
  wechat?: Pick<ProviderConfig, "endpoint" | "requestTimeoutMs" | "maxAttempts"> & { tokenUrl: string; tokenUrlSecret: string; adopt?: boolean };
  /** What the program declares; none for commands that run no program (listing stacks, moving state). */
  program?: { specPath: string; shards: number; adoptFile?: string };
}

/**
 * The environment of every Pulumi process the runner starts (and so of the programs and providers they start):
 * - The provider reads its settings from WECHAT_* variables (provider/config.ts): the runner's own are blanked (the
 *   provider reads a blank one as unset) so that no credential leaves the runner, and the stacks get the endpoint,
 *   the token broker, the limits and WECHAT_ADOPT. The broker's secret travels only here: not on a command line, which other local users can
 *   read, and not in the stack config, which Pulumi would keep in the state.
 * - The backend and passphrase are Pulumi's own variables; without them, a file backend in `.pulumi-state/` under the
 *   working folder and an empty passphrase (the stacks hold no secret: the credentials stay in the runner).
 * - PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER: a machine without the stacks' Pulumi.<stack>.yaml (another runner of a
 *   CI matrix) uses the secrets manager recorded in the state instead of making a new one.
 */
export function stackEnvironment(env: NodeJS.ProcessEnv, cwd: string, settings: StackSettings): Record<string, string> {
  const result: Record<string, string> = {};
  for (const key of configKeys) if (env[envName(key)] !== undefined) result[envName(key)] = "";
  if (settings.wechat) {
    const { adopt, ...given } = settings.wechat;
    for (const [key, value] of Object.entries(given)) result[envName(key as keyof typeof given)] = String(value);
    // WECHAT_ADOPT=true, for the one run after an interrupted one (docs/fleets.md): not a credential, passed on.
    if (adopt) result[envName("adopt")] = "true";
  }
  if (settings.program) {
    result[specVariable] = resolve(cwd, settings.program.specPath);
    result[shardsVariable] = String(settings.program.shards);
    if (settings.program.adoptFile !== undefined) result[adoptVariable] = settings.program.adoptFile;
  }
  // No stack frames in the stacks' Node processes, unless NODE_OPTIONS asks for them: Pulumi's SDK captures a stack
  // for every promise it makes (for its leak report) and formats it through source-map-support, which took a third
  // of a shard's program time. The provider's errors name the account, the call and the code, and print without a
  // stack anyway.
  if (!/--stack-trace-limit\b/.test(env.NODE_OPTIONS ?? "")) result.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ""} --stack-trace-limit=0`.trim();
  if (!env.PULUMI_BACKEND_URL) result.PULUMI_BACKEND_URL = `file://${defaultBackendDir(cwd)}`;
  if (env.PULUMI_CONFIG_PASSPHRASE === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) result.PULUMI_CONFIG_PASSPHRASE = "";
  result.PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER = "true";
  return result;
}

export function defaultBackendDir(cwd: string): string {
  return join(resolve(cwd), ".pulumi-state");
}

/**
 * The runner's workspace: the project written into the working folder, run by the `pulumi` on PATH. Its commands get
 * stackEnvironment(env, cwd, settings); an operation sets the settings it needs with setSettings.
 */
export async function openWorkspace(cwd: string, env: NodeJS.ProcessEnv, settings: StackSettings = {}): Promise<LocalWorkspace> {
  const workDir = writeProgram(cwd);
  checkInstalled(workDir);
  const envVars = stackEnvironment(env, cwd, settings);
  if (envVars.PULUMI_BACKEND_URL) mkdirSync(defaultBackendDir(cwd), { recursive: true });
  // The Automation API starts each command with the runner's environment overlaid with these.
  return LocalWorkspace.create({ workDir, envVars, pulumiCommand: await PulumiCommand.get() });
}

export function setSettings(ws: LocalWorkspace, cwd: string, env: NodeJS.ProcessEnv, settings: StackSettings): void {
  // envVars is the workspace's public field for this; the Automation API reads it at each command.
  ws.envVars = stackEnvironment(env, cwd, settings);
}

/** A stack of the fleet. */
export interface FleetStack {
  name: string;
  index: number;
  /** The shard count its tag records; undefined for a stack made by a run that stopped before tagging it. */
  shards?: number;
}

/** The shard index of a stack named `<prefix>-<i>`, undefined for any other stack. */
export function stackIndex(name: string, prefix: string): number | undefined {
  if (!name.startsWith(`${prefix}-`)) return undefined;
  const rest = name.slice(prefix.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) && shardStackName(prefix, Number(rest)) === name ? Number(rest) : undefined;
}

/**
 * The fleet's existing stacks, by index, with the shard count each records. The counts come from the backend's own tag
 * filter (`pulumi stack ls --tag`): one listing per count the stacks record (one, unless a reshard did not finish),
 * not a `pulumi stack tag ls` per stack, which cost a fleet of 280 stacks half a minute. Each round reads the tags of
 * one stack not yet settled: an untagged one (a run stopped between making a stack and tagging it, so a few at most)
 * settles itself. A listing reads every state it lists on a file backend (4 s for 280 stacks), so there are no more.
 */
export async function fleetStacks(ws: LocalWorkspace, prefix: string): Promise<FleetStack[]> {
  const names = (await ws.listStacks()).map((s) => s.name);
  const stacks = names.flatMap((name) => {
    const index = stackIndex(name, prefix);
    return index === undefined ? [] : [{ name, index }];
  });
  const counts = new Map<string, number>();
  let rest = stacks.map((stack) => stack.name);
  while (rest.length > 0) {
    const count = (await ws.listTags(rest[0]))[shardsTag];
    // The stacks recording the same count, the one read included: one round settles each count and each untagged stack.
    const alike = new Set(count === undefined ? [] : (JSON.parse(await runPulumi(ws, ["stack", "ls", "--json", "--tag", `${shardsTag}=${count}`])) as Array<{ name: string }>).map((s) => s.name));
    alike.add(rest[0]);
    if (count !== undefined) for (const name of alike) counts.set(name, Number(count));
    rest = rest.filter((name) => !alike.has(name));
  }
  return stacks.map((stack) => ({ ...stack, shards: counts.get(stack.name) })).sort((a, b) => a.index - b.index);
}

/**
 * Go's garbage collector for these commands, unless the environment sets its own: none until the heap nears 512 MiB.
 * They are short and read whole states (an export, a listing that reads every stack's), and at Go's default the
 * collector runs cycle after cycle on a small heap: a 250-resource export took 0.155 CPU-s with it and 0.113 without
 * (0.11 is the CLI's start), 280 of them per look at a 70,000-resource fleet.
 */
const goCollector = { GOGC: "off", GOMEMLIMIT: "512MiB" };

/**
 * A `pulumi` command the Automation API has no method for, run as it runs its own: in the workspace, with its
 * environment. Its output goes to `log` when given; resolves to its standard output.
 */
export function runPulumi(ws: LocalWorkspace, args: string[], log?: WriteStream): Promise<string> {
  const all = [...args, "--non-interactive", "--color", "never"];
  log?.write(`\n$ pulumi ${all.join(" ")}\n`);
  const env = { ...goCollector, ...process.env, ...ws.envVars };
  const child = spawn(ws.pulumiCommand.command, all, { cwd: ws.workDir, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    log?.write(chunk);
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    log?.write(chunk);
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new FleetError("FLEET_PULUMI_FAILED", `pulumi ${args.slice(0, 2).join(" ")} failed (exit ${code}): ${stderr.trim()}`))));
  });
}

/**
 * The shard count to run with: `--shards`, else the one the stacks record, else `fallback` (a new fleet). Refuses,
 * saying to reshard, when the stacks hold another sharding: running with it would make the stacks delete the accounts
 * that moved (unbinding their plugins at WeChat, which loses the developers' approvals) while others create them.
 */
export function resolveShards(stacks: FleetStack[], requested: number | undefined, fallback: number, specPath: string): { shards: number } | { error: string } {
  const recorded = [...new Set(stacks.flatMap((s) => (s.shards === undefined ? [] : [s.shards])))].sort((a, b) => a - b);
  const reshard = (from: string, to: string) => `pulumi-wechat-fleet reshard --spec ${specPath} --from ${from} --to ${to}`;
  if (recorded.length > 1) {
    const which = recorded.map((n) => `${n} (${stacks.filter((s) => s.shards === n).map((s) => s.name).join(", ")})`).join(" and ");
    return { error: `the fleet's stacks record different shard counts: ${which}. A reshard did not finish: run \`${reshard("<old count>", "<new count>")}\` again.` };
  }
  const shards = requested ?? recorded[0] ?? fallback;
  const beyond = stacks.some((s) => s.index >= shards);
  if ((recorded[0] !== undefined && recorded[0] !== shards) || beyond) {
    // Untagged stacks (from a run stopped before it tagged them) tell the count only by their numbers.
    const current = recorded[0] ?? stacks[stacks.length - 1].index + 1;
    return {
      error:
        `the fleet's stacks are sharded ${current} ways, not ${shards}: running with ${shards} shards would delete the accounts that change shard from one stack ` +
        `(unbinding their plugins at WeChat) and create them in another. Move them first, without touching WeChat: \`${reshard(String(current), String(shards))}\`.`,
    };
  }
  return { shards };
}
