import { describe, expect, it } from "vitest";
import { parseArgs, previewArgs, report } from "../../cli/drift";

describe("pulumi-wechat-drift's command line", () => {
  it("takes the stack, the project directory and the engine's parallelism", () => {
    expect(parseArgs(["--stack", "prod", "--cwd", "infra", "--parallel", "32"])).toEqual({ stack: "prod", cwd: "infra", parallel: 32 });
    expect(parseArgs(["-s", "prod", "-p", "8"])).toEqual({ stack: "prod", parallel: 8 });
  });

  it("refuses a missing stack, a parallelism that is not a positive whole number, and unknown flags", () => {
    expect(parseArgs(["--cwd", "infra"])).toBeUndefined();
    for (const n of ["0", "-1", "2.5", "many"]) expect(parseArgs(["--stack", "prod", "--parallel", n])).toBeUndefined();
    expect(parseArgs(["--stack", "prod", "--refresh"])).toBeUndefined();
  });

  it("runs a read-only preview of the stack with the engine's parallelism at 32 unless told otherwise", () => {
    const preview = ["preview", "--refresh", "--expect-no-changes", "--json", "--non-interactive", "--stack", "prod"];
    expect(previewArgs(parseArgs(["--stack", "prod"])!)).toEqual([...preview, "--parallel", "32"]);
    expect(previewArgs(parseArgs(["--stack", "prod", "-p", "8"])!)).toEqual([...preview, "--parallel", "8"]);
  });
});

describe("the drift report", () => {
  it("ignores reads and unchanged resources, and names what differs", () => {
    const urn = (type: string, name: string) => `urn:pulumi:prod::shop::pulumi-nodejs:dynamic/wechat:${type}::${name}`;
    const { drifted, lines } = report({
      steps: [
        { op: "same", urn: urn("MiniProgramPlugin", "chat") },
        { op: "refresh", urn: urn("OfficialAccountLink", "coffee") },
        { op: "create", urn: urn("MiniProgramPlugin", "map"), newState: { inputs: { appId: "wxc0ffee0000000001", pluginAppId: "wx1000000000000001" } } },
      ],
    });
    expect(drifted).toBe(true);
    expect(lines).toEqual(["plugin wx1000000000000001 on mini program wxc0ffee0000000001 (map): not bound at WeChat (unbound outside Pulumi, or never applied); `pulumi up` applies for it"]);
  });
});
