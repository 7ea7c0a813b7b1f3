import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";
import { checkDrift } from "../../cli/drift";
// @ts-expect-error: a plain ES module shared with the demo and the benchmark.
import { pulumi, pulumiEnv } from "../../scripts/pulumi-env.mjs";
import { refreshTokens, seed } from "../support/emulator";

export const passphrase = "e2e-passphrase";

/** What a test program declares: resource name → inputs. */
export interface Spec {
  plugins?: Record<string, Record<string, unknown>>;
  links?: Record<string, Record<string, unknown>>;
}

const program = `
const { MiniProgramPlugin, OfficialAccountLink } = require("pulumi-wechat");
const spec = require("./spec.json");
for (const [name, args] of Object.entries(spec.plugins || {})) new MiniProgramPlugin(name, args);
for (const [name, args] of Object.entries(spec.links || {})) new OfficialAccountLink(name, args);
`;

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let counter = 0;

/** A Pulumi project in the e2e workspace, with its own stack and local backend, run by the real CLI. */
export class Project {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;

  private constructor(name: string) {
    const { workspace } = inject("e2e");
    this.dir = join(workspace, "projects", `${name}-${process.pid}-${counter++}`);
    mkdirSync(this.dir, { recursive: true });
    this.env = pulumiEnv({ stateDir: join(this.dir, ".pulumi"), passphrase });
  }

  /** Third-party platform credentials as secrets, the emulator as endpoint. */
  static async create(name: string, endpoint: string, config: Record<string, string> = thirdPartyConfig()): Promise<Project> {
    const project = new Project(name);
    writeFileSync(join(project.dir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\n`);
    writeFileSync(join(project.dir, "index.js"), program);
    project.write({});
    await project.must(["stack", "init"]);
    const args = Object.entries({ "wechat:endpoint": endpoint, ...config }).flatMap(([key, value]) =>
      key === "wechat:endpoint" || key === "wechat:componentAppId" ? ["--plaintext", `${key}=${value}`] : ["--secret", `${key}=${value}`],
    );
    await project.must(["config", "set-all", ...args]);
    return project;
  }

  write(spec: Spec): void {
    writeFileSync(join(this.dir, "spec.json"), JSON.stringify(spec, null, 2));
  }

  run(args: string[]): Promise<Result> {
    return pulumi([...args, "--non-interactive", "--stack", "test"], { cwd: this.dir, env: this.env });
  }

  async must(args: string[]): Promise<Result> {
    const result = await this.run(args);
    if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
    return result;
  }

  up = (...extra: string[]) => this.must(["up", "--yes", "--skip-preview", ...extra]);
  destroy = () => this.must(["destroy", "--yes", "--skip-preview"]);

  drift(parallel?: number) {
    return checkDrift({ stack: "test", cwd: this.dir, env: this.env, parallel });
  }

  async exportState(): Promise<string> {
    return (await this.must(["stack", "export"])).stdout;
  }

  async resources(): Promise<Array<{ type: string; urn: string; id?: string; outputs?: Record<string, any>; inputs?: Record<string, any> }>> {
    return JSON.parse(await this.exportState()).deployment.resources ?? [];
  }
}

export function thirdPartyConfig(): Record<string, string> {
  return {
    "wechat:componentAppId": seed.component.appId,
    "wechat:componentAppSecret": seed.component.appSecret,
    "wechat:componentVerifyTicket": seed.component.verifyTicket,
    "wechat:authorizerRefreshTokens": JSON.stringify(refreshTokens()),
  };
}

/** A `pulumi` command left running, so that a test can kill it part-way, as a CI runner killing a job does. */
export interface RunningCommand {
  /** Resolves when the command ends, however it ends. */
  result: Promise<Result>;
  /** SIGKILL to the command and every process it started, then waits for it to end. */
  kill(): Promise<Result>;
}

export function startPulumi(project: Project, args: string[]): RunningCommand {
  const child = spawn("pulumi", [...args, "--non-interactive", "--stack", "test"], { cwd: project.dir, env: project.env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const result = new Promise<Result>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
  return {
    result,
    kill: () => {
      // Pulumi starts its language host and provider plugins in process groups of their own, so the whole tree is
      // collected first and killed at once, as a CI runner does when it stops a job.
      for (const pid of [child.pid!, ...descendants(child.pid!)]) {
        try {
          process.kill(pid, "SIGKILL");
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
        }
      }
      return result;
    },
  };
}

/** The processes below `root`, from the parent ids in /proc (Linux). */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command name, which is in parentheses and may hold spaces: state, then the parent id.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [pid, ppid] of parents) {
      if (ppid !== parent) continue;
      queue.push(pid);
      found.push(pid);
    }
  }
  return found;
}

/** Polls `condition` every `intervalMs` until it holds; fails after `timeoutMs`. */
export async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 60_000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Settings that are not secrets, in plaintext: Pulumi masks every occurrence of a secret's value in its output, "500" included. */
export async function setPlainConfig(project: Project, values: Record<string, string>): Promise<void> {
  await project.must(["config", "set-all", ...Object.entries(values).flatMap(([key, value]) => ["--plaintext", `${key}=${value}`])]);
}
