import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { StateFileError, startEmulator, type EmulatorErrorCode } from "../../emulator/index";
import { COFFEE, HARBOUR, LIVE_CHAT, REVIEWS, STORE_LOCATOR, expectError, expectOk, startHarness } from "./harness";

const freshDirectory = () => mkdtempSync(join(tmpdir(), "wechat-emulator-state-"));

/** What a refusal looks like to a caller: a StateFileError whose code says which kind of problem, whose message names the file. */
function refused(code: EmulatorErrorCode, message: RegExp) {
  return { name: "StateFileError", code, message: expect.stringMatching(message) };
}

describe("a state file", () => {
  it("keeps bindings, links, tokens and the clock across a restart", async () => {
    const stateFile = join(freshDirectory(), "world.json");
    const first = await startHarness({ stateFile });
    const coffee = await first.stableToken(COFFEE);
    expectOk(await first.post("/wxa/plugin", { action: "apply", plugin_appid: STORE_LOCATOR, reason: "maps" }, coffee));
    const harbour = await first.stableToken(HARBOUR);
    expectOk(await first.post("/cgi-bin/wxopen/wxamplink", { appid: COFFEE, notify_users: 1, show_profile: 1 }, harbour));
    await first.advance(3600);
    const before = await first.state();
    await first.close();

    const second = await startHarness({ stateFile });
    try {
      const after = await second.state();
      expect(after.bindings).toEqual(before.bindings);
      expect(after.links).toEqual(before.links);
      expect(Date.parse(after.now) - Date.parse(before.now)).toBeGreaterThanOrEqual(0);
      expect(Date.parse(after.now) - Date.now()).toBeGreaterThan(3500 * 1000);
      expectError(await second.post("/wxa/plugin", { action: "apply", plugin_appid: STORE_LOCATOR }, coffee), 89237);
    } finally {
      await second.close();
    }
  });

  it("keeps quota limits and today's counters across a restart", async () => {
    const stateFile = join(freshDirectory(), "world.json");
    const first = await startHarness({ stateFile });
    await first.client.setQuota({ appId: COFFEE, path: "/wxa/plugin", dailyLimit: 2 });
    const coffee = await first.stableToken(COFFEE);
    expectOk(await first.post("/wxa/plugin", { action: "list" }, coffee));
    await first.close();

    const second = await startHarness({ stateFile });
    try {
      const quota = await second.post("/cgi-bin/openapi/quota/get", { cgi_path: "/wxa/plugin" }, coffee);
      expect(quota.quota).toEqual({ daily_limit: 2, used: 1, remain: 1 });
      expectOk(await second.post("/wxa/plugin", { action: "list" }, coffee));
      expectError(await second.post("/wxa/plugin", { action: "list" }, coffee), 45009);
    } finally {
      await second.close();
    }
  });

  it("written by an earlier emulator (version 1, before quotas) loads as a world without quotas", async () => {
    const stateFile = join(freshDirectory(), "world.json");
    const binding = { appId: COFFEE, pluginAppId: LIVE_CHAT, status: 2, reason: "", appliedAt: Date.now() };
    writeFileSync(stateFile, JSON.stringify({ format: "pulumi-wechat-emulator-state", version: 1, clockOffsetMs: 0, bindings: [binding], links: [], tokens: [] }));
    const h = await startHarness({ stateFile });
    try {
      expect((await h.state()).bindings).toEqual([expect.objectContaining({ appId: COFFEE, pluginAppId: LIVE_CHAT, status: 2 })]);
      const quota = await h.post("/cgi-bin/openapi/quota/get", { cgi_path: "/wxa/plugin" }, await h.stableToken(COFFEE));
      expect(quota.quota).toEqual({ daily_limit: 10_000_000, used: 0, remain: 10_000_000 });
      expect(JSON.parse(readFileSync(stateFile, "utf8"))).toMatchObject({ version: 2, quotaLimits: [], quotaUse: [] });
    } finally {
      await h.close();
    }
  });

  it("starts from the seed when the file does not exist yet, and writes it", async () => {
    const stateFile = join(freshDirectory(), "new.json");
    const h = await startHarness({ stateFile });
    try {
      expect(JSON.parse(readFileSync(stateFile, "utf8"))).toMatchObject({ format: "pulumi-wechat-emulator-state", version: 2, bindings: [], quotaLimits: [], quotaUse: [] });
    } finally {
      await h.close();
    }
  });

  it("is replaced by rename on every change, so no reader ever sees half a write", async () => {
    const directory = freshDirectory();
    const stateFile = join(directory, "world.json");
    const h = await startHarness({ stateFile });
    try {
      const inode = statSync(stateFile).ino;
      const coffee = await h.stableToken(COFFEE);
      await Promise.all(
        [LIVE_CHAT, REVIEWS, STORE_LOCATOR].map((plugin) => h.post("/wxa/plugin", { action: "apply", plugin_appid: plugin }, coffee)),
      );
      // A new inode means the file was swapped in whole, not rewritten in place.
      expect(statSync(stateFile).ino).not.toBe(inode);
      expect(readdirSync(directory)).toEqual(["world.json"]);
      expect(JSON.parse(readFileSync(stateFile, "utf8")).bindings).toHaveLength(3);
    } finally {
      await h.close();
    }
  });

  it("answers a write only once it is on disk", async () => {
    const stateFile = join(freshDirectory(), "world.json");
    const h = await startHarness({ stateFile });
    try {
      const coffee = await h.stableToken(COFFEE);
      expectOk(await h.post("/wxa/plugin", { action: "apply", plugin_appid: LIVE_CHAT }, coffee));
      expect(JSON.parse(readFileSync(stateFile, "utf8")).bindings).toEqual([expect.objectContaining({ pluginAppId: LIVE_CHAT, status: 2 })]);
    } finally {
      await h.close();
    }
  });

  it("that is corrupt is refused at start with EMULATOR_STATE_INVALID", async () => {
    const stateFile = join(freshDirectory(), "world.json");
    writeFileSync(stateFile, '{"format": "pulumi-wechat-emulator-state", "bindi');
    const error: unknown = await startEmulator({ stateFile }).catch((error: unknown) => error);
    expect(error).toBeInstanceOf(StateFileError);
    expect(error).toMatchObject(refused("EMULATOR_STATE_INVALID", /^state file .*world\.json is not valid JSON/));
    writeFileSync(stateFile, '{"something": "else"}');
    await expect(startEmulator({ stateFile })).rejects.toMatchObject(refused("EMULATOR_STATE_INVALID", /world\.json is not a state file written by this emulator/));
  });

  it("whose clock lies past any valid date is refused at start with EMULATOR_STATE_INVALID rather than failing every call", async () => {
    const stateFile = join(freshDirectory(), "world.json");
    const document = { format: "pulumi-wechat-emulator-state", version: 1, clockOffsetMs: 1e23, bindings: [], links: [], tokens: [] };
    writeFileSync(stateFile, JSON.stringify(document));
    await expect(startEmulator({ stateFile })).rejects.toMatchObject(refused("EMULATOR_STATE_INVALID", /clock offset of 1e\+23 ms, outside 0 to 3153600000000/));
  });

  it("that cannot be read is refused at start with EMULATOR_STATE_UNREADABLE, and one that cannot be written with EMULATOR_STATE_UNWRITABLE", async () => {
    const directory = freshDirectory();
    await expect(startEmulator({ stateFile: directory })).rejects.toMatchObject(refused("EMULATOR_STATE_UNREADABLE", /^cannot read state file .*: EISDIR/));
    await expect(startEmulator({ stateFile: join(directory, "missing", "world.json") })).rejects.toMatchObject(
      refused("EMULATOR_STATE_UNWRITABLE", /^cannot write state file .*missing\/world\.json: ENOENT/),
    );
  });
});

const cli = resolve(__dirname, "../../dist/emulator/cli.js");

/** The compiled CLI as a user runs it; `npm test` builds dist/ first. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; firstLine: string }> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines = createInterface({ input: child.stdout });
  const firstLine = await new Promise<string>((resolveLine, reject) => {
    lines.once("line", resolveLine);
    child.once("exit", (code) => reject(new Error(`the CLI exited with ${code}`)));
  });
  return { child, url: firstLine.slice(firstLine.indexOf("http://")), firstLine };
}

const exitOf = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.once("exit", (code, signal) => resolveExit({ code, signal })),
  );

// The compiled CLI: `npm test` builds before running the tests.
describe("the pulumi-wechat-emulator command", () => {
  it("is built", () => expect(existsSync(cli), "run `npm run build` first").toBe(true));

  it("prints its base URL first and stops cleanly on SIGTERM", async () => {
    const { child, url, firstLine } = await startCli(["--port", "0"]);
    expect(firstLine).toMatch(/^WeChat emulator listening on http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/__emulator/health`)).status).toBe(200);
    const exited = exitOf(child);
    child.kill("SIGTERM");
    expect(await exited).toEqual({ code: 0, signal: null });
  });

  it("refuses a malformed seed file with a message naming the field", async () => {
    const seed = join(freshDirectory(), "seed.json");
    writeFileSync(seed, JSON.stringify({ miniPrograms: [{ appId: "wx1", secret: "s", username: "" }] }));
    const child = spawn(process.execPath, [cli, "--port", "0", "--seed", seed], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const { code } = await exitOf(child);
    expect(code).toBe(1);
    // Once, and without a stack trace: the message says everything.
    expect(stderr).toBe("cannot start the WeChat emulator: seed.miniPrograms[0].username must be a non-empty string\n");
  });

  it("leaves a readable state file when killed in the middle of a burst of writes", async () => {
    const stateFile = join(freshDirectory(), "world.json");
    const { child, url } = await startCli(["--port", "0", "--state", stateFile]);
    const token = async (appId: string, secret: string) => {
      const response = await fetch(`${url}/cgi-bin/stable_token`, {
        method: "POST",
        body: JSON.stringify({ grant_type: "client_credential", appid: appId, secret }),
      });
      return ((await response.json()) as { access_token: string }).access_token;
    };
    const coffee = await token(COFFEE, "mp-secret-coffee");
    const call = (action: string, plugin: string) =>
      fetch(`${url}/wxa/plugin?access_token=${coffee}`, { method: "POST", body: JSON.stringify({ action, plugin_appid: plugin }) }).catch(
        () => undefined,
      );
    let stop = false;
    const burst = Promise.all(
      [LIVE_CHAT, REVIEWS].map(async (plugin) => {
        while (!stop) {
          await call("apply", plugin);
          await call("unbind", plugin);
        }
      }),
    );
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 300));
    const exited = exitOf(child);
    child.kill("SIGKILL");
    expect((await exited).signal).toBe("SIGKILL");
    stop = true;
    await burst;

    expect(() => JSON.parse(readFileSync(stateFile, "utf8"))).not.toThrow();
    const restarted = await startCli(["--port", "0", "--state", stateFile]);
    try {
      const response = await fetch(`${restarted.url}/wxa/plugin?access_token=${coffee}`, { method: "POST", body: '{"action":"list"}' });
      expectOk((await response.json()) as Record<string, unknown>);
    } finally {
      const stopped = exitOf(restarted.child);
      restarted.child.kill("SIGTERM");
      await stopped;
    }
  });
});
