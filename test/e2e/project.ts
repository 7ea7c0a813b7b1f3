import { join } from "node:path";
import { inject } from "vitest";
import { checkDrift } from "../../cli/drift";
import { installPackage, pulumiEnv, PulumiStack, specProgram, writeProgram, writeSpec, type Spec, type StateResource } from "../../scripts/pulumi-project.mjs";
import { refreshTokens, seed } from "../support/emulator";

export type { Deployment, Result, Spec, StateResource } from "../../scripts/pulumi-project.mjs";

export const passphrase = "e2e-passphrase";

let counter = 0;

/** A Pulumi project in the e2e workspace, with its own stack `test` and local backend, run by the real CLI. */
export class Project extends PulumiStack {
  private constructor(dir: string) {
    super({ dir, stack: "test", env: pulumiEnv({ stateDir: join(dir, ".pulumi"), passphrase }) });
  }

  /**
   * Third-party platform credentials as secrets, the emulator as endpoint. The program uses the package installed in
   * the workspace, unless `pulumiVersion` asks for a project of its own with that `@pulumi/pulumi` (and `source`
   * replaces the spec program).
   */
  static async create(
    name: string,
    endpoint: string,
    config: Record<string, string> = thirdPartyConfig(),
    options: { pulumiVersion?: string; source?: string } = {},
  ): Promise<Project> {
    const { workspace, tarball } = inject("e2e");
    const project = new Project(join(workspace, "projects", `${name}-${process.pid}-${counter++}`));
    writeProgram(project.dir, { name, source: options.source ?? specProgram });
    if (options.pulumiVersion) installPackage(project.dir, { tarball, pulumiVersion: options.pulumiVersion });
    await project.init({ "wechat:endpoint": endpoint, ...config });
    return project;
  }

  write(spec: Spec): void {
    writeSpec(this.dir, spec);
  }

  up = (...extra: string[]) => this.must(["up", "--yes", "--skip-preview", ...extra]);
  destroy = () => this.must(["destroy", "--yes", "--skip-preview"]);

  drift(parallel?: number) {
    return checkDrift({ stack: this.stack, cwd: this.dir, env: this.env, parallel });
  }

  async exportState(): Promise<string> {
    return (await this.must(["stack", "export"])).stdout;
  }

  async resources(): Promise<StateResource[]> {
    return (await this.deployment()).resources ?? [];
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

/** Polls `condition` every `intervalMs` until it holds; fails after `timeoutMs`. */
export async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 60_000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
