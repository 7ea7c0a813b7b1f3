// `npm run build:plugin`: the native provider plugin, `pulumi-resource-wechat`, as the tarball that
// `pulumi plugin install resource wechat <version> --file <tarball>` installs: build/pulumi-resource-wechat-v<version>-linux-<arch>.tar.gz.
// The tarball holds, at its root, a launcher script and one JavaScript file bundled by esbuild from
// provider/native/main.ts with everything it loads (the resources, the client, gRPC and Pulumi's protocol stubs), so the
// plugin needs nothing on the machine but Node 22 on PATH, and nothing from npm at run time.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { version, engines } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
// Pulumi names plugin platforms as Go does.
const arch = { x64: "amd64", arm64: "arm64" }[process.arch];
if (!arch) throw new Error(`no Pulumi plugin platform for ${process.arch}`);

const out = join(root, "build", "plugin");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(root, "provider/native/main.ts")],
  outfile: join(out, "pulumi-resource-wechat.js"),
  bundle: true,
  platform: "node",
  target: "node22",
  format: "cjs",
  // The package reads its own version by name; inside the bundle that is this checkout's manifest.
  alias: { "pulumi-wechat/package.json": join(root, "package.json") },
  legalComments: "linked",
  logLevel: "warning",
});

const minimum = engines.node.replace(/^>=\s*/, "");
const launcher = `#!/bin/sh
# pulumi-resource-wechat ${version}: the wechat native provider for Pulumi. Runs the bundled provider with the
# first node on PATH, which must be Node.js ${minimum} or later. The bundle is beside the launcher's real file, which
# may be reached through a link on PATH.
here=$(dirname "$(readlink -f "$0")")
if ! command -v node >/dev/null 2>&1; then
  echo "pulumi-resource-wechat: no node on PATH; install Node.js ${minimum} or later" >&2
  exit 1
fi
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); const [c, d] = "${minimum}".split(".").map(Number); process.exit(a > c || (a === c && b >= d) ? 0 : 1)'; then
  echo "pulumi-resource-wechat: node on PATH is $(node --version); the provider needs Node.js ${minimum} or later" >&2
  exit 1
fi
exec node "$here/pulumi-resource-wechat.js" "$@"
`;
writeFileSync(join(out, "pulumi-resource-wechat"), launcher);
chmodSync(join(out, "pulumi-resource-wechat"), 0o755);

const tarball = join(root, "build", `pulumi-resource-wechat-v${version}-linux-${arch}.tar.gz`);
execFileSync("tar", ["-czf", tarball, "-C", out, "."]);
process.stdout.write(`${tarball}\n`);
