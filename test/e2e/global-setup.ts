import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { buildPlugin, createWorkspace, ensurePulumi, ensurePulumiYaml } from "../../scripts/pulumi-project.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** `plugin`: the native provider's tarball, for `pulumi plugin install resource wechat <version> --file`. */
    e2e: { workspace: string; tarball: string; plugin: string };
  }
}

/**
 * Once per run: the Pulumi CLI and its YAML language host (built here if need be, before the test files start), the
 * native provider plugin's tarball, and a workspace whose
 * node_modules holds this package installed from its `npm pack` tarball, exactly as a user installs it. Every test
 * project is a folder inside that workspace, which goes when the run ends (a few hundred MB of packages and stacks).
 */
export default function setup(project: TestProject) {
  ensurePulumi();
  ensurePulumiYaml();
  const { dir: workspace, tarball, remove } = createWorkspace("pulumi-wechat-e2e-");
  mkdirSync(join(workspace, "projects"));
  project.provide("e2e", { workspace, tarball, plugin: buildPlugin() });
  return remove;
}
