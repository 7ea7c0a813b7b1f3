import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discover } from "../../fleet/discover";
import { loadConfig } from "../../provider/config";
import { defaultSeed, fleetSeed, generatedAccounts, startEmulator, type ExistingSeed, type Seed, type WorldState } from "../../emulator/index";
import { expectError, expectOk, startHarness, type Harness } from "./harness";

// The seed's generate.existing: generated accounts that start with plugin entries and links, in a declared mix of
// statuses, the same on every start.

const generated = generatedAccounts(fleetSeed);
const firstMiniProgram = generated.miniPrograms[0].appId;
const firstOfficialAccount = generated.officialAccounts[0].appId;
const needsApproval = new Set(defaultSeed.plugins!.filter((plugin) => plugin.requiresApproval).map((plugin) => plugin.appId));

function tally<T>(items: T[], key: (item: T) => string | number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** The world as it is, less when it began: pending applications are made at each start. */
function withoutTimes(state: WorldState) {
  return { bindings: state.bindings.map(({ appliedAt: _appliedAt, ...binding }) => binding), links: state.links };
}

/** The built-in seed with a generated fleet that starts with what `existing` says. */
function fleetWith(existing: ExistingSeed, generate: Seed["generate"] = {}): Seed {
  return { ...defaultSeed, generate: { miniPrograms: 10, officialAccounts: 3, ...generate, existing } };
}

describe("the built-in fleet seed (--fleet)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ seed: fleetSeed });
  });
  afterAll(() => h.close());

  it("starts with 100 plugin entries, 60 approved, 20 applying, 10 rejected and 10 expired, two on each generated mini program", async () => {
    const { bindings } = await h.state();
    expect(tally(bindings, (binding) => binding.status)).toEqual({ 2: 60, 1: 20, 3: 10, 4: 10 });
    expect(tally(bindings, (binding) => binding.appId)).toEqual(Object.fromEntries(generated.miniPrograms.map((mp) => [mp.appId, 2])));
  });

  it("starts with 20 links, 14 linked, 2 waiting for each admin and 2 refused, four on each generated official account", async () => {
    const { links } = await h.state();
    expect(tally(links, (link) => link.status)).toEqual({ 1: 14, 2: 2, 12: 2, 3: 2 });
    expect(tally(links, (link) => link.officialAccountAppId)).toEqual(Object.fromEntries(generated.officialAccounts.map((oa) => [oa.appId, 4])));
  });

  it("spreads the statuses: every ten entries, and every ten links, hold the whole mix", async () => {
    const { bindings, links } = await h.state();
    for (let start = 0; start < bindings.length; start += 10) {
      expect(tally(bindings.slice(start, start + 10), (binding) => binding.status)).toEqual({ 2: 6, 1: 2, 3: 1, 4: 1 });
    }
    for (let start = 0; start < links.length; start += 10) {
      expect(tally(links.slice(start, start + 10), (link) => link.status)).toEqual({ 1: 7, 2: 1, 12: 1, 3: 1 });
    }
  });

  it("gives applying, rejected and expired entries only to plugins that need approval, as WeChat approves the others at once", async () => {
    const { bindings } = await h.state();
    const notApproved = bindings.filter((binding) => binding.status !== 2);
    expect(notApproved.length).toBeGreaterThan(0);
    for (const binding of notApproved) expect(needsApproval.has(binding.pluginAppId), JSON.stringify(binding)).toBe(true);
    // Every one of the seed's plugins is in use somewhere.
    expect(Object.keys(tally(bindings, (binding) => binding.pluginAppId)).sort()).toEqual(defaultSeed.plugins!.map((plugin) => plugin.appId).sort());
  });

  it("leaves the built-in accounts empty", async () => {
    const { bindings, links } = await h.state();
    const builtIn = new Set([...defaultSeed.miniPrograms, ...defaultSeed.officialAccounts!].map((account) => account.appId));
    expect(bindings.filter((binding) => builtIn.has(binding.appId))).toEqual([]);
    expect(links.filter((link) => builtIn.has(link.officialAccountAppId))).toEqual([]);
  });

  it("answers WeChat's lists as the world holds them: /wxa/plugin list and wxamplinkget", async () => {
    const { bindings, links } = await h.state();
    const pluginList = await h.post("/wxa/plugin", { action: "list" }, await h.authorizerToken(firstMiniProgram));
    expectOk(pluginList);
    expect(pluginList.plugin_list.map((item: { appid: string; status: number }) => [item.appid, item.status])).toEqual(
      bindings.filter((binding) => binding.appId === firstMiniProgram).map((binding) => [binding.pluginAppId, binding.status]),
    );
    const linkList = await h.post("/cgi-bin/wxopen/wxamplinkget", undefined, await h.authorizerToken(firstOfficialAccount));
    expectOk(linkList);
    const usernames = new Map(generated.miniPrograms.map((mp) => [mp.appId, mp.username]));
    expect(linkList.wxopens.items.map((item: { username: string; status: number }) => [item.username, item.status])).toEqual(
      links.filter((link) => link.officialAccountAppId === firstOfficialAccount).map((link) => [usernames.get(link.miniProgramAppId), link.status]),
    );
  });
});

describe("a generated world's existing entries", () => {
  it("are the same on two starts of the same seed, and again after a reset", async () => {
    const first = await startHarness({ seed: fleetSeed });
    const second = await startHarness({ seed: fleetSeed });
    try {
      const world = withoutTimes(await first.state());
      expect(world.bindings).toHaveLength(100);
      expect(withoutTimes(await second.state())).toEqual(world);
      await first.post("/wxa/plugin", { action: "unbind", plugin_appid: world.bindings[0].pluginAppId }, await first.authorizerToken(firstMiniProgram));
      await first.client.answerPluginApplication({ pluginAppId: world.bindings[1].pluginAppId, miniProgramAppId: firstMiniProgram, accept: true });
      expect(withoutTimes(await first.state())).not.toEqual(world);
      await first.emulator.reset();
      expect(withoutTimes(await first.state())).toEqual(world);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it("keep to the plugin limit and the link limit: one more apply is 89238, one more invitation 89009", async () => {
    const seed = fleetWith(
      { pluginsPerMiniProgram: 3, linksPerOfficialAccount: 2, linkStatuses: { linked: 1, waitingForOfficialAccount: 1 } },
      { pluginLimit: 3, linkLimit: 2 },
    );
    const h = await startHarness({ seed });
    try {
      const { bindings, links } = await h.state();
      const byMiniProgram = tally(bindings, (binding) => binding.appId);
      expect(Object.values(byMiniProgram)).toEqual(Array(10).fill(3));
      const mine = bindings.filter((binding) => binding.appId === firstMiniProgram).map((binding) => binding.pluginAppId);
      expect(new Set(mine).size).toBe(3);
      const other = defaultSeed.plugins!.find((plugin) => !mine.includes(plugin.appId))!.appId;
      expectError(await h.post("/wxa/plugin", { action: "apply", plugin_appid: other }, await h.authorizerToken(firstMiniProgram)), 89238);

      expect(tally(links, (link) => link.status)).toEqual({ 1: 3, 12: 3 });
      const linked = links.filter((link) => link.officialAccountAppId === firstOfficialAccount).map((link) => link.miniProgramAppId);
      expect(new Set(linked).size).toBe(2);
      const unlinked = generated.miniPrograms.find((mp) => !linked.includes(mp.appId))!.appId;
      const invitation = { appid: unlinked, notify_users: 0, show_profile: 0 };
      expectError(await h.post("/cgi-bin/wxopen/wxamplink", invitation, await h.authorizerToken(firstOfficialAccount)), 89009);
    } finally {
      await h.close();
    }
  });

  it("follow WeChat's flows from there: a pending entry can be approved, and times out 48 hours after the start", async () => {
    const h = await startHarness({ seed: fleetWith({ pluginsPerMiniProgram: 1, pluginStatuses: { applying: 1 } }) });
    try {
      const [first, second] = (await h.state()).bindings;
      expect([first.status, second.status]).toEqual([1, 1]);
      expect((await h.client.answerPluginApplication({ pluginAppId: first.pluginAppId, miniProgramAppId: first.appId, accept: true })).status).toBe(2);
      await h.advance(47 * 3600);
      expect((await h.state()).bindings[1].status).toBe(1);
      await h.advance(2 * 3600);
      expect((await h.state()).bindings.map((binding) => binding.status)).toEqual([2, ...Array(9).fill(4)]);
    } finally {
      await h.close();
    }
  });

  it("are kept in a new state file, which a restart then reads instead of the seed's", async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), "wechat-emulator-generated-")), "world.json");
    const first = await startHarness({ seed: fleetSeed, stateFile });
    const { bindings } = await first.state();
    await first.client.answerPluginApplication({ pluginAppId: bindings[1].pluginAppId, miniProgramAppId: bindings[1].appId, accept: false });
    await first.close();
    const second = await startHarness({ seed: fleetSeed, stateFile });
    try {
      expect((await second.state()).bindings[1]).toMatchObject({ status: 3 });
      expect((await second.state()).bindings).toHaveLength(100);
    } finally {
      await second.close();
    }
  });

  it("are only what the seed asks for: none without existing, plugins only or links only with one count", async () => {
    for (const [generate, plugins, links] of [
      [{ miniPrograms: 10, officialAccounts: 3 }, 0, 0],
      [{ miniPrograms: 10, officialAccounts: 3, existing: { pluginsPerMiniProgram: 2 } }, 20, 0],
      [{ miniPrograms: 10, officialAccounts: 3, existing: { linksPerOfficialAccount: 5 } }, 0, 15],
    ] as const) {
      const h = await startHarness({ seed: { ...defaultSeed, generate } });
      try {
        const state = await h.state();
        expect([state.bindings.length, state.links.length]).toEqual([plugins, links]);
      } finally {
        await h.close();
      }
    }
  });
});

describe("a seed's generate.existing", () => {
  const refused = (existing: unknown, message: string, generate: object = {}) =>
    expect(startEmulator({ seed: { ...defaultSeed, generate: { miniPrograms: 4, officialAccounts: 2, ...generate, existing } } as Seed })).rejects.toMatchObject({
      name: "SeedError",
      code: "EMULATOR_SEED_INVALID",
      message: expect.stringContaining(message),
    });

  it("is refused when it asks for more than the generated accounts can hold, naming the limit", async () => {
    await refused({ pluginsPerMiniProgram: 6 }, "seed.generate.existing.pluginsPerMiniProgram is 6, more than the generated mini programs' plugin limit (5)");
    await refused({ pluginsPerMiniProgram: 6 }, "seed.generate.existing.pluginsPerMiniProgram is 6, more than the seed's 5 plugins (a mini program's entries are for different plugins)", { pluginLimit: 10 });
    await refused({ linksPerOfficialAccount: 3 }, "seed.generate.existing.linksPerOfficialAccount is 3, more than the generated official accounts' link limit (2)", { linkLimit: 2 });
    await refused({ linksPerOfficialAccount: 5 }, "seed.generate.existing.linksPerOfficialAccount is 5, more than the 4 generated mini programs (an official account's links are to different mini programs)");
  });

  it("is refused for unknown statuses, weights out of range and a mix with nothing in it", async () => {
    await refused({ pluginStatuses: { pending: 1 } }, "seed.generate.existing.pluginStatuses.pending is not a known field (expected one of approved, applying, rejected, expired)");
    await refused({ linkStatuses: { linked: 1001 } }, "seed.generate.existing.linkStatuses.linked must be a whole number from 0 to 1000");
    await refused({ linkStatuses: { linked: 0 } }, "seed.generate.existing.linkStatuses must give at least one status a weight above 0");
    await refused({ pluginsPerMiniProgram: -1 }, "seed.generate.existing.pluginsPerMiniProgram must be a whole number ≥ 0");
    await refused({ linksPerOfficialAcount: 1 }, "seed.generate.existing.linksPerOfficialAcount is not a known field");
  });
});

describe("discover against the built-in fleet seed", () => {
  it("declares the approved and pending plugins and the links made or waiting, and warns about each rejected, expired or refused one", async () => {
    const emulator = await startEmulator({ seed: fleetSeed });
    try {
      const component = fleetSeed.component!;
      const loaded = loadConfig(
        (key) =>
          ({
            "wechat:endpoint": emulator.url,
            "wechat:componentAppId": component.appId,
            "wechat:componentAppSecret": component.secret,
            "wechat:componentVerifyTicket": component.verifyTicket,
          })[key],
        {},
      );
      if (!loaded.ok) throw new Error(loaded.problems.join("; "));
      const warnings: string[] = [];
      const spec = await discover(loaded.config, { warn: (message) => warnings.push(message) });

      expect(spec.miniPrograms).toHaveLength(54);
      expect(spec.miniPrograms.flatMap((mp) => mp.plugins ?? [])).toHaveLength(80);
      expect(spec.officialAccounts).toHaveLength(6);
      expect(spec.officialAccounts.flatMap((oa) => oa.links ?? [])).toHaveLength(18);
      expect(tally(warnings, (warning) => /\(([^)]*)\)/.exec(warning.replace(/^.*? left out: already at WeChat /, ""))?.[1] ?? warning)).toEqual({
        "rejected by the plugin developer": 10,
        "expired unanswered": 10,
        "refused by the mini program's admin": 2,
      });
      expect(spec.miniPrograms.find((mp) => mp.appId === firstMiniProgram)).toEqual({
        appId: firstMiniProgram,
        plugins: [
          { pluginAppId: "wx1000000000000001", adopt: true },
          { pluginAppId: "wx1000000000000002", adopt: true },
        ],
      });
    } finally {
      await emulator.close();
    }
  });
});
