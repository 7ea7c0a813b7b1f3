import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { FleetError } from "./errors";

/**
 * What a fleet whose spec says `provider: native` needs before anything runs: the wechat provider plugin of the
 * runner's version, where the engine looks for it (the plugin cache of PULUMI_HOME, or `pulumi-resource-wechat` on
 * PATH). Without it every stack would fail the same way, one by one.
 */
export async function requireNativePlugin(env: NodeJS.ProcessEnv): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the runner's own manifest (the package refers to itself)
  const { version } = require("pulumi-wechat/package.json") as { version: string };
  if (await onPath("pulumi-resource-wechat", env.PATH ?? "")) return;
  const { stdout } = await promisify(execFile)("pulumi", ["plugin", "ls", "--json"], { env, maxBuffer: 64 * 1024 * 1024 }).catch((error: Error & { stderr?: string }) => {
    throw new FleetError("FLEET_PULUMI_FAILED", `\`pulumi plugin ls\`, to find the wechat provider plugin the spec's provider: native needs, failed: ${(error.stderr ?? error.message).trim()}`);
  });
  const plugins = JSON.parse(stdout || "[]") as Array<{ name: string; kind: string; version: string }>;
  if (plugins.some((p) => p.kind === "resource" && p.name === "wechat" && p.version === version)) return;
  const others = plugins.filter((p) => p.kind === "resource" && p.name === "wechat").map((p) => p.version);
  throw new FleetError(
    "FLEET_PLUGIN_MISSING",
    `the spec says provider: native, and the wechat provider plugin ${version} (this runner's version) is not installed` +
      `${others.length > 0 ? ` (installed: ${others.join(", ")})` : ""}; nothing ran. Install it: \`npm run build:plugin\` in pulumi-wechat's ` +
      `repository, then \`pulumi plugin install resource wechat ${version} --file build/pulumi-resource-wechat-v${version}-linux-<arch>.tar.gz\` (see docs/native.md)`,
  );
}

async function onPath(file: string, path: string): Promise<boolean> {
  for (const folder of path.split(delimiter).filter(Boolean)) {
    if (await access(join(folder, file), constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}
