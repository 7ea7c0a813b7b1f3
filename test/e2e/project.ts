import { mkdirSync, writeFileSync } from "node:fs";
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

  drift() {
    return checkDrift({ stack: "test", cwd: this.dir, env: this.env });
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
