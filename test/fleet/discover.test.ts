import { beforeEach, describe, expect, it } from "vitest";
import { discover } from "../../fleet/discover";
import { type FleetSpec, parseFleetSpec, serializeFleetSpec } from "../../fleet/spec";
import { loadConfig } from "../../provider/config";
import { defaultSeed } from "../../emulator/index";
import { Emulator, useEmulator, refreshTokens, seed } from "../support/emulator";
import { providersFor } from "../support/providers";

const emulator = useEmulator();

/**
 * The default seed with some of everything: approved and pending plugins, one the developer refused; links made,
 * waiting for each admin, and one the mini program's admin refused.
 */
beforeEach(async () => {
  const { plugin, link } = providersFor(emulator.url);
  for (const [appId, pluginAppId] of [
    [seed.coffee, seed.liveChat],
    [seed.coffee, seed.storeLocator],
    [seed.bakery, seed.reviews],
    [seed.bakery, seed.membership],
  ]) {
    await plugin.create({ appId, pluginAppId });
  }
  await emulator.developer("dev_refuse", seed.membership, seed.bakery);
  for (const miniProgramAppId of [seed.coffee, seed.books, seed.bakery, seed.mall]) {
    await link.create({ officialAccountAppId: seed.officialAccount, miniProgramAppId, notifyUsers: false, showProfile: false });
  }
  for (const miniProgramAppId of [seed.books, seed.bakery, seed.mall]) await emulator.confirmLink(seed.officialAccount, miniProgramAppId, "officialAccount");
  await emulator.confirmLink(seed.officialAccount, seed.bakery, "miniProgram");
  await emulator.confirmLink(seed.officialAccount, seed.mall, "miniProgram", false);
  await emulator.clearCalls();
});

function config(values: Record<string, string>) {
  const loaded = loadConfig((key) => ({ "wechat:endpoint": emulator.url, ...values })[key], {});
  if (!loaded.ok) throw new Error(loaded.problems.join("; "));
  return loaded.config;
}

/** The third-party platform's credentials alone: discover learns the accounts and their refresh tokens from WeChat. */
const platformKeys = {
  "wechat:componentAppId": seed.component.appId,
  "wechat:componentAppSecret": seed.component.appSecret,
  "wechat:componentVerifyTicket": seed.component.verifyTicket,
};
const platform = () => config(platformKeys);

/** The platform's credentials with each account's refresh token, as a provider is configured. */
const thirdParty = () => config({ ...platformKeys, "wechat:authorizerRefreshTokens": JSON.stringify(refreshTokens()) });

const counts = async () => (await emulator.calls()).counts;

const adopted = (pluginAppId: string) => ({ pluginAppId, adopt: true });
const adoptedLink = (miniProgramAppId: string, miniProgramUsername: string) => ({ miniProgramAppId, miniProgramUsername, adopt: true });

/** What exists in the world beforeEach makes, in any status `adopt` takes over without a write. */
const expected: FleetSpec = {
  miniPrograms: [
    { appId: seed.mall, plugins: [] },
    { appId: seed.books, plugins: [] },
    { appId: seed.bakery, plugins: [adopted(seed.reviews)] },
    { appId: seed.coffee, plugins: [adopted(seed.storeLocator), adopted(seed.liveChat)] },
  ],
  officialAccounts: [
    {
      appId: seed.officialAccount,
      links: [adoptedLink(seed.books, "gh_b00c00000003"), adoptedLink(seed.bakery, "gh_b4ce00000002"), adoptedLink(seed.coffee, "gh_c0ffee000001")],
    },
  ],
};

describe("discover with the third-party platform's credentials", () => {
  it("declares every authorized account's plugins and links that adopt can take over, and says what it left out", async () => {
    const warnings: string[] = [];
    const spec = await discover(platform(), { warn: (message) => warnings.push(message) });
    expect(spec).toEqual(expected);
    expect(warnings).toEqual([
      expect.stringMatching(/^plugin wx1000000000000003 on mini program wxb4ce000000000002 left out: already at WeChat \(rejected by the plugin developer\)/),
      expect.stringMatching(/^link from official account wx0a00000000000001 to mini program gh_5a1e00000004 \(Outlet Mall\) left out: already at WeChat \(refused by the mini program's admin\)/),
    ]);
  });

  it("reads each account once: one component token, one page of authorizers, then per account its info, its token and its list", async () => {
    await discover(platform(), { concurrency: 2, warn: () => undefined });
    expect(await counts()).toEqual({
      "/cgi-bin/component/api_component_token": 1,
      "/cgi-bin/component/api_get_authorizer_list": 1,
      "/cgi-bin/component/api_get_authorizer_info": 5,
      "/cgi-bin/component/api_authorizer_token": 5,
      "/wxa/plugin#list": 4,
      "/cgi-bin/wxopen/wxamplinkget": 1,
    });
  });

  it("writes a spec that parses back to itself, as YAML and as JSON, with no refresh token in it or in a warning", async () => {
    const warnings: string[] = [];
    const spec = await discover(platform(), { warn: (message) => warnings.push(message) });
    for (const fileName of ["fleet.yaml", "fleet.json"]) {
      const text = serializeFleetSpec(spec, fileName);
      expect(parseFleetSpec(text, fileName)).toEqual(spec);
      for (const refreshToken of Object.values(refreshTokens())) expect(text + warnings.join("\n")).not.toContain(refreshToken);
    }
  });

  it("leaves out, with a warning, an account that withholds its list's API from the platform", async () => {
    await emulator.fault({ path: "/cgi-bin/wxopen/wxamplinkget", errcode: 48001 });
    const warnings: string[] = [];
    const spec = await discover(platform(), { warn: (message) => warnings.push(message) });
    expect(spec).toEqual({ ...expected, officialAccounts: [] });
    expect(warnings).toContainEqual(expect.stringMatching(/WeChat error 48001.*; account wx0a00000000000001 is left out of the spec$/));
  });

  it("fails with WeChat's error when an account cannot be read", async () => {
    await emulator.fault({ path: "/wxa/plugin", action: "list", appId: seed.books, errcode: 45009 });
    await expect(discover(platform(), { warn: () => undefined })).rejects.toThrow(/plugin list for mini program wxb00c000000000003 failed: WeChat error 45009/);
  });

  it("pages through api_get_authorizer_list, 500 accounts a page", async () => {
    const fleet = await Emulator.start({ seed: { ...defaultSeed, generate: { miniPrograms: 1100, officialAccounts: 3 } } });
    try {
      const spec = await discover({ ...platform(), endpoint: fleet.url }, { warn: () => undefined });
      expect(spec.miniPrograms).toHaveLength(1104);
      expect(spec.officialAccounts.map((oa) => oa.appId)).toEqual([seed.officialAccount, "wxf200000000000001", "wxf200000000000002", "wxf200000000000003"]);
      const c = (await fleet.calls()).counts;
      expect(c["/cgi-bin/component/api_get_authorizer_list"]).toBe(3);
      expect(c["/cgi-bin/component/api_authorizer_token"]).toBe(1108);
    } finally {
      await fleet.close();
    }
  });

  it("needs the platform's credentials, or the accounts named", async () => {
    await expect(discover(config({ "wechat:appSecrets": JSON.stringify(seed.appSecrets) }))).rejects.toThrow(/configure wechat:componentAppId.*or name the accounts \(--accounts\)/);
  });
});

describe("discover with named accounts (--accounts)", () => {
  it("tells mini programs from official accounts by the list that answers, and maps links through the platform's account info", async () => {
    const accounts = [seed.officialAccount, seed.coffee, seed.bakery, seed.books, seed.coffee];
    const spec = await discover(thirdParty(), { accounts, warn: () => undefined });
    expect(spec).toEqual({ ...expected, miniPrograms: expected.miniPrograms.filter((mp) => mp.appId !== seed.mall) });
    const c = await counts();
    // The official account's token is refused the plugin list (48001) before its link list answers.
    expect(c["/wxa/plugin#list"]).toBe(4);
    expect(c["/cgi-bin/wxopen/wxamplinkget"]).toBe(1);
    expect(c["/cgi-bin/component/api_get_authorizer_list"]).toBeUndefined();
  });

  it("leaves out, with a warning, the links to a named mini program that has not authorized the platform", async () => {
    // With one read at a time, the first account info asked for is the first mini program's: the coffee shop's.
    await emulator.fault({ path: "/cgi-bin/component/api_get_authorizer_info", errcode: 61003, times: 1 });
    const warnings: string[] = [];
    const spec = await discover(thirdParty(), { accounts: [seed.officialAccount, seed.coffee, seed.bakery, seed.books], concurrency: 1, warn: (message) => warnings.push(message) });
    expect(spec.officialAccounts[0].links.map((link) => link.miniProgramAppId)).toEqual([seed.books, seed.bakery]);
    expect(warnings).toContainEqual(expect.stringMatching(/^link from official account wx0a00000000000001 to mini program gh_c0ffee000001 \(Harbour Coffee\) left out: WeChat's link list names it by original id only/));
  });

  it("leaves out, with a warning, links it cannot map to an app id without the platform", async () => {
    const warnings: string[] = [];
    const spec = await discover(config({ "wechat:appSecrets": JSON.stringify(seed.appSecrets) }), {
      accounts: [seed.coffee, seed.officialAccount],
      warn: (message) => warnings.push(message),
    });
    expect(spec).toEqual({ miniPrograms: [expected.miniPrograms[3]], officialAccounts: [{ appId: seed.officialAccount, links: [] }] });
    expect(warnings.filter((w) => /names it by original id only/.test(w))).toHaveLength(3);
  });

  it("refuses an account that is neither a mini program nor an official account, and names that are not app ids", async () => {
    const withPlugin = config({ "wechat:appSecrets": JSON.stringify({ [seed.storeLocator]: "plugin-secret-1" }) });
    await expect(discover(withPlugin, { accounts: [seed.storeLocator] })).rejects.toThrow(
      /wx1000000000000001: WeChat refuses both its plugin list and its link list \(48001\)/,
    );
    await expect(discover(withPlugin, { accounts: ["shop", seed.storeLocator] })).rejects.toThrow(/accounts must be app ids .*got "shop"/);
  });
});
