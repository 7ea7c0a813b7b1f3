#!/usr/bin/env node
import { spawn } from "node:child_process";
import { EngineEvents } from "../drift/engine-events";
import { defaultParallel, exitCodes, report } from "../drift/report";

/**
 * `pulumi-wechat-drift [--stack <name>] [--cwd <dir>] [--parallel <n>]`: does WeChat still match the program?
 * Runs `pulumi preview --refresh --run-program --json` and prints one line per resource that differs, and apart
 * from them the resources that wait for a person and the plugins kept refused (not drift: `up` does not act on them).
 * Exit codes: 0 no drift, 2 drift found, 1 the check itself failed (the CLI's own message is printed).
 * It decides from the engine's events, not the CLI's exit code, which differs between CLI versions (7 vs 255).
 */

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
  const { drift, waiting, kept } = report(events.resources());
  const parts: string[] = [];
  if (drift.length > 0) parts.push(section(`WeChat differs from stack ${stack}:`, drift));
  if (waiting.length > 0) parts.push(section("Waiting for people (not drift; `pulumi up --refresh --run-program` acts once they answer):", waiting));
  if (kept.length > 0) parts.push(section("Kept as refused (not drift; `pulumi up` leaves them):", kept));
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
