import { describe, expect, it } from "vitest";
import { jumpHash, shardOf, shardSpec, shardSpecs, shardStackName } from "../../fleet/shards";
import type { FleetSpec } from "../../fleet/spec";

const appId = (n: number, prefix = "c0") => `wx${prefix}${n.toString(16).padStart(14, "0")}`;
const appIds = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => appId(from + i));

describe("jumpHash", () => {
  it.each<[bigint, number, number]>([
    [1n, 1, 0],
    [42n, 57, 43],
    [0xdead10ccn, 1, 0],
    [0xdead10ccn, 666, 361],
    [256n, 1024, 520],
    [18446744073709551615n, 128, 92],
  ])("gives the published bucket of key %s in %s buckets (%s)", (key, buckets, bucket) => {
    expect(jumpHash(key, buckets)).toBe(bucket);
  });
});

describe("shardOf", () => {
  it("puts every account in a shard from 0 to shards - 1, spread evenly", () => {
    const counts = new Array<number>(8).fill(0);
    for (const id of appIds(0, 4000)) counts[shardOf(id, 8)] += 1;
    for (const count of counts) expect(count).toBeGreaterThan(400);
    expect(counts.reduce((a, b) => a + b)).toBe(4000);
  });

  it("keeps every account in its shard when accounts are added or removed: it depends on the app id alone", () => {
    const before = new Map(appIds(0, 1000).map((id) => [id, shardOf(id, 16)]));
    const spec = (ids: string[]): FleetSpec => ({ miniPrograms: ids.map((id) => ({ appId: id, plugins: [] })), officialAccounts: [] });
    // The same accounts, with 500 added in front and every third one removed.
    const after = spec([...appIds(5000, 5500), ...appIds(0, 1000).filter((_, i) => i % 3 !== 0)]);
    for (let index = 0; index < 16; index++) {
      for (const { appId: id } of shardSpec(after, index, 16).miniPrograms) if (before.has(id)) expect(before.get(id)).toBe(index);
    }
  });

  it("moves only about 1/(N + 1) of the accounts from N to N + 1 shards, all into the new shard", () => {
    const ids = appIds(0, 4000);
    const moved = ids.filter((id) => shardOf(id, 9) !== shardOf(id, 8));
    expect(moved.every((id) => shardOf(id, 9) === 8)).toBe(true);
    expect(moved.length).toBeGreaterThan(4000 / 9 / 2);
    expect(moved.length).toBeLessThan((4000 / 9) * 1.5);
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses %s shards", (shards) => {
    expect(() => shardOf(appId(1), shards)).toThrow(RangeError);
  });
});

describe("shardSpec", () => {
  const miniPrograms = appIds(0, 200).map((id) => ({ appId: id, plugins: [{ pluginAppId: "wx1000000000000001" }] }));
  const officialAccounts = Array.from({ length: 40 }, (_, n) => ({
    appId: appId(n, "0a"),
    links: miniPrograms.slice(n * 5, n * 5 + 5).map((m) => ({ miniProgramAppId: m.appId })),
  }));
  const spec: FleetSpec = { miniPrograms, officialAccounts };
  const shards = Array.from({ length: 4 }, (_, index) => shardSpec(spec, index, 4));

  it("splits the accounts without losing or repeating any", () => {
    expect(shards.flatMap((s) => s.miniPrograms).map((m) => m.appId).sort()).toEqual(miniPrograms.map((m) => m.appId).sort());
    expect(shards.flatMap((s) => s.officialAccounts).map((o) => o.appId).sort()).toEqual(officialAccounts.map((o) => o.appId).sort());
  });

  it("keeps an account whole, and links with their official account even when their mini program is elsewhere", () => {
    shards.forEach((shard, index) => {
      for (const account of shard.miniPrograms) expect(account.plugins).toHaveLength(1);
      for (const account of shard.officialAccounts) {
        expect(shardOf(account.appId, 4)).toBe(index);
        expect(account.links).toEqual(officialAccounts.find((o) => o.appId === account.appId)?.links);
      }
    });
    const separated = shards.flatMap((shard, index) => shard.officialAccounts.flatMap((o) => o.links).filter((l) => shardOf(l.miniProgramAppId, 4) !== index));
    expect(separated.length).toBeGreaterThan(0);
  });

  it.each([-1, 4, 0.5])("refuses shard index %s of 4", (index) => {
    expect(() => shardSpec(spec, index, 4)).toThrow("shard index must be an integer from 0 to 3");
  });
});

describe("shardSpecs", () => {
  it("is shardSpec of every index", () => {
    const miniPrograms = appIds(0, 100).map((id) => ({ appId: id, plugins: [{ pluginAppId: "wx1000000000000001" }] }));
    const officialAccounts = Array.from({ length: 20 }, (_, n) => ({ appId: appId(n, "0a"), links: [{ miniProgramAppId: miniPrograms[n].appId }] }));
    const spec: FleetSpec = { miniPrograms, officialAccounts };
    expect(shardSpecs(spec, 7)).toEqual(Array.from({ length: 7 }, (_, index) => shardSpec(spec, index, 7)));
  });
});

describe("shardStackName", () => {
  it("is the prefix and the shard's index", () => {
    expect(shardStackName("merchants", 7)).toBe("merchants-7");
  });
});
