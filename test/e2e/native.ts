import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";
import { stringify } from "yaml";
import { installPlugin, pulumiEnv, PulumiStack, repoRoot } from "../../scripts/pulumi-project.mjs";
import { passphrase, thirdPartyConfig } from "./project";

let counter = 0;

/**
 * A Pulumi project of the native provider, run by the real CLI with the plugin installed from its tarball into the
 * project's own Pulumi home, as `pulumi plugin install --file` installs it.
 */
export class NativeProject extends PulumiStack {
  protected constructor(dir: string) {
    super({ dir, stack: "test", env: pulumiEnv({ stateDir: join(dir, ".pulumi"), passphrase }) });
  }

  /** A TypeScript-world project: `index.js` (`source`) in `parent/<name>-…`, whose node_modules the program uses. */
  static async inFolder(parent: string, name: string, source: string, endpoint: string, config: Record<string, string> = thirdPartyConfig()): Promise<NativeProject> {
    const project = new NativeProject(join(parent, `${name}-${process.pid}-${counter++}`));
    mkdirSync(project.dir, { recursive: true });
    writeFileSync(join(project.dir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\n`);
    project.program(source);
    await project.setUp(endpoint, config);
    return project;
  }

  program(source: string): void {
    writeFileSync(join(this.dir, "index.js"), source);
  }

  protected async setUp(endpoint: string, config: Record<string, string>): Promise<void> {
    await installPlugin(inject("e2e").plugin, { cwd: this.dir, env: this.env });
    await this.init({ "wechat:endpoint": endpoint, ...config });
  }

  up = (...extra: string[]) => this.must(["up", "--yes", "--skip-preview", ...extra]);
}

/** A resource of a Pulumi YAML program: `type` is the native provider's, e.g. `wechat:MiniProgramPlugin`. */
export interface YamlResource {
  type: string;
  properties: Record<string, unknown>;
  options?: Record<string, unknown>;
}

export const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;

/** A Pulumi YAML project, run by Pulumi's YAML language host. */
export class YamlProject extends NativeProject {
  private constructor(
    dir: string,
    private readonly name: string,
  ) {
    super(dir);
  }

  static async create(name: string, endpoint: string, resources: Record<string, YamlResource> = {}, config: Record<string, string> = thirdPartyConfig()): Promise<YamlProject> {
    const { workspace } = inject("e2e");
    const project = new YamlProject(join(workspace, "projects", `${name}-${process.pid}-${counter++}`), name);
    mkdirSync(project.dir, { recursive: true });
    project.write(resources);
    await project.setUp(endpoint, config);
    return project;
  }

  /** Writes Pulumi.yaml with these resources. */
  write(resources: Record<string, YamlResource>): void {
    writeFileSync(join(this.dir, "Pulumi.yaml"), stringify({ name: this.name, runtime: "yaml", resources }));
  }
}
