import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EmulatorError, SeedError, startEmulator, type EmulatorErrorCode } from "../../emulator/index";
import { COFFEE, LIVE_CHAT, expectError, expectOk, seedWith, startHarness } from "./harness";

const directory = mkdtempSync(join(tmpdir(), "wechat-emulator-seed-"));

function seedFile(name: string, content: unknown): string {
  const path = join(directory, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

/** What a refusal looks like to a caller: a SeedError whose code says which kind of problem, whose message says where. */
function refused(code: EmulatorErrorCode, message: string | RegExp) {
  return { name: "SeedError", code, message: typeof message === "string" ? expect.stringContaining(message) : expect.stringMatching(message) };
}

describe("a malformed seed", () => {
  it("is refused with a message naming the field", async () => {
    const seed = seedWith((seed) => ((seed.miniPrograms[1] as { appId: unknown }).appId = 42));
    await expect(startEmulator({ seed })).rejects.toThrow("seed.miniPrograms[1].appId must be a non-empty string");
  });

  it("is refused with a SeedError whose code callers can switch on: EMULATOR_SEED_INVALID for what the seed says", async () => {
    const error: unknown = await startEmulator({ seed: seedWith((seed) => (seed.plugins![0].appId = COFFEE)) }).catch((error: unknown) => error);
    expect(error).toBeInstanceOf(SeedError);
    expect(error).toBeInstanceOf(EmulatorError);
    expect(error).toMatchObject(refused("EMULATOR_SEED_INVALID", "is already used by"));
    await expect(startEmulator({ seed: seedWith((seed) => Object.assign(seed, { plugin: [] })) })).rejects.toMatchObject(
      refused("EMULATOR_SEED_INVALID", "seed.plugin is not a known field"),
    );
    await expect(startEmulator({ seed: seedWith((seed) => (seed.quotas = { "/wxa/plugn": 1 })) })).rejects.toMatchObject(
      refused("EMULATOR_SEED_INVALID", "seed.quotas./wxa/plugn is not a WeChat path"),
    );
  });

  it("is refused when a field is misspelt rather than silently defaulted", async () => {
    const seed = seedWith((seed) => Object.assign(seed.miniPrograms[0], { grayrelease: true }));
    await expect(startEmulator({ seed })).rejects.toThrow("seed.miniPrograms[0].grayrelease is not a known field");
  });

  it("is refused for wrongly typed optional fields", async () => {
    await expect(startEmulator({ seed: seedWith((seed) => ((seed.plugins![2] as { requiresApproval: unknown }).requiresApproval = "yes")) })).rejects.toThrow(
      "seed.plugins[2].requiresApproval must be true or false",
    );
    await expect(startEmulator({ seed: seedWith((seed) => (seed.officialAccounts![0].linkLimit = -1)) })).rejects.toThrow(
      "seed.officialAccounts[0].linkLimit must be a whole number ≥ 0",
    );
  });

  it("is refused when two accounts share an app id", async () => {
    const seed = seedWith((seed) => (seed.plugins![0].appId = COFFEE));
    await expect(startEmulator({ seed })).rejects.toThrow(`seed.plugins[0].appId ${COFFEE} is already used by seed.miniPrograms[0].appId`);
  });

  it("is refused when a refresh token names an account the seed does not have", async () => {
    const seed = seedWith((seed) => (seed.component!.authorizerRefreshTokens = { wxnobody: "token" }));
    await expect(startEmulator({ seed })).rejects.toThrow("seed.component.authorizerRefreshTokens.wxnobody must name");
  });

  it("is refused from a file that is not JSON or that lacks miniPrograms (EMULATOR_SEED_INVALID), or that cannot be read (EMULATOR_SEED_UNREADABLE)", async () => {
    await expect(startEmulator({ seed: seedFile("broken.json", "{ miniPrograms: [") })).rejects.toMatchObject(
      refused("EMULATOR_SEED_INVALID", /broken\.json is not valid JSON/),
    );
    await expect(startEmulator({ seed: seedFile("empty.json", {}) })).rejects.toMatchObject(refused("EMULATOR_SEED_INVALID", "seed.miniPrograms must be an array"));
    await expect(startEmulator({ seed: join(directory, "missing.json") })).rejects.toMatchObject(
      refused("EMULATOR_SEED_UNREADABLE", /^cannot read seed file .*missing\.json: ENOENT/),
    );
    await expect(startEmulator({ seed: directory })).rejects.toMatchObject(refused("EMULATOR_SEED_UNREADABLE", /^cannot read seed file .*: EISDIR/));
  });
});

describe("a seed file", () => {
  it("declares the world, with defaults for the fields it leaves out", async () => {
    const path = seedFile("small.json", {
      miniPrograms: [{ appId: "wxaaaa000000000001", secret: "s1", username: "gh_aaaa00000001" }],
      plugins: [{ appId: "wxbbbb000000000001", secret: "s2", versions: [{ version: "1.0.0" }] }],
    });
    const h = await startHarness({ seed: path });
    try {
      const token = await h.post("/cgi-bin/stable_token", { grant_type: "client_credential", appid: "wxaaaa000000000001", secret: "s1" });
      expectOk(await h.post("/wxa/plugin", { action: "apply", plugin_appid: "wxbbbb000000000001" }, token.access_token));
      const list = await h.post("/wxa/plugin", { action: "list" }, token.access_token);
      // requiresApproval defaults to true; the nickname defaults to the app id.
      expect(list.plugin_list).toEqual([expect.objectContaining({ appid: "wxbbbb000000000001", status: 1, nickname: "wxbbbb000000000001" })]);
      expectError(await h.post("/wxa/plugin", { action: "apply", plugin_appid: LIVE_CHAT }, token.access_token), 89239);
    } finally {
      await h.close();
    }
  });
});
