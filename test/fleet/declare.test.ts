import * as pulumi from "@pulumi/pulumi";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Fleet, declareFleet } from "../../fleet/declare";
import { declareShard } from "../../fleet/program";
import { fleetResources } from "../../fleet/resources";
import type { FleetSpec } from "../../fleet/spec";

// Pulumi's mocks stand in for the engine: they receive each resource as the engine would register it.
let registered: Array<{ type: string; name: string; inputs: Record<string, unknown> }> = [];
beforeAll(() =>
  pulumi.runtime.setMocks(
    {
      newResource: ({ type, name, inputs }) => {
        registered.push({ type, name, inputs });
        return { id: name, state: inputs };
      },
      call: ({ inputs }) => inputs,
    },
    "fleet",
    "test",
    false,
  ),
);
beforeEach(() => {
  registered = [];
});

/** Resolves once the engine (here, the mocks) has registered every resource of the fleet. */
const registration = (fleet: Fleet) =>
  new Promise((resolve) => pulumi.all([...fleet.plugins.values(), ...fleet.links.values()].map((r) => r.urn)).apply(resolve));

const spec: FleetSpec = {
  miniPrograms: [
    { appId: "wxc0ffee0000000001", plugins: [{ pluginAppId: "wx1000000000000001", version: "2.2.46", adopt: true }, { pluginAppId: "wx1000000000000002" }] },
    { appId: "wxb4ce000000000002", plugins: [{ pluginAppId: "wx1000000000000001", reason: "maps" }] },
  ],
  officialAccounts: [{ appId: "wx0a00000000000001", links: [{ miniProgramAppId: "wxc0ffee0000000001", showProfile: false, adopt: true }] }],
};

describe("declareFleet", () => {
  it("registers what fleetResources lists, as MiniProgramPlugin and OfficialAccountLink resources, adopt included", async () => {
    const fleet = declareFleet(spec);
    await registration(fleet);
    const types = { MiniProgramPlugin: "pulumi-nodejs:dynamic/wechat:MiniProgramPlugin", OfficialAccountLink: "pulumi-nodejs:dynamic/wechat:OfficialAccountLink" };
    const withoutProvider = registered.map(({ inputs: { __provider: _, ...inputs }, ...resource }) => ({ ...resource, inputs }));
    expect(withoutProvider).toEqual(expect.arrayContaining(fleetResources(spec).map((r) => ({ type: types[r.type], name: r.name, inputs: r.inputs }))));
    expect(registered).toHaveLength(4);
    expect([...fleet.plugins.keys()]).toEqual(["wxc0ffee0000000001/wx1000000000000001", "wxc0ffee0000000001/wx1000000000000002", "wxb4ce000000000002/wx1000000000000001"]);
    expect([...fleet.links.keys()]).toEqual(["wx0a00000000000001/wxc0ffee0000000001"]);
  });

  it("registers only the shard's resources, links with their official account", async () => {
    // Shard 1 of 2 holds wxb4ce000000000002 and wx0a00000000000001; wxc0ffee0000000001 is in shard 0.
    await registration(declareFleet(spec, { shard: { index: 1, count: 2 } }));
    expect(registered.map((r) => r.name).sort()).toEqual(["wx0a00000000000001/wxc0ffee0000000001", "wxb4ce000000000002/wx1000000000000001"]);
  });
});

describe("the fleet stacks' program (declareShard)", () => {
  it("refuses to run outside the runner, whose stacks are named <prefix>-<shard> and get the spec and count", () => {
    // The mocks' stack is "test": no shard number.
    expect(() => declareShard({ PULUMI_WECHAT_FLEET_SPEC: "fleet.yaml", PULUMI_WECHAT_FLEET_SHARDS: "4" })).toThrow(
      "this program runs under pulumi-wechat-fleet, which names its stacks <prefix>-<shard> and sets PULUMI_WECHAT_FLEET_SPEC and PULUMI_WECHAT_FLEET_SHARDS",
    );
    expect(registered).toHaveLength(0);
  });
});
