import { describe, expect, it } from "vitest";
import { fleetSpecSchema } from "../../fleet/schema";
import { FleetSpecError, parseFleetSpec } from "../../fleet/spec";

function parses(spec: unknown): boolean {
  try {
    parseFleetSpec(JSON.stringify(spec), "fleet.json");
    return true;
  } catch (error) {
    if (error instanceof FleetSpecError) return false;
    throw error;
  }
}

const matches = (pattern: object, value: string) => new RegExp((pattern as { pattern: string }).pattern).test(value);

describe("the fleet spec's JSON Schema", () => {
  it("is written out as fleet/fleet-spec.schema.json (after a change: vitest run --project unit -u test/fleet)", async () => {
    await expect(`${JSON.stringify(fleetSpecSchema, null, 2)}\n`).toMatchFileSnapshot("../../fleet/fleet-spec.schema.json");
  });

  it.each([
    ["miniProgramAppId", "wxc0ffee0000000001"],
    ["miniProgramAppId", "wxC0FFEE0000000001"],
    ["miniProgramAppId", "wxc0ffee00000000011"],
    ["miniProgramAppId", "wxc0ffee000000000"],
    ["miniProgramUsername", "gh_b4ce_01"],
    ["miniProgramUsername", "gh_"],
    ["miniProgramUsername", "gh-b4ce"],
    ["miniProgramUsername", "gh_b4ce\n"],
  ])("agrees with parseFleetSpec on a link's %s %j", (field, value) => {
    const links = [{ miniProgramAppId: "wxc0ffee0000000001", [field]: value }];
    expect(matches(fleetSpecSchema.definitions.link.properties[field], value)).toBe(parses({ officialAccounts: [{ appId: "wx0a00000000000001", links }] }));
  });

  it.each([
    ["version", "2.2.46"],
    ["version", "2.2"],
    ["version", "v2.2.46"],
    ["version", "2.2.46-beta"],
    ["version", "2.2.46\n"],
    ["reason", "store locator"],
    ["reason", ""],
    ["reason", " \t"],
  ])("agrees with parseFleetSpec on a plugin's %s %j", (field, value) => {
    const plugins = [{ pluginAppId: "wx1000000000000001", [field]: value }];
    expect(matches(fleetSpecSchema.definitions.plugin.properties[field], value)).toBe(parses({ pluginSets: { retail: plugins } }));
  });

  it.each(["reapply", "keep", "Keep", "ignore", ""])("agrees with parseFleetSpec on onRejected %j, a plugin's and the top-level default", (value) => {
    const allowed = (schema: object) => (schema as { enum: readonly string[] }).enum.includes(value);
    const plugins = [{ pluginAppId: "wx1000000000000001", onRejected: value }];
    expect(allowed(fleetSpecSchema.definitions.plugin.properties.onRejected)).toBe(parses({ pluginSets: { retail: plugins } }));
    expect(allowed(fleetSpecSchema.properties.onRejected)).toBe(parses({ onRejected: value }));
  });
});
