import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
// @ts-expect-error: a plain ES module shared with the demo and the benchmark.
import { ensurePulumi, repoRoot } from "../../scripts/pulumi-env.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    e2e: { binDir: string; workspace: string };
  }
}

/**
 * Once per run: the Pulumi CLI, and a workspace whose node_modules holds this package installed from its
 * `npm pack` tarball, exactly as a user installs it. Every test project is a folder inside that workspace.
 */
export default function setup(project: TestProject) {
  const binDir = ensurePulumi();
  const workspace = mkdtempSync(join(tmpdir(), "pulumi-wechat-e2e-"));
  const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", workspace], { cwd: repoRoot, encoding: "utf8" }).trim().split("\n").pop()!;
  const pulumiVersion = JSON.parse(readFileSync(join(repoRoot, "node_modules/@pulumi/pulumi/package.json"), "utf8")).version;
  writeFileSync(
    join(workspace, "package.json"),
    JSON.stringify({ name: "e2e-workspace", private: true, dependencies: { "pulumi-wechat": `file:./${tarball}`, "@pulumi/pulumi": pulumiVersion } }),
  );
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: workspace, stdio: "inherit" });
  mkdirSync(join(workspace, "projects"));
  project.provide("e2e", { binDir, workspace });
}
