#!/usr/bin/env node
import { spawn } from "node:child_process";

/**
 * `pulumi-wechat-drift --stack <name> [--cwd <dir>] [--parallel <n>]`: does WeChat still match the program?
 * Runs `pulumi preview --refresh --expect-no-changes --json --parallel <n>` and prints one line per resource that
 * differs.
 * Exit codes: 0 no drift, 2 drift found, 1 the check itself failed (the CLI's own message is printed).
 * It decides from the preview's JSON, not the CLI's exit code, which differs between CLI versions (7 vs 255).
 */

export const exitCodes = { clean: 0, failed: 1, drift: 2 } as const;

interface Step {
  op: string;
  urn: string;
  oldState?: { outputs?: Record<string, unknown>; inputs?: Record<string, unknown> };
  newState?: { outputs?: Record<string, unknown>; inputs?: Record<string, unknown> };
  replaceReasons?: string[];
  diffReasons?: string[];
}

interface Preview {
  steps?: Step[];
  diagnostics?: Array<{ severity?: string; message?: string }>;
}

export interface DriftReport {
  drifted: boolean;
  lines: string[];
}

const unchanged = new Set(["same", "refresh", "read"]);

export function report(preview: Preview): DriftReport {
  const lines: string[] = [];
  for (const step of preview.steps ?? []) {
    if (unchanged.has(step.op) || step.op === "delete-replaced" || step.op === "create-replacement") continue;
    if (step.urn.endsWith("::")) continue;
    lines.push(describeStep(step));
  }
  return { drifted: lines.length > 0, lines };
}

function describeStep(step: Step): string {
  const type = step.urn.split("::")[2] ?? "";
  const name = step.urn.split("::").pop();
  const old = step.oldState?.outputs ?? {};
  const declared = step.newState?.inputs ?? step.newState?.outputs ?? {};
  const field = (key: string) => String(declared[key] ?? old[key] ?? "?");
  if (type.endsWith(":MiniProgramPlugin")) {
    const what = `plugin ${field("pluginAppId")} on mini program ${field("appId")} (${name})`;
    switch (step.op) {
      case "create":
        return `${what}: not bound at WeChat (unbound outside Pulumi, or never applied); \`pulumi up\` applies for it`;
      case "replace":
        if (old.status === "rejected") return `${what}: the plugin developer rejected the application; \`pulumi up\` unbinds it and applies again`;
        if (old.status === "expired") return `${what}: the application expired unanswered; \`pulumi up\` unbinds it and applies again`;
        return `${what}: ${reasons(step)} changed; \`pulumi up\` replaces it`;
      case "update":
        return `${what}: version ${field("version")} is not applied (applied: ${String(old.appliedVersion ?? "none")}, status ${String(old.status ?? "?")}); \`pulumi up\` applies it once approved`;
      case "delete":
        return `${what}: no longer declared; \`pulumi up\` unbinds it`;
    }
  }
  if (type.endsWith(":OfficialAccountLink")) {
    const what = `link from official account ${field("officialAccountAppId")} to mini program ${field("miniProgramAppId")} (${name})`;
    switch (step.op) {
      case "create":
        return `${what}: not linked at WeChat (removed outside Pulumi, or never made); \`pulumi up\` sends the invitation`;
      case "replace":
        if (old.status === "rejected") return `${what}: the mini program's admin rejected the invitation; \`pulumi up\` invites again`;
        return `${what}: ${reasons(step)} changed; \`pulumi up\` unlinks and links again`;
      case "delete":
        return `${what}: no longer declared; \`pulumi up\` unlinks it`;
    }
  }
  return `${name}: ${step.op}${step.diffReasons?.length ? ` (${reasons(step)})` : ""}`;
}

function reasons(step: Step): string {
  return [...new Set([...(step.replaceReasons ?? []), ...(step.diffReasons ?? [])])].join(", ") || "its inputs";
}

export interface DriftOptions {
  stack: string;
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

export function previewArgs(options: DriftOptions): string[] {
  const parallel = String(options.parallel ?? defaultParallel);
  return ["preview", "--refresh", "--expect-no-changes", "--json", "--non-interactive", "--stack", options.stack, "--parallel", parallel];
}

export async function checkDrift(options: DriftOptions): Promise<{ code: number; output: string }> {
  const child = spawn(options.pulumi ?? "pulumi", previewArgs(options), { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exit = await new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
  let preview: Preview;
  try {
    preview = JSON.parse(stdout) as Preview;
  } catch {
    return { code: exitCodes.failed, output: `drift check failed: pulumi preview exited ${exit}\n${stderr.trim()}` };
  }
  const errors = (preview.diagnostics ?? []).filter((d) => d.severity === "error").map((d) => (d.message ?? "").trim());
  const { drifted, lines } = report(preview);
  if (drifted) return { code: exitCodes.drift, output: `WeChat differs from stack ${options.stack}:\n${lines.map((l) => `  - ${l}`).join("\n")}` };
  if (exit !== 0 || errors.length > 0) {
    return { code: exitCodes.failed, output: `drift check failed (pulumi exited ${exit}):\n${errors.join("\n") || stderr.trim()}` };
  }
  return { code: exitCodes.clean, output: `no drift: WeChat matches stack ${options.stack}` };
}

/** The command line's options, or undefined when it is not a valid one (the usage is printed). */
export function parseArgs(argv: string[]): DriftOptions | undefined {
  const options: Partial<DriftOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--stack" || argv[i] === "-s") options.stack = argv[++i];
    else if (argv[i] === "--cwd" || argv[i] === "-C") options.cwd = argv[++i];
    else if (argv[i] === "--parallel" || argv[i] === "-p") {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) return undefined;
      options.parallel = n;
    } else return undefined;
  }
  return options.stack ? (options as DriftOptions) : undefined;
}

if (require.main === module) {
  const options = parseArgs(process.argv.slice(2));
  if (!options) {
    process.stderr.write(`usage: pulumi-wechat-drift --stack <name> [--cwd <project dir>] [--parallel <n>, default ${defaultParallel}]\n`);
    process.exit(exitCodes.failed);
  }
  checkDrift(options).then(
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
