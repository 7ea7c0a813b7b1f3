import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";
import { stringify } from "yaml";
import { pulumiEnv, PulumiStack, repoRoot, startPulumi } from "../../scripts/pulumi-project.mjs";
import { passphrase, thirdPartyConfig, type Deployment } from "./project";

/** A resource of a Pulumi YAML program: `type` is the native provider's, e.g. `wechat:MiniProgramPlugin`. */
export interface YamlResource {
  type: string;
  properties: Record<string, unknown>;
  options?: Record<string, unknown>;
}

let counter = 0;

export const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;

/**
 * A Pulumi YAML project run by the real CLI and Pulumi's YAML language host, with the native provider plugin
 * installed from its tarball into the project's own Pulumi home, as `pulumi plugin install --file` installs it.
 */
export class YamlProject extends PulumiStack {
  private constructor(
    dir: string,
    private readonly name: string,
  ) {
    super({ dir, stack: "test", env: pulumiEnv({ stateDir: join(dir, ".pulumi"), passphrase }) });
  }

  static async create(name: string, endpoint: string, resources: Record<string, YamlResource> = {}, config: Record<string, string> = thirdPartyConfig()): Promise<YamlProject> {
    const { workspace, plugin } = inject("e2e");
    const project = new YamlProject(join(workspace, "projects", `${name}-${process.pid}-${counter++}`), name);
    mkdirSync(project.dir, { recursive: true });
    project.write(resources);
    const installed = await startPulumi(["plugin", "install", "resource", "wechat", version, "--file", plugin], { cwd: project.dir, env: project.env }).result;
    if (installed.code !== 0) throw new Error(`pulumi plugin install --file ${plugin} exited ${installed.code}:\n${installed.stderr}`);
    await project.init({ "wechat:endpoint": endpoint, ...config });
    return project;
  }

  /** Writes Pulumi.yaml with these resources, and `outputs` if given. */
  write(resources: Record<string, YamlResource>, outputs?: Record<string, string>): void {
    writeFileSync(join(this.dir, "Pulumi.yaml"), stringify({ name: this.name, runtime: "yaml", resources, ...(outputs ? { outputs } : {}) }));
  }

  up = (...extra: string[]) => this.must(["up", "--yes", "--skip-preview", ...extra]);

  async deployment(): Promise<Deployment> {
    return (JSON.parse((await this.must(["stack", "export"])).stdout) as { deployment: Deployment }).deployment;
  }
}
