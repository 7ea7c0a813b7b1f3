import { describe, expect, it } from "vitest";
import { fleetResources } from "../../fleet/resources";
import { shardOf } from "../../fleet/shards";
import { type FleetSpec, parseFleetSpec } from "../../fleet/spec";

const spec: FleetSpec = {
  miniPrograms: [
    { appId: "wxc0ffee0000000001", plugins: [{ pluginAppId: "wx1000000000000001", version: "2.2.46" }, { pluginAppId: "wx1000000000000004", adopt: true }] },
    { appId: "wxb4ce000000000002", plugins: [{ pluginAppId: "wx1000000000000001", reason: "maps" }] },
  ],
  officialAccounts: [{ appId: "wx0a00000000000001", links: [{ miniProgramAppId: "wxc0ffee0000000001", showProfile: false, adopt: true }] }],
};

describe("fleetResources", () => {
  it("declares each plugin and link under its WeChat id, with the resource's inputs and adopt passed through", () => {
    expect(fleetResources(spec)).toEqual([
      { type: "MiniProgramPlugin", name: "wxc0ffee0000000001/wx1000000000000001", inputs: { appId: "wxc0ffee0000000001", pluginAppId: "wx1000000000000001", version: "2.2.46" } },
      { type: "MiniProgramPlugin", name: "wxc0ffee0000000001/wx1000000000000004", inputs: { appId: "wxc0ffee0000000001", pluginAppId: "wx1000000000000004", adopt: true } },
      { type: "MiniProgramPlugin", name: "wxb4ce000000000002/wx1000000000000001", inputs: { appId: "wxb4ce000000000002", pluginAppId: "wx1000000000000001", reason: "maps" } },
      {
        type: "OfficialAccountLink",
        name: "wx0a00000000000001/wxc0ffee0000000001",
        inputs: { officialAccountAppId: "wx0a00000000000001", miniProgramAppId: "wxc0ffee0000000001", showProfile: false, adopt: true },
      },
    ]);
  });

  it("gives each plugin the onRejected that applies to it, and none where it is the default, so existing stacks see no new input", () => {
    const inputsOf = (yaml: string) => fleetResources(parseFleetSpec(yaml, "fleet.yaml")).map((resource) => resource.inputs);
    const plugins = `miniPrograms:\n  - appId: wxc0ffee0000000001\n    plugins:\n      - { pluginAppId: wx1000000000000001 }\n      - { pluginAppId: wx1000000000000002, onRejected: reapply }\n`;
    expect(inputsOf(`onRejected: keep\n${plugins}`)).toEqual([
      { appId: "wxc0ffee0000000001", pluginAppId: "wx1000000000000001", onRejected: "keep" },
      { appId: "wxc0ffee0000000001", pluginAppId: "wx1000000000000002" },
    ]);
    expect(inputsOf(`onRejected: reapply\n${plugins}`)).toEqual(inputsOf(plugins));
    expect(inputsOf(plugins)).toEqual([
      { appId: "wxc0ffee0000000001", pluginAppId: "wx1000000000000001" },
      { appId: "wxc0ffee0000000001", pluginAppId: "wx1000000000000002" },
    ]);
  });

  it("declares a shard's resources under the same names as the whole spec does", () => {
    const all = fleetResources(spec);
    const sharded = [0, 1, 2].flatMap((index) => fleetResources(spec, { index, count: 3 }));
    expect(sharded.map((r) => r.name).sort()).toEqual(all.map((r) => r.name).sort());
    for (const index of [0, 1, 2]) {
      for (const resource of fleetResources(spec, { index, count: 3 })) {
        expect(shardOf(resource.type === "MiniProgramPlugin" ? resource.inputs.appId : resource.inputs.officialAccountAppId, 3)).toBe(index);
      }
    }
  });
});
