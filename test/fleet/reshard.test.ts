import { describe, expect, it } from "vitest";
import { batches, checkReshardable, planReshard, type StackState } from "../../fleet/reshard";
import { shardOf } from "../../fleet/shards";

const plugin = "pulumi-nodejs:dynamic/wechat:MiniProgramPlugin";
const link = "pulumi-nodejs:dynamic/wechat:OfficialAccountLink";
const urn = (stack: string, type: string, name: string) => `urn:pulumi:${stack}::pulumi-wechat-fleet::${type}::${name}`;
const appId = (n: number) => `wxc0${n.toString(16).padStart(14, "0")}`;

/** The states of a fleet sharded `shards` ways: each account's plugin (and, for every fifth, a link) in its shard's stack. */
function fleet(accounts: number, shards: number): StackState[] {
  const states: StackState[] = Array.from({ length: shards }, (_, index) => ({
    stack: `f-${index}`,
    index,
    resources: [
      { urn: `urn:pulumi:f-${index}::pulumi-wechat-fleet::pulumi:pulumi:Stack::pulumi-wechat-fleet-f-${index}`, type: "pulumi:pulumi:Stack" },
      { urn: `urn:pulumi:f-${index}::pulumi-wechat-fleet::pulumi:providers:pulumi-nodejs::default`, type: "pulumi:providers:pulumi-nodejs", id: `provider-${index}` },
    ],
  }));
  for (let n = 0; n < accounts; n++) {
    const state = states[shardOf(appId(n), shards)];
    state.resources.push({ urn: urn(state.stack, plugin, `${appId(n)}/wx1000000000000001`), type: plugin, id: `${appId(n)}/wx1000000000000001` });
    if (n % 5 === 0) state.resources.push({ urn: urn(state.stack, link, `${appId(n)}/wxc0ffee0000000001`), type: link, id: `${appId(n)}/wxc0ffee0000000001` });
  }
  return states;
}

const moved = (plan: ReturnType<typeof planReshard>) => plan.moves.flatMap((m) => m.urns.map((u) => ({ source: m.source, dest: m.dest, urn: u })));

describe("planning a reshard", () => {
  it("from 4 to 3 shards moves only the accounts of the removed stack, each to its new shard's stack, and removes that stack", () => {
    const states = fleet(200, 4);
    const plan = planReshard(states, 3, "f");
    const fromLast = states[3].resources.filter((r) => !r.type.startsWith("pulumi:"));
    expect(moved(plan)).toHaveLength(fromLast.length);
    for (const { source, dest, urn: moving } of moved(plan)) {
      expect(source).toBe("f-3");
      expect(dest).toBe(`f-${shardOf(moving.split("::").pop()!.split("/")[0], 3)}`);
    }
    expect(plan.create).toEqual([]);
    expect(plan.remove).toEqual(["f-3"]);
    expect(plan.forget).toEqual([]);
  });

  it("from 3 to 4 shards creates the new stack and moves into it only", () => {
    const plan = planReshard(fleet(200, 3), 4, "f");
    expect(plan.create).toEqual(["f-3"]);
    expect(plan.remove).toEqual([]);
    expect(plan.moves.map((m) => m.dest)).toEqual(["f-3", "f-3", "f-3"]);
    // About a quarter of the accounts move; the links go with their accounts.
    expect(moved(plan).filter((m) => m.urn.includes(plugin)).length).toBeGreaterThan(30);
    expect(moved(plan).filter((m) => m.urn.includes(plugin)).length).toBeLessThan(70);
  });

  it("moves nothing when every resource is in its stack already, so an interrupted reshard is finished by running it again", () => {
    const plan = planReshard(fleet(50, 3), 3, "f");
    expect(plan.moves).toEqual([]);
    const half = planReshard(fleet(50, 4), 3, "f");
    const [firstMove, ...rest] = half.moves;
    // After the first move, the states as a rerun finds them.
    const states = fleet(50, 4);
    const dest = states.find((s) => s.stack === firstMove.dest)!;
    for (const u of firstMove.urns) {
      states[3].resources = states[3].resources.filter((r) => r.urn !== u);
      dest.resources.push({ urn: u.replace("f-3", dest.stack), type: plugin, id: u.split("::").pop() });
    }
    expect(planReshard(states, 3, "f").moves).toEqual(rest);
  });

  it("drops a copy a stopped move left in its old stack, when the resource is in its new stack with the same id", () => {
    const states = fleet(20, 4);
    const [copy] = planReshard(states, 3, "f").moves;
    const dest = states.find((s) => s.stack === copy.dest)!;
    const name = copy.urns[0].split("::").pop()!;
    dest.resources.push({ urn: urn(dest.stack, plugin, name), type: plugin, id: name });
    const plan = planReshard(states, 3, "f");
    expect(plan.forget).toEqual([{ stack: "f-3", urn: copy.urns[0] }]);
    expect(moved(plan).map((m) => m.urn)).not.toContain(copy.urns[0]);
  });

  it("refuses copies with different ids, resources the fleet does not declare, and names without an account", () => {
    const states = fleet(20, 2);
    const name = `${appId(0)}/wx1000000000000001`;
    const other = states.find((s) => !s.resources.some((r) => r.urn.endsWith(name)))!;
    other.resources.push({ urn: urn(other.stack, plugin, name), type: plugin, id: "other" });
    expect(() => planReshard(states, 3, "f")).toThrow(`${name} is in stacks`);

    const foreign = fleet(2, 2);
    foreign[0].resources.push({ urn: urn("f-0", "aws:s3/bucket:Bucket", "b"), type: "aws:s3/bucket:Bucket" });
    expect(() => planReshard(foreign, 3, "f")).toThrow("stack f-0 holds urn:pulumi:f-0::pulumi-wechat-fleet::aws:s3/bucket:Bucket::b, which is not a fleet resource");

    const renamed = fleet(2, 2);
    renamed[1].resources.push({ urn: urn("f-1", plugin, "coffee-chat"), type: plugin, id: "x" });
    expect(() => planReshard(renamed, 3, "f")).toThrow("is not named <appId>/…: its shard cannot be told, so nothing was moved");
  });
});

describe("checking the stacks before a reshard", () => {
  const stacks = (shards: number | undefined, ...indexes: number[]) => indexes.map((index) => ({ name: `f-${index}`, index, shards }));

  it("accepts stacks recording the old count, the new one (a reshard stopped half-way) or none", () => {
    expect(checkReshardable(stacks(4, 0, 1, 2, 3), 4, 3, "f")).toBeUndefined();
    expect(checkReshardable([...stacks(3, 0, 1), ...stacks(4, 2, 3)], 4, 3, "f")).toBeUndefined();
    expect(checkReshardable([...stacks(3, 0, 1, 2), ...stacks(undefined, 3)], 3, 4, "f")).toBeUndefined();
  });

  it("refuses a fleet that is not sharded as --from says", () => {
    expect(checkReshardable([], 4, 3, "f")).toContain("there are no stacks f-<i> to reshard");
    expect(checkReshardable(stacks(5, 0, 1, 2, 3, 4), 4, 3, "f")).toBe("stacks f-4 are beyond 4 shards: the fleet is not sharded 4 ways");
    expect(checkReshardable(stacks(2, 0, 1), 4, 3, "f")).toBe("stacks f-0 (2), f-1 (2) record another shard count than 4 or 3: the fleet is not sharded 4 ways");
  });
});

describe("batches of URNs", () => {
  it("keeps each command line under the limit, and every URN once, in order", () => {
    const urns = Array.from({ length: 10 }, (_, i) => `urn-${i}`.padEnd(30, "x"));
    const split = batches(urns, 100);
    expect(split.map((b) => b.length)).toEqual([3, 3, 3, 1]);
    expect(split.flat()).toEqual(urns);
    expect(batches([], 100)).toEqual([]);
  });
});
