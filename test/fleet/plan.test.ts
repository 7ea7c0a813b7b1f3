import { describe, expect, it } from "vitest";
import type { RefreshedResource } from "../../drift/engine-events";
import { report } from "../../drift/report";
import { planShard } from "../../fleet/plan";
import { countOutcomes } from "../../fleet/report";
import type { FleetResource } from "../../fleet/resources";

const pluginType = "pulumi-nodejs:dynamic/wechat:MiniProgramPlugin";
const linkType = "pulumi-nodejs:dynamic/wechat:OfficialAccountLink";
const mp = "wxc0ffee0000000001";
const oa = "wx0a00000000000001";
const maps = "wx1000000000000001";

const plugin = (pluginAppId: string, extra: Record<string, unknown> = {}): FleetResource => ({
  type: "MiniProgramPlugin",
  name: `${mp}/${pluginAppId}`,
  inputs: { appId: mp, pluginAppId, ...extra },
});
const link: FleetResource = { type: "OfficialAccountLink", name: `${oa}/${mp}`, inputs: { officialAccountAppId: oa, miniProgramAppId: mp } };

const approved = (pluginAppId: string, version = "2.2.46") => ({ appId: mp, pluginAppId, version, status: "approved", appliedVersion: version });
const linked = { officialAccountAppId: oa, miniProgramAppId: mp, showProfile: false, notifyUsers: false, status: "linked" };

/** A resource of the stack as the refresh found it; the state's inputs are what `check` made of the spec's. */
function found(resource: FleetResource, stored: Record<string, unknown>, read: Record<string, unknown> | null = stored, taint = false): RefreshedResource {
  const type = resource.type === "MiniProgramPlugin" ? pluginType : linkType;
  const inputs = { __provider: "require(…)", ...resource.inputs };
  return { urn: `urn:pulumi:shop-0::fleet::${type}::${resource.name}`, type, name: resource.name, state: { inputs, outputs: { __provider: "require(…)", ...stored } }, read, taint };
}

const ops = (plan: ReturnType<typeof planShard>) => plan.outcomes.map(({ name, op, reasons }) => ({ name, op, reasons }));

describe("planShard", () => {
  it("finds a stack settled when WeChat reads as stored and every declared resource diffs the same (link defaults filled as check fills them)", () => {
    const declared = [plugin(maps, { version: "2.2.46" }), link];
    const plan = planShard(declared, [found(declared[0], approved(maps)), found(link, linked)], true);
    expect(plan.settled).toBe(true);
    expect(ops(plan)).toEqual([
      { name: `${mp}/${maps}`, op: "same", reasons: [] },
      { name: `${oa}/${mp}`, op: "same", reasons: [] },
    ]);
    // The outcome carries the refreshed outputs, as the drift report words waiting items from them.
    expect(plan.outcomes[1].outputs).toMatchObject({ status: "linked" });
  });

  it("finds a stack whose resources an up moves to the spec's provider not settled, though each stays the same; a create is of that provider's type", () => {
    const declared = [plugin(maps, { version: "2.2.46" }), link];
    const refreshed = [found(declared[0], approved(maps)), found(link, linked)];
    const moving = planShard(declared, refreshed, true, true);
    expect(moving.settled).toBe(false);
    expect(ops(moving).map(({ op }) => op)).toEqual(["same", "same"]);
    const native = refreshed.map((r) => ({ ...r, type: r.type.replace("pulumi-nodejs:dynamic/wechat:", "wechat:index:") }));
    expect(planShard(declared, native, true, true).settled).toBe(true);
    expect(planShard([link], [], true, true).outcomes[0].type).toBe("wechat:index:OfficialAccountLink");
  });

  it("plans a create for a declared resource the state lacks and for one the refresh found gone", () => {
    const gone = plugin("wx1000000000000002");
    const plan = planShard([plugin(maps), gone], [found(gone, approved("wx1000000000000002"), null)], false);
    expect(plan.settled).toBe(false);
    expect(plan.outcomes.map(({ op, type, inputs }) => ({ op, type, pluginAppId: inputs.pluginAppId }))).toEqual([
      { op: "create", type: pluginType, pluginAppId: maps },
      { op: "create", type: pluginType, pluginAppId: "wx1000000000000002" },
    ]);
  });

  it("plans a delete for what the spec no longer declares, and nothing for such a resource already gone", () => {
    const dropped = plugin(maps);
    const alsoGone = plugin("wx1000000000000002");
    const plan = planShard([], [found(dropped, approved(maps)), found(alsoGone, approved("wx1000000000000002"), null)], false);
    expect(ops(plan)).toEqual([{ name: `${mp}/${maps}`, op: "delete", reasons: [] }]);
    expect(plan.outcomes[0].inputs).toMatchObject({ appId: mp, pluginAppId: maps });
    // The gone one only leaves the state: the up that does it writes, so the stack is not settled.
    expect(planShard([], [found(alsoGone, approved("wx1000000000000002"), null)], false)).toEqual({ outcomes: [], settled: false });
  });

  it("decides updates and replacements by the resources' own diffs, naming what forces a replacement as the engine does", () => {
    const newer = plugin(maps, { version: "2.3.0" });
    const rejected = plugin("wx1000000000000002");
    // notifyUsers only matters when inviting: not a reason, though it differs.
    const shown = { ...link, inputs: { ...link.inputs, showProfile: true, notifyUsers: true } } as FleetResource;
    const plan = planShard(
      [newer, rejected, shown],
      [found(newer, approved(maps)), found(rejected, { ...approved("wx1000000000000002"), status: "rejected" }), found(shown, linked)],
      true,
    );
    expect(ops(plan)).toEqual([
      { name: `${mp}/${maps}`, op: "update", reasons: [] },
      { name: `${mp}/wx1000000000000002`, op: "replace", reasons: ["status"] },
      { name: `${oa}/${mp}`, op: "replace", reasons: ["showProfile"] },
    ]);
    expect(plan.settled).toBe(false);
  });

  it("plans a refreshed rejected application as same, settled, when onRejected keeps it refused, and as a replacement when it reapplies", () => {
    const rejected = (declared: FleetResource) => ({ ...approved(maps), status: "rejected", statusCode: 3, ...declared.inputs });
    const kept = plugin(maps, { version: "2.2.46", onRejected: "keep" });
    const keptPlan = planShard([kept], [found(kept, rejected(kept))], true);
    expect(ops(keptPlan)).toEqual([{ name: `${mp}/${maps}`, op: "same", reasons: [] }]);
    expect(keptPlan.settled).toBe(true);
    // What the drift report reads of it: the op, the refreshed status and the spec's onRejected.
    expect(keptPlan.outcomes[0]).toMatchObject({ op: "same", outputs: { status: "rejected" }, inputs: { onRejected: "keep" } });
    // A newer version is not proposed either: WeChat updates approved plugins only.
    const newer = plugin(maps, { version: "2.3.0", onRejected: "keep" });
    expect(ops(planShard([newer], [found(newer, rejected(kept))], true))).toEqual([{ name: `${mp}/${maps}`, op: "same", reasons: [] }]);
    for (const reapplied of [plugin(maps, { version: "2.2.46", onRejected: "reapply" }), plugin(maps, { version: "2.2.46" })]) {
      expect(ops(planShard([reapplied], [found(reapplied, rejected(kept))], true))).toEqual([{ name: `${mp}/${maps}`, op: "replace", reasons: ["status"] }]);
    }
    // The refresh that first reads the refusal leaves the up something to record: not settled until the state has it.
    expect(planShard([kept], [found(kept, approved(maps), rejected(kept))], false).settled).toBe(false);
  });

  it("plans an expired application as a replacement even when onRejected keeps refusals: nobody refused it", () => {
    const kept = plugin(maps, { onRejected: "keep" });
    const plan = planShard([kept], [found(kept, { ...approved(maps), status: "expired", statusCode: 4 })], true);
    expect(ops(plan)).toEqual([{ name: `${mp}/${maps}`, op: "replace", reasons: ["status"] }]);
  });

  it("plans a replacement for a resource marked for one (pulumi state taint), whatever its diff says", () => {
    const declared = plugin(maps);
    const plan = planShard([declared], [found(declared, approved(maps), approved(maps), true)], true);
    expect(ops(plan)).toEqual([{ name: `${mp}/${maps}`, op: "replace", reasons: [] }]);
    expect(plan.settled).toBe(false);
  });

  it("plans a create for a declared resource with adopt: true that the stack lacks, which the report words and counts as an adoption", () => {
    const discovered = plugin(maps, { adopt: true });
    const plan = planShard([discovered, plugin("wx1000000000000002")], [], true);
    expect(ops(plan).map(({ op }) => op)).toEqual(["create", "create"]);
    expect(plan.outcomes[0].inputs.adopt).toBe(true);
    expect(report(plan.outcomes).items.map(({ op, differs }) => ({ op, differs }))).toEqual([
      { op: "adopt", differs: ["not in the stack"] },
      { op: "create", differs: ["missing at WeChat"] },
    ]);
    expect(countOutcomes(plan.outcomes)).toMatchObject({ created: 1, adopted: 1 });
  });

  it("plans nothing for a refusal the spec keeps (onRejected: keep), which the report lists as kept, not as drift", () => {
    const keep = plugin(maps, { onRejected: "keep" });
    const plan = planShard([keep], [found(keep, { ...approved(maps), status: "rejected" })], true);
    expect(ops(plan)).toEqual([{ name: `${mp}/${maps}`, op: "same", reasons: [] }]);
    expect(plan.settled).toBe(true);
    expect(report(plan.outcomes)).toMatchObject({ drift: [], waiting: [], kept: [expect.stringContaining("kept as refused (onRejected: keep)")] });
  });

  it("is not settled when a refresh read new outputs that change no step (an approval): the up records them", () => {
    const declared = plugin(maps);
    const plan = planShard([declared], [found(declared, { ...approved(maps), status: "applying" }, approved(maps))], false);
    expect(ops(plan)).toEqual([{ name: `${mp}/${maps}`, op: "same", reasons: [] }]);
    expect(plan.settled).toBe(false);
  });
});
