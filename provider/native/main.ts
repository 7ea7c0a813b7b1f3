#!/usr/bin/env node
/**
 * The native provider plugin's entry point, `pulumi-resource-wechat` (scripts/build-plugin.mjs bundles it with a
 * launcher). The engine starts it with its own address as the one argument that is not a flag, reads the port from
 * the first line of stdout, and stops the process when the run ends.
 */
import { serve } from "./server";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the package's own manifest, bundled into the plugin
const { version } = require("pulumi-wechat/package.json") as { version: string };

// The engine's address is the last argument: flags come first, some with values (`--tracing <address>`).
const engine = process.argv.slice(2).filter((arg) => !arg.startsWith("-")).pop();

// The port is the one line the engine reads from the plugin's stdout.
serve(version, engine).then(
  ({ port }) => process.stdout.write(`${port}\n`),
  (error: unknown) => {
    process.stderr.write(`pulumi-resource-wechat: cannot serve: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
