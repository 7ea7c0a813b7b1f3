import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EngineEvents } from "../../drift/engine-events";
import { progressLine } from "../../fleet/progress";
import { defaultConcurrency, defaultShards, failure, resourcesPerShard, selectShards } from "../../fleet/runner";
import type { FleetSpec } from "../../fleet/spec";
import { type FleetStack, checkInstalled, program, resolveShards, stackEnvironment, stackIndex, workFolderName } from "../../fleet/workspace";

const appId = (n: number) => `wxc0${n.toString(16).padStart(14, "0")}`;

describe("--only I/N", () => {
  it("gives part I every N-th shard, starting at shard I - 1", () => {
    expect(selectShards(10, { index: 1, count: 3 })).toEqual([0, 3, 6, 9]);
    expect(selectShards(10, { index: 2, count: 3 })).toEqual([1, 4, 7]);
    expect(selectShards(10, { index: 3, count: 3 })).toEqual([2, 5, 8]);
    expect(selectShards(4)).toEqual([0, 1, 2, 3]);
  });

  it("covers every shard exactly once across the parts, whatever the counts", () => {
    for (const [shards, parts] of [[7, 3], [4, 4], [3, 5], [28, 4]]) {
      const all = Array.from({ length: parts }, (_, i) => selectShards(shards, { index: i + 1, count: parts })).flat();
      expect(all.sort((a, b) => a - b)).toEqual(selectShards(shards));
    }
  });
});

describe("the defaults", () => {
  it(`gives a new fleet one shard per ${resourcesPerShard} resources, at least one`, () => {
    const spec = (miniPrograms: number): FleetSpec => ({
      miniPrograms: Array.from({ length: miniPrograms }, (_, i) => ({ appId: appId(i), plugins: [{ pluginAppId: "wx1000000000000001" }, { pluginAppId: "wx1000000000000002" }] })),
      officialAccounts: [],
    });
    expect(defaultShards(spec(0))).toBe(1);
    expect(defaultShards(spec(125))).toBe(1);
    expect(defaultShards(spec(126))).toBe(2);
    expect(defaultShards(spec(3500))).toBe(28);
  });

  it("runs as many stacks at once as the machine has cores, at least 2", () => {
    expect(defaultConcurrency(1)).toBe(2);
    expect(defaultConcurrency(8)).toBe(8);
  });
});

describe("the fleet's stacks", () => {
  it("are <prefix>-<i>, with i written as shardStackName writes it", () => {
    expect(stackIndex("wechat-fleet-0", "wechat-fleet")).toBe(0);
    expect(stackIndex("wechat-fleet-12", "wechat-fleet")).toBe(12);
    for (const other of ["wechat-fleet-01", "wechat-fleet-", "wechat-fleet-x", "wechat-fleet-eu-1", "wechat-fleet", "other-1"]) expect(stackIndex(other, "wechat-fleet")).toBeUndefined();
    expect(stackIndex("wechat-fleet-eu-1", "wechat-fleet-eu")).toBe(1);
  });

  const stacks = (shards: number | undefined, ...indexes: number[]): FleetStack[] => indexes.map((index) => ({ name: `f-${index}`, index, shards }));

  it("run with --shards, else the count they record, else the default for a new fleet", () => {
    expect(resolveShards([], undefined, 3, "f.yaml")).toEqual({ shards: 3 });
    expect(resolveShards([], 5, 3, "f.yaml")).toEqual({ shards: 5 });
    expect(resolveShards(stacks(4, 0, 1, 2, 3), undefined, 9, "f.yaml")).toEqual({ shards: 4 });
    expect(resolveShards(stacks(4, 1, 3), 4, 9, "f.yaml")).toEqual({ shards: 4 });
    // Stacks a stopped run made but did not tag yet do not decide the count.
    expect(resolveShards(stacks(undefined, 0, 1), 4, 9, "f.yaml")).toEqual({ shards: 4 });
  });

  it("refuse another shard count than they record, saying how to reshard", () => {
    const refused = resolveShards(stacks(4, 0, 1, 2, 3), 3, 9, "fleet.yaml");
    expect(refused).toEqual({ error: expect.stringContaining("the fleet's stacks are sharded 4 ways, not 3") });
    expect(refused).toEqual({ error: expect.stringContaining("`pulumi-wechat-fleet reshard --spec fleet.yaml --from 4 --to 3`") });
    expect(resolveShards(stacks(4, 0, 1), 6, 9, "f.yaml")).toEqual({ error: expect.stringContaining("--from 4 --to 6") });
    // Untagged stacks beyond the count: their numbers tell it.
    expect(resolveShards(stacks(undefined, 0, 4), 3, 9, "f.yaml")).toEqual({ error: expect.stringContaining("--from 5 --to 3") });
  });

  it("refuse to run while they record different counts: a reshard did not finish", () => {
    const result = resolveShards([...stacks(4, 0, 1), ...stacks(3, 2)], undefined, 9, "f.yaml");
    expect(result).toEqual({ error: expect.stringContaining("record different shard counts: 3 (f-2) and 4 (f-0, f-1)") });
  });
});

describe("the working folder", () => {
  /** A folder with pulumi-wechat at `version` and @pulumi/pulumi installed, as npm lays them out. */
  function folderWith(version: string): string {
    const folder = mkdtempSync(join(tmpdir(), "fleet-folder-"));
    const install = (name: string, manifest: object, files: string[]) => {
      mkdirSync(join(folder, "node_modules", name), { recursive: true });
      writeFileSync(join(folder, "node_modules", name, "package.json"), JSON.stringify({ name, ...manifest }));
      for (const file of files) writeFileSync(join(folder, "node_modules", name, file), "");
    };
    install("pulumi-wechat", { version, exports: { "./fleet/program": "./program.js", "./package.json": "./package.json" } }, ["program.js"]);
    install("@pulumi/pulumi", { version: "3.270.0", main: "index.js" }, ["index.js"]);
    return folder;
  }
  const own = (JSON.parse(readFileSync(join(__dirname, "../../package.json"), "utf8")) as { version: string }).version;

  it("must hold this runner's version of pulumi-wechat, whose code the runner's plan stands for", () => {
    expect(() => checkInstalled(join(folderWith(own), workFolderName))).not.toThrow();
    const other = folderWith("0.0.1");
    expect(() => checkInstalled(join(other, workFolderName))).toThrow(
      `${other} has pulumi-wechat 0.0.1 installed, and this runner is ${own}: run the runner installed there (\`npx pulumi-wechat-fleet\`), or install pulumi-wechat ${own} there`,
    );
  });

  it("must have pulumi-wechat and @pulumi/pulumi installed", () => {
    const empty = mkdtempSync(join(tmpdir(), "fleet-folder-"));
    expect(() => checkInstalled(join(empty, workFolderName))).toThrow(`the fleet's program loads pulumi-wechat/fleet/program from ${empty}, where it is not installed`);
  });
});

describe("the stacks' environment", () => {
  const cwd = "/home/ci/fleet";
  const wechat = { endpoint: "https://api.weixin.qq.com", tokenUrl: "http://127.0.0.1:4000/token", tokenUrlSecret: "run-secret", requestTimeoutMs: 5000, maxAttempts: 3 };
  const runner = {
    WECHAT_COMPONENT_APP_SECRET: "platform-secret",
    WECHAT_AUTHORIZER_REFRESH_TOKENS: '{"wxc0ffee0000000001":"refresh"}',
    WECHAT_ACCESS_TOKENS: '{"wxc0ffee0000000001":"token"}',
    PATH: "/usr/bin",
  };

  it("carries none of the runner's credentials, only the endpoint and the token broker", () => {
    const env = stackEnvironment(runner, cwd, { wechat, program: { specPath: "fleet.yaml", shards: 4 } });
    expect(env).toMatchObject({
      WECHAT_COMPONENT_APP_SECRET: "",
      WECHAT_AUTHORIZER_REFRESH_TOKENS: "",
      WECHAT_ACCESS_TOKENS: "",
      WECHAT_ENDPOINT: wechat.endpoint,
      WECHAT_TOKEN_URL: wechat.tokenUrl,
      WECHAT_TOKEN_URL_SECRET: "run-secret",
      WECHAT_REQUEST_TIMEOUT_MS: "5000",
      WECHAT_MAX_ATTEMPTS: "3",
      PULUMI_WECHAT_FLEET_SPEC: "/home/ci/fleet/fleet.yaml",
      PULUMI_WECHAT_FLEET_SHARDS: "4",
    });
    expect(Object.values(env).join("\n")).not.toMatch(/platform-secret|refresh|"token"/);
    expect(env.PATH).toBeUndefined();
  });

  it("uses Pulumi's own backend and passphrase variables, else a file backend in .pulumi-state/ and an empty passphrase", () => {
    expect(stackEnvironment({}, cwd, {})).toMatchObject({ PULUMI_BACKEND_URL: "file:///home/ci/fleet/.pulumi-state", PULUMI_CONFIG_PASSPHRASE: "" });
    const given = stackEnvironment({ PULUMI_BACKEND_URL: "s3://bucket", PULUMI_CONFIG_PASSPHRASE_FILE: "/run/pass" }, cwd, {});
    expect(given.PULUMI_BACKEND_URL).toBeUndefined();
    expect(given.PULUMI_CONFIG_PASSPHRASE).toBeUndefined();
    expect(given.PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER).toBe("true");
  });

  it("passes WECHAT_ADOPT=true on, for the run after an interrupted one", () => {
    expect(stackEnvironment({ ...runner, WECHAT_ADOPT: "true" }, cwd, { wechat: { ...wechat, adopt: true } }).WECHAT_ADOPT).toBe("true");
    expect(stackEnvironment({ ...runner, WECHAT_ADOPT: "false" }, cwd, { wechat: { ...wechat, adopt: false } }).WECHAT_ADOPT).toBe("");
  });

  it("has the stacks' Node processes capture no stack frames, unless NODE_OPTIONS sets a limit of its own", () => {
    expect(stackEnvironment({}, cwd, {}).NODE_OPTIONS).toBe("--stack-trace-limit=0");
    expect(stackEnvironment({ NODE_OPTIONS: "--max-old-space-size=4096" }, cwd, {}).NODE_OPTIONS).toBe("--max-old-space-size=4096 --stack-trace-limit=0");
    expect(stackEnvironment({ NODE_OPTIONS: "--stack-trace-limit=20" }, cwd, {}).NODE_OPTIONS).toBeUndefined();
  });

  it("gives the program no spec and no WeChat settings for commands that run none", () => {
    const env = stackEnvironment(runner, cwd, {});
    expect(env.PULUMI_WECHAT_FLEET_SPEC).toBeUndefined();
    expect(env.WECHAT_TOKEN_URL).toBeUndefined();
  });

  it("the project's program is the package's own module (fleet/program.ts), not text of the runner's", () => {
    expect(program).toContain('require("pulumi-wechat/fleet/program").declareShard()');
  });
});

describe("a failed shard's message", () => {
  it("is the engine's error diagnostics when there are any", () => {
    const events = new EngineEvents();
    events.add({ diagnosticEvent: { severity: "error", message: "plugin apply for mini program wxc0ffee0000000001 failed: WeChat error 45009\n" } });
    events.add({ diagnosticEvent: { severity: "warning", message: "adopted" } });
    expect(failure(events, new Error("code: 255"))).toBe("plugin apply for mini program wxc0ffee0000000001 failed: WeChat error 45009");
  });

  it("is else the error lines of the command's output, or its last lines", () => {
    const commandError = new Error("code: 255\n stdout: Updating (x)\n stderr: error: the stack is currently locked by 1 lock(s)\nerror: the stack is currently locked by 1 lock(s)\n");
    expect(failure(new EngineEvents(), commandError)).toBe("error: the stack is currently locked by 1 lock(s)");
    expect(failure(new EngineEvents(), new Error("spawn pulumi ENOENT"))).toBe("spawn pulumi ENOENT");
  });
});

describe("the progress line", () => {
  it("says shards done, running and failed, resources changed, time and time left", () => {
    const state = { total: 8, done: 3, running: 2, failed: 1, changed: 41, elapsedSeconds: 80 };
    expect(progressLine(state, "changed")).toBe("shards 3/8 done, 2 running, 1 failed · 41 changed · 1 min 20 s · about 1 min 20 s left");
    expect(progressLine({ ...state, done: 0, failed: 0 }, "to change")).toBe("shards 0/8 done, 2 running, 0 failed · 41 to change · 1 min 20 s");
    expect(progressLine({ ...state, done: 8, running: 0, failed: 0 }, "changed")).toBe("shards 8/8 done, 0 running, 0 failed · 41 changed · 1 min 20 s");
  });
});
