import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useEmulator, refreshTokens, seed } from "../support/emulator";
import { platformTokens, RedisServer, seedWxJava, wxjavaKeys, type PlatformTokens } from "../support/redis";
import { Project, thirdPartyConfig, type Result, type Spec } from "./project";

/*
 * The platform's Redis as the token source, on the real Pulumi CLI: the provider process reads the tokens the
 * platform's servers keep (WxJava's and wechatpy's keys in a real redis-server, with a password), so a run asks WeChat
 * for none; what it lacks it fetches once and writes back for the next run.
 */

const emulator = useEmulator();
let redis: RedisServer;
const password = "e2e-redis-password-7f3a";
beforeAll(async () => {
  redis = await RedisServer.start({ password });
});
afterAll(() => redis?.stop());
beforeEach(() => redis.flush());

const component = seed.component.appId;
const oa = seed.officialAccount;
const accounts = [seed.coffee, seed.bakery, seed.books, oa];
const wxjava = wxjavaKeys(component);

const spec: Spec = {
  plugins: {
    chat: { appId: seed.coffee, pluginAppId: seed.liveChat },
    reviews: { appId: seed.bakery, pluginAppId: seed.reviews },
  },
  // No miniProgramUsername: the create looks it up with the platform's own token (api_get_authorizer_info).
  links: { coffee: { officialAccountAppId: oa, miniProgramAppId: seed.coffee } },
};

/** The platform's tokens for the program's accounts, as its servers hold them; the emulator's call log cleared after. */
async function tokensOfThePlatform(): Promise<PlatformTokens> {
  const all = refreshTokens();
  const tokens = await platformTokens(emulator.url, seed.component, Object.fromEntries(accounts.map((appId) => [appId, all[appId]])));
  await emulator.clearCalls();
  return tokens;
}

async function tokenCalls(): Promise<{ component: number; authorizer: number }> {
  const { counts } = await emulator.calls();
  return { component: counts["/cgi-bin/component/api_component_token"] ?? 0, authorizer: counts["/cgi-bin/component/api_authorizer_token"] ?? 0 };
}

/**
 * A project whose provider takes its tokens from the test's Redis, set as the README has a platform set it: the password
 * as a secret, the URL without it in plain text (as a secret, Pulumi would mask it in the messages that name the store).
 */
async function storeProject(name: string, store: Record<string, string> = {}): Promise<Project> {
  const project = await Project.create(name, emulator.url, { ...thirdPartyConfig(), "wechat:tokenStorePassword": password });
  await project.setConfig({ "wechat:tokenStore": redis.url, ...store }, { plaintext: true });
  return project;
}

const everything = (result: Result) => result.stdout + result.stderr;

function expectNoSecret(where: string, text: string, secrets: string[]): void {
  for (const secret of secrets) expect(text.includes(secret), `${where} contains ${secret}`).toBe(false);
}

describe("tokens from the platform's Redis, on the real CLI", () => {
  it("with WxJava's keys seeded, up, preview --refresh and destroy ask WeChat for no token, and leave no secret behind", async () => {
    const tokens = await tokensOfThePlatform();
    await seedWxJava(redis.client, component, tokens);
    const project = await storeProject("store-wxjava");
    project.write(spec);

    const up = await project.up();
    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 0 });
    expect((await emulator.state()).bindings).toHaveLength(2);
    expect((await emulator.calls()).counts["/cgi-bin/component/api_get_authorizer_info"]).toBe(1);

    await emulator.clearCalls();
    const refresh = await project.must(["preview", "--refresh", "--expect-no-changes"]);
    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 0 });
    expect((await emulator.calls()).counts["/wxa/plugin#list"]).toBe(2);

    const state = await project.exportState();
    await emulator.clearCalls();
    const destroy = await project.destroy();
    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 0 });
    expect((await emulator.state()).bindings).toEqual([]);

    // The platform's tokens are still the store's: the provider wrote nothing back.
    expect((await redis.client.sendCommand(["GET", wxjava.account(seed.coffee)])) as unknown).toBe(tokens.authorizers[seed.coffee]);
    const secrets = [password, tokens.component, ...Object.values(tokens.authorizers), seed.component.appSecret, ...Object.values(refreshTokens())];
    expectNoSecret("the state", state, secrets);
    for (const [where, result] of Object.entries({ up, refresh, destroy })) {
      expectNoSecret(`pulumi ${where}`, everything(result), secrets);
      // Pulumi masks secret config values in its output: nothing of ours needed it.
      expect(everything(result)).not.toContain("[secret]");
    }
  });

  it("fetches a token the store lacks once and writes it back, the next run reads it, and read-only mode fails naming the key", async () => {
    const tokens = await tokensOfThePlatform();
    delete tokens.authorizers[seed.coffee];
    await seedWxJava(redis.client, component, tokens);
    const project = await storeProject("store-writeback");
    project.write(spec);

    await project.up();
    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 1 });
    const ttl = Number(await redis.client.sendCommand(["TTL", wxjava.account(seed.coffee)]));
    expect(ttl).toBeGreaterThan(6900);
    expect(ttl).toBeLessThanOrEqual(7000);

    await emulator.clearCalls();
    await project.must(["preview", "--refresh", "--expect-no-changes"]);
    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 0 });

    await redis.client.sendCommand(["DEL", wxjava.account(seed.bakery)]);
    await project.setConfig({ "wechat:tokenStoreMode": "read-only" }, { plaintext: true });
    // --run-program: without it the refresh reads with the configuration stored at the last up (see the README).
    const failed = await project.run(["preview", "--refresh", "--run-program"]);
    expect(failed.code).not.toBe(0);
    // The resource that reports the failure may name itself after the account: `for mini program wx… (plugin wx…) failed`.
    const message = `failed: key ${wxjava.account(seed.bakery)} holds no token, and wechat:tokenStoreMode is read-only, so the provider does not fetch one.`;
    expect(failed.stdout).toContain(message);
    expect(failed.stdout).toContain(`reading the token store ${redis.url} for mini program ${seed.bakery}`);
    expectNoSecret("the failed preview", everything(failed), [password]);
    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 0 });
  });

  it("reads wechatpy's JSON keys, and a key template of the platform's own, the same way", async () => {
    const tokens = await tokensOfThePlatform();
    const json = (value: string) => JSON.stringify(value);
    await redis.client.sendCommand(["SET", `wechatpy:${component}_component_access_token`, json(tokens.component), "EX", "7200"]);
    for (const [appId, token] of Object.entries(tokens.authorizers)) {
      await redis.client.sendCommand(["SET", `wechatpy:${appId}_access_token`, json(token), "EX", "7200"]);
      await redis.client.sendCommand(["SET", `myplatform:token:${appId}`, token, "EX", "7000"]);
    }
    const wechatpy = await storeProject("store-wechatpy", { "wechat:tokenStoreLayout": "wechatpy" });
    wechatpy.write(spec);
    await wechatpy.up();
    await wechatpy.must(["preview", "--refresh", "--expect-no-changes"]);
    expect(await tokenCalls()).toEqual({ component: 0, authorizer: 0 });

    // The template keeps account tokens only: the platform's own token, for the link's username, is fetched once.
    const custom = await storeProject("store-template", { "wechat:tokenStoreLayout": "myplatform:token:{appId}" });
    custom.write({ plugins: { chat: { appId: seed.books, pluginAppId: seed.liveChat } }, links: { books: { officialAccountAppId: oa, miniProgramAppId: seed.books } } });
    await emulator.clearCalls();
    await custom.up();
    expect(await tokenCalls()).toEqual({ component: 1, authorizer: 0 });
  });
});
