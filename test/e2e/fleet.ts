import { expect } from "vitest";
import { Emulator, seed } from "../support/emulator";
import type { Project, Spec } from "./project";

/**
 * The large program the fault and interruption suites run: every mini program of the seed at its limit of five
 * plugins (20 in all) and three links of the official account. Only the plugins that need no approval declare a
 * version, so a converged stack has no pending change.
 */
export const miniPrograms = { coffee: seed.coffee, bakery: seed.bakery, books: seed.books, mall: seed.mall };
const plugins = { locator: seed.storeLocator, chat: seed.liveChat, card: seed.membership, reviews: seed.reviews, delivery: seed.delivery };
const versions: Record<string, string> = { [seed.liveChat]: "1.4.2", [seed.reviews]: "1.0.0" };
const linked = ["coffee", "bakery", "books"] as const;

export const fleetSize = { plugins: 20, links: 3, resources: 23 };

export function fleet(options: { versions?: boolean } = {}): Spec {
  const spec: Spec = { plugins: {}, links: {} };
  for (const [mpName, appId] of Object.entries(miniPrograms)) {
    for (const [pluginName, pluginAppId] of Object.entries(plugins)) {
      const version = options.versions === false ? undefined : versions[pluginAppId];
      spec.plugins![`${mpName}-${pluginName}`] = { appId, pluginAppId, ...(version ? { version } : {}) };
    }
  }
  for (const name of linked) spec.links![name] = { officialAccountAppId: seed.officialAccount, miniProgramAppId: miniPrograms[name] };
  return spec;
}

/** WeChat holds exactly the fleet: each binding and link once, approval-free plugins at their declared version. */
export async function expectFleetAtWeChat(emulator: Pick<Emulator, "state">, options: { versions?: boolean } = {}): Promise<void> {
  const state = await emulator.state();
  const bindings = state.bindings.map((b: any) => `${b.appId}/${b.pluginAppId}`).sort();
  const expected = Object.values(fleet(options).plugins!).map((p) => `${p.appId}/${p.pluginAppId}`).sort();
  expect(bindings).toEqual(expected);
  for (const binding of state.bindings) {
    const version = options.versions === false ? undefined : versions[binding.pluginAppId];
    if (version) expect(binding, `${binding.appId}/${binding.pluginAppId}`).toMatchObject({ status: 2, version });
  }
  const links = state.links.map((l: any) => `${l.officialAccountAppId}/${l.miniProgramAppId}`).sort();
  expect(links).toEqual(linked.map((name) => `${seed.officialAccount}/${miniPrograms[name]}`).sort());
}

/** The stack tracks the fleet: one resource per URN, each with the id of its WeChat binding or link, nothing pending. */
export async function expectFleetInState(project: Project, options: { versions?: boolean } = {}): Promise<void> {
  const deployment = JSON.parse(await project.exportState()).deployment;
  expect(deployment.pending_operations ?? []).toEqual([]);
  const resources = (deployment.resources ?? []).filter((r: any) => r.type.startsWith("pulumi-nodejs:dynamic/wechat:"));
  const urns = resources.map((r: any) => r.urn);
  expect(new Set(urns).size).toBe(urns.length);
  const ids = resources.map((r: any) => r.id).sort();
  const spec = fleet(options);
  const expected = [
    ...Object.values(spec.plugins!).map((p) => `${p.appId}/${p.pluginAppId}`),
    ...Object.values(spec.links!).map((l) => `${l.officialAccountAppId}/${l.miniProgramAppId}`),
  ].sort();
  expect(ids).toEqual(expected);
}
