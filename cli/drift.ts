#!/usr/bin/env node
import { spawn } from "node:child_process";
import { describeLink } from "../provider/link";
import { describePlugin } from "../provider/plugin";
import { EngineEvents, type ResourceOutcome } from "./engine-events";

/**
 * `pulumi-wechat-drift [--stack <name>] [--cwd <dir>] [--parallel <n>]`: does WeChat still match the program?
 * Runs `pulumi preview --refresh --run-program --json` and prints one line per resource that differs, and apart
 * from them the resources that wait for a person (not drift: `up` cannot act on them).
 * Exit codes: 0 no drift, 2 drift found, 1 the check itself failed (the CLI's own message is printed).
 * It decides from the engine's events, not the CLI's exit code, which differs between CLI versions (7 vs 255).
 */

export const exitCodes = { clean: 0, failed: 1, drift: 2 } as const;

export interface DriftReport {
  /** One line per resource that differs from the program: `pulumi up` would act on it. */
  drift: string[];
  /** Resources waiting for a person (a plugin developer, an admin): `up` cannot act on them, so they are not drift. */
  waiting: string[];
}

/** How long WeChat leaves an application unanswered before it times out. */
const applicationWindowMs = 48 * 3600 * 1000;

export function report(resources: ResourceOutcome[], now = Date.now()): DriftReport {
  const drift: string[] = [];
  const waiting: string[] = [];
  for (const resource of resources) {
    if (resource.op === "same") {
      const line = describeWaiting(resource, now);
      if (line) waiting.push(line);
    } else if (resource.op !== "read") {
      drift.push(describeChange(resource));
    }
  }
  return { drift, waiting };
}

/** A property as the report prints it: the engine's JSON holds strings, numbers and booleans here. */
function shown(value: unknown, fallback: string): string {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : fallback;
}

function subject(resource: ResourceOutcome): { kind: "plugin" | "link" | "other"; what: string } {
  const field = (key: string) => shown(resource.inputs[key] ?? resource.outputs[key], "?");
  if (resource.type.endsWith(":MiniProgramPlugin")) {
    return { kind: "plugin", what: `${describePlugin({ appId: field("appId"), pluginAppId: field("pluginAppId") })} (${resource.name})` };
  }
  if (resource.type.endsWith(":OfficialAccountLink")) {
    return { kind: "link", what: `${describeLink({ officialAccountAppId: field("officialAccountAppId"), miniProgramAppId: field("miniProgramAppId") })} (${resource.name})` };
  }
  return { kind: "other", what: resource.name };
}

function describeWaiting(resource: ResourceOutcome, now: number): string | undefined {
  const { kind, what } = subject(resource);
  const status = resource.outputs.status;
  if (kind === "plugin" && status === "applying") {
    const appliedAt = Date.parse(shown(resource.outputs.appliedAt, ""));
    if (Number.isNaN(appliedAt)) return `${what}: waiting for the plugin developer; an unanswered application times out after about 48 h`;
    const hoursLeft = Math.max(0, Math.round((appliedAt + applicationWindowMs - now) / 3600_000));
    return `${what}: waiting for the plugin developer since ${new Date(appliedAt).toISOString()}, times out in about ${hoursLeft} h`;
  }
  if (kind === "link" && status === "pendingOfficialAccountAdmin") return `${what}: waiting for the official account's admin`;
  if (kind === "link" && status === "pendingMiniProgramAdmin") return `${what}: waiting for the mini program's admin`;
  return undefined;
}

function describeChange(resource: ResourceOutcome): string {
  const { kind, what } = subject(resource);
  const old = resource.outputs;
  const reasons = resource.reasons.join(", ") || "its inputs";
  switch (`${kind} ${resource.op}`) {
    case "plugin create":
      return `${what}: not bound at WeChat (unbound outside Pulumi, or never applied); \`pulumi up\` applies for it`;
    case "plugin replace":
      if (old.status === "rejected") return `${what}: the plugin developer rejected the application; \`pulumi up\` unbinds it and applies again`;
      if (old.status === "expired") return `${what}: the application expired unanswered; \`pulumi up\` unbinds it and applies again`;
      return `${what}: ${reasons} changed; \`pulumi up\` replaces it`;
    case "plugin update":
      return `${what}: version ${shown(resource.inputs.version, "?")} is not applied (applied: ${shown(old.appliedVersion, "none")}); \`pulumi up\` applies it`;
    case "plugin delete":
      return `${what}: no longer declared; \`pulumi up\` unbinds it`;
    case "link create":
      return `${what}: not linked at WeChat (removed outside Pulumi, or never made); \`pulumi up\` sends the invitation`;
    case "link replace":
      if (old.status === "rejected") return `${what}: the mini program's admin rejected the invitation; \`pulumi up\` invites again`;
      return `${what}: ${reasons} changed; \`pulumi up\` unlinks and links again`;
    case "link delete":
      return `${what}: no longer declared; \`pulumi up\` unlinks it`;
  }
  return `${what}: ${resource.op}${resource.reasons.length ? ` (${reasons})` : ""}`;
}

export interface DriftOptions {
  /** The stack to check; the project's selected stack when not given. */
  stack?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  pulumi?: string;
  /** The engine's --parallel; `defaultParallel` when not given. */
  parallel?: number;
}

/**
 * A drift check only reads, and every read waits on WeChat, not on this machine. With the engine's own default
 * (4 × cores: 8 on a 2-core runner) and resources declared account by account, every slot waits on the same
 * account and the accounts are read one after another; 32 lets the reads of several accounts overlap. Measured in
 * `npm run bench -- --parallel 32` (README, Performance): a refresh of 220 resources over 24 accounts at 50 ms per
 * call takes 1.2× the engine's own time instead of 1.5×.
 */
export const defaultParallel = 32;

/**
 * `--run-program` makes the refresh use the stack's current configuration: without it, the engine reads with the
 * provider configuration stored at the last `up`, so after a credential rotation or a change of endpoint the check
 * would silently look at the old WeChat.
 */
export function previewArgs(options: DriftOptions): string[] {
  const parallel = String(options.parallel ?? defaultParallel);
  const stack = options.stack === undefined ? [] : ["--stack", options.stack];
  return ["preview", "--refresh", "--run-program", "--expect-no-changes", "--json", "--non-interactive", ...stack, "--parallel", parallel];
}

function run(options: DriftOptions, args: string[], env: NodeJS.ProcessEnv): Promise<{ exit: number; stdout: string; stderr: string }> {
  const child = spawn(options.pulumi ?? "pulumi", args, { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ exit: code ?? 1, stdout, stderr }));
  });
}

/** The selected stack's name, for the report; fails with the CLI's words when no stack is selected. */
async function selectedStack(options: DriftOptions, env: NodeJS.ProcessEnv): Promise<string | { failed: string }> {
  const { exit, stdout, stderr } = await run(options, ["stack", "--show-name", "--non-interactive"], env);
  return exit === 0 && stdout.trim() ? stdout.trim() : { failed: `${stderr.trim() || stdout.trim()}\nSelect a stack with \`pulumi stack select\`, or pass --stack.` };
}

function section(title: string, lines: string[]): string {
  return `${title}\n${lines.map((line) => `  - ${line}`).join("\n")}`;
}

export async function checkDrift(options: DriftOptions): Promise<{ code: number; output: string }> {
  const env = { ...(options.env ?? process.env), PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true" };
  const stack = options.stack ?? (await selectedStack(options, env));
  if (typeof stack !== "string") return { code: exitCodes.failed, output: `drift check failed: ${stack.failed}` };
  const { exit, stdout, stderr } = await run(options, previewArgs({ ...options, stack }), env);
  const events = EngineEvents.parse(stdout);
  const { drift, waiting } = report(events.resources());
  const parts: string[] = [];
  if (drift.length > 0) parts.push(section(`WeChat differs from stack ${stack}:`, drift));
  if (waiting.length > 0) parts.push(section("Waiting for people (not drift; `pulumi up --refresh` acts once they answer):", waiting));
  // Any error means some resource was not read: a clean or partial report would claim more than was checked.
  if (events.errors.length > 0 || (exit !== 0 && drift.length === 0)) {
    const reason = events.errors.join("\n") || stderr.trim() || `pulumi preview exited ${exit}`;
    return { code: exitCodes.failed, output: [`drift check failed (pulumi exited ${exit}):\n${reason}`, ...parts].join("\n") };
  }
  if (drift.length > 0) return { code: exitCodes.drift, output: parts.join("\n") };
  return { code: exitCodes.clean, output: [`no drift: WeChat matches stack ${stack}`, ...parts].join("\n") };
}

export const usage = `usage: pulumi-wechat-drift [--stack <name>] [--cwd <project dir>] [--parallel <n>]

Checks whether WeChat still matches a stack: runs \`pulumi preview --refresh --run-program\` and prints one line per
resource that differs, and the plugins and links that wait for a person.

  -s, --stack      the stack to check (default: the selected stack)
  -C, --cwd        the Pulumi project's directory (default: the current one)
  -p, --parallel   the engine's parallel reads (default ${defaultParallel})
  -h, --help       this text

Exit codes: 0 no drift, 2 drift found, 1 the check itself failed.`;

export type ParsedArgs = { options: DriftOptions } | { help: true } | { error: string };

export function parseArgs(argv: string[]): ParsedArgs {
  const options: DriftOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--help" || flag === "-h") return { help: true };
    const known = ["--stack", "-s", "--cwd", "-C", "--parallel", "-p"];
    if (!known.includes(flag)) return { error: `unknown argument ${JSON.stringify(flag)}` };
    const value = argv[++i];
    if (value === undefined || value.startsWith("-")) return { error: `${flag} needs a value` };
    if (flag === "--stack" || flag === "-s") options.stack = value;
    else if (flag === "--cwd" || flag === "-C") options.cwd = value;
    else {
      const n = Number(value);
      if (!/^[0-9]+$/.test(value) || n < 1) return { error: `${flag} must be a whole number ≥ 1, got ${JSON.stringify(value)}` };
      options.parallel = n;
    }
  }
  return { options };
}

if (require.main === module) {
  const parsed = parseArgs(process.argv.slice(2));
  if ("help" in parsed) {
    process.stdout.write(`${usage}\n`);
    process.exit(exitCodes.clean);
  }
  if ("error" in parsed) {
    process.stderr.write(`pulumi-wechat-drift: ${parsed.error}\n\n${usage}\n`);
    process.exit(exitCodes.failed);
  }
  checkDrift(parsed.options).then(
    ({ code, output }) => {
      process.stdout.write(`${output}\n`);
      process.exit(code);
    },
    (error: Error) => {
      process.stderr.write(`drift check failed: ${error.message}\n`);
      process.exit(exitCodes.failed);
    },
  );
}
