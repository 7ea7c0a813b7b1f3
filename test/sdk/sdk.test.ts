// The SDKs in sdk/, generated from schema.json by scripts/gen-sdk.sh (npm run gen:sdk) with Pulumi's own code generator:
// they are exactly what the generator writes today, and each one that this machine can build is built against Pulumi's
// SDK for its language and run under Pulumi's mocks, which record what the engine would be asked to register. A Pulumi
// program in Go, Python or .NET cannot run here (the Go module proxy refuses their language hosts), so the mocks are as
// far as a program gets; the .NET SDK is only generated (no .NET SDK on these machines).
//
// The first run on a machine builds the code generator (about a minute once the Pulumi CLI's build is in Go's cache),
// compiles the Pulumi Go SDK and fills pip's cache with the `pulumi` package from PyPI. The three languages run at once.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(__dirname, "../..");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };

let tmp: string;
/** The SDKs generated afresh from the committed schema.json. */
let generated: string;

async function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(command, args, { cwd: options.cwd ?? root, env: options.env ?? process.env, encoding: "utf8", maxBuffer: 64 << 20 });
    return stdout;
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed:\n${stdout}${stderr}`, { cause: error });
  }
}

/** Every file below dir, as paths relative to it. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** What the check programs print: each WeChat resource the SDK asked to register. */
type Registered = { type: string; name: string; inputs: Record<string, unknown>; version?: string };

/** The same two resources, declared in each language's program below. */
const expected: Registered[] = [
  {
    type: "wechat:index:MiniProgramPlugin",
    name: "maps",
    inputs: { appId: "wxc0ffee0000000001", pluginAppId: "wx1000000000000001", version: "2.2.46", reason: "store locator" },
  },
  {
    type: "wechat:index:OfficialAccountLink",
    name: "shop",
    inputs: { officialAccountAppId: "wx0a00000000000001", miniProgramAppId: "wxc0ffee0000000001", notifyUsers: true },
  },
];

function registered(stdout: string): Registered[] {
  const lines = stdout.trim().split("\n");
  return (JSON.parse(lines[lines.length - 1]) as Registered[]).sort((a, b) => a.type.localeCompare(b.type));
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "pulumi-wechat-sdk-"));
  generated = join(tmp, "generated");
  await run("bash", [join(root, "scripts", "gen-sdk.sh"), "--out", generated]);
}, 1_200_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("sdk/", () => {
  it("is exactly what scripts/gen-sdk.sh generates from schema.json", async () => {
    // The committed SDKs as the work tree has them, without what builds leave behind (each SDK's .gitignore).
    const committed = (await run("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", "sdk"]))
      .split("\n")
      .filter(Boolean)
      .map((path) => relative("sdk", path))
      .sort();
    expect(committed, "files in sdk/ (run npm run gen:sdk and commit sdk/)").toEqual(files(generated));
    for (const path of committed) {
      expect(readFileSync(join(root, "sdk", path)).equals(readFileSync(join(generated, path))), `sdk/${path} differs from what npm run gen:sdk writes`).toBe(true);
    }
  });

  it("carries package.json's version in each language, so its resources ask for the provider plugin of that version", () => {
    for (const path of ["go/wechat/pulumi-plugin.json", "python/pulumi_wechat/pulumi-plugin.json", "dotnet/pulumi-plugin.json"]) {
      expect(JSON.parse(readFileSync(join(generated, path), "utf8")), path).toEqual({ resource: true, name: "wechat", version });
    }
    expect(JSON.parse(readFileSync(join(generated, "nodejs/package.json"), "utf8"))).toMatchObject({ name: "@pulumi-wechat/wechat", version, pulumi: { resource: true, name: "wechat" } });
    expect(readFileSync(join(generated, "python/pyproject.toml"), "utf8")).toContain(`version = "${version}"`);
    expect(readFileSync(join(generated, "dotnet/PulumiWechat.Wechat.csproj"), "utf8")).toContain(`<Version>${version}</Version>`);
  });
});

describe("the Go SDK", () => {
  it.concurrent("builds and vets against the Pulumi Go SDK with its own go.mod and go.sum, and registers both resources", async ({ expect }) => {
    const dir = join(tmp, "go");
    cpSync(join(generated, "go"), dir, { recursive: true });
    // -mod=readonly: go.sum must already hold every module the build needs, as it will for a user's go build.
    const env = { ...process.env, GOFLAGS: "-mod=readonly -buildvcs=false" };
    await run("go", ["build", "./..."], { cwd: dir, env });
    await run("go", ["vet", "./..."], { cwd: dir, env });

    mkdirSync(join(dir, "sdkcheck"));
    writeFileSync(join(dir, "sdkcheck", "main.go"), goProgram);
    const stdout = await run("go", ["run", "./sdkcheck"], { cwd: dir, env });
    const seen = registered(stdout);
    expect(seen.map(({ version: _version, ...rest }) => rest)).toEqual(expected);
    expect(seen.map((r) => r.version)).toEqual([version, version]);
  });
});

describe("the Python SDK", () => {
  it.concurrent("installs with pip (pulumi from PyPI) into a fresh virtual environment, imports, and registers both resources", async ({ expect }) => {
    const venv = join(tmp, "venv");
    await run("python3", ["-m", "venv", venv]);
    const python = join(venv, "bin", "python");
    await run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", join(generated, "python")]);
    const imported = await run(python, ["-c", "import pulumi_wechat as w; print(w.MiniProgramPlugin.__name__, w.OfficialAccountLink.__name__, w.Provider.__name__)"]);
    expect(imported.trim()).toBe("MiniProgramPlugin OfficialAccountLink Provider");
    writeFileSync(join(tmp, "check.py"), pythonProgram);
    expect(registered(await run(python, [join(tmp, "check.py")]))).toEqual(expected);
  });
});

describe("the Node SDK", () => {
  it.concurrent("packs with the project's TypeScript (scripts/pack-sdk-nodejs.sh); a TypeScript program type-checks against it and registers both resources", async ({ expect }) => {
    const tarball = (await run("bash", [join(root, "scripts", "pack-sdk-nodejs.sh"), join(tmp, "pack")])).trim().split("\n").pop() ?? "";
    // A program with the tarball unpacked where npm install would put it, and the project's @pulumi/pulumi beside
    // it (linked: one copy, resolved from the program's node_modules as in an installed program; no registry).
    const program = join(tmp, "program");
    const modules = join(program, "node_modules");
    mkdirSync(join(modules, "@pulumi-wechat"), { recursive: true });
    mkdirSync(join(modules, "@pulumi"));
    await run("tar", ["-xzf", tarball, "-C", join(modules, "@pulumi-wechat")]);
    cpSync(join(modules, "@pulumi-wechat", "package"), join(modules, "@pulumi-wechat", "wechat"), { recursive: true });
    rmSync(join(modules, "@pulumi-wechat", "package"), { recursive: true });
    symlinkSync(join(root, "node_modules", "@pulumi", "pulumi"), join(modules, "@pulumi", "pulumi"));
    writeFileSync(join(program, "package.json"), JSON.stringify({ name: "sdk-check", private: true }));
    writeFileSync(join(program, "index.ts"), nodeProgram);
    writeFileSync(
      join(program, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { target: "ES2022", module: "nodenext", moduleResolution: "nodenext", strict: true, types: [], outDir: "bin" }, files: ["index.ts"] }),
    );
    await run(join(root, "node_modules", ".bin", "tsc"), ["-p", program]);
    expect(registered(await run(process.execPath, [join(program, "bin", "index.js")], { cwd: program }))).toEqual(expected);
  });
});

const goProgram = `package main

import (
	"encoding/json"
	"os"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pulumi-wechat/pulumi-wechat/sdk/go/wechat"
)

type registered struct {
	Type    string         \`json:"type"\`
	Name    string         \`json:"name"\`
	Inputs  map[string]any \`json:"inputs"\`
	Version string         \`json:"version"\`
}

type mocks struct {
	mu   sync.Mutex
	seen []registered
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen = append(m.seen, registered{args.TypeToken, args.Name, args.Inputs.Mappable(), args.RegisterRPC.GetVersion()})
	return args.Name + "-id", args.Inputs, nil
}

func (m *mocks) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) { return resource.PropertyMap{}, nil }

func main() {
	m := &mocks{}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		plugin, err := wechat.NewMiniProgramPlugin(ctx, "maps", &wechat.MiniProgramPluginArgs{
			AppId: pulumi.String("wxc0ffee0000000001"), PluginAppId: pulumi.String("wx1000000000000001"),
			Version: pulumi.String("2.2.46"), Reason: pulumi.String("store locator"),
		})
		if err != nil {
			return err
		}
		link, err := wechat.NewOfficialAccountLink(ctx, "shop", &wechat.OfficialAccountLinkArgs{
			OfficialAccountAppId: pulumi.String("wx0a00000000000001"), MiniProgramAppId: pulumi.String("wxc0ffee0000000001"),
			NotifyUsers: pulumi.Bool(true),
		})
		if err != nil {
			return err
		}
		// The outputs are typed: a status is a string output.
		ctx.Export("statuses", pulumi.StringArray{plugin.Status, link.Status})
		return nil
	}, pulumi.WithMocks("project", "stack", m))
	if err != nil {
		panic(err)
	}
	wechatOnly := []registered{}
	for _, r := range m.seen {
		if r.Type == "wechat:index:MiniProgramPlugin" || r.Type == "wechat:index:OfficialAccountLink" {
			wechatOnly = append(wechatOnly, r)
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(wechatOnly); err != nil {
		panic(err)
	}
}
`;

const pythonProgram = `import json

import pulumi

seen = []


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        if args.typ.startswith("wechat:index:"):
            seen.append({"type": args.typ, "name": args.name, "inputs": args.inputs})
        return [args.name + "-id", args.inputs]

    def call(self, args):
        return {}


pulumi.runtime.set_mocks(Mocks(), preview=False)

import pulumi_wechat as wechat  # noqa: E402 (after the mocks, as Pulumi's testing guide does)


@pulumi.runtime.test
def declare():
    plugin = wechat.MiniProgramPlugin(
        "maps", app_id="wxc0ffee0000000001", plugin_app_id="wx1000000000000001", version="2.2.46", reason="store locator"
    )
    link = wechat.OfficialAccountLink(
        "shop", official_account_app_id="wx0a00000000000001", mini_program_app_id="wxc0ffee0000000001", notify_users=True
    )
    return pulumi.Output.all(plugin.urn, link.urn, plugin.status, link.status)


declare()
print(json.dumps(seen))
`;

const nodeProgram = `import * as pulumi from "@pulumi/pulumi";
import * as wechat from "@pulumi-wechat/wechat";

type Registered = { type: string; name: string; inputs: Record<string, unknown> };
const seen: Registered[] = [];

void pulumi.runtime.setMocks(
  {
    newResource: (args: pulumi.runtime.MockResourceArgs) => {
      if (args.type.startsWith("wechat:index:")) seen.push({ type: args.type, name: args.name, inputs: args.inputs });
      return { id: args.name + "-id", state: args.inputs };
    },
    call: () => ({}),
  },
  "project",
  "stack",
  false,
);

const plugin = new wechat.MiniProgramPlugin("maps", {
  appId: "wxc0ffee0000000001",
  pluginAppId: "wx1000000000000001",
  version: "2.2.46",
  reason: "store locator",
});
const link = new wechat.OfficialAccountLink("shop", {
  officialAccountAppId: "wx0a00000000000001",
  miniProgramAppId: "wxc0ffee0000000001",
  notifyUsers: true,
});
// The outputs are typed: a status is a string output.
const statuses: pulumi.Output<string>[] = [plugin.status, link.status];

pulumi.all([plugin.urn, link.urn, ...statuses]).apply(() => {
  console.log(JSON.stringify(seen));
});
`;
