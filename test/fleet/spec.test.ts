import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { FleetError } from "../../fleet/errors";
import { type FleetSpec, FleetSpecError, loadFleetSpec, parseFleetSpec, serializeFleetSpec } from "../../fleet/spec";

const mp = "wxc0ffee0000000001";
const mp2 = "wxb4ce000000000002";
const oa = "wx0a00000000000001";
const [p1, p2, p3, p4] = ["wx1000000000000001", "wx1000000000000002", "wx1000000000000003", "wx1000000000000004"];

const exampleYaml = `
pluginSets:
  retail:
    - { pluginAppId: ${p1}, version: 2.2.46 }
    - { pluginAppId: ${p2} }
  chat:
    - { pluginAppId: ${p3}, reason: customer chat }
miniPrograms:
  - appId: ${mp}
    pluginSets: [retail, chat]
    plugins:
      - { pluginAppId: ${p4}, version: 1.0.0, adopt: true }
  - appId: ${mp2}
officialAccounts:
  - appId: ${oa}
    links:
      - { miniProgramAppId: ${mp}, showProfile: false, adopt: true }
      - { miniProgramAppId: ${mp2}, notifyUsers: true, miniProgramUsername: gh_b4ce }
`;

const exampleResolved: FleetSpec = {
  miniPrograms: [
    {
      appId: mp,
      plugins: [
        { pluginAppId: p1, version: "2.2.46" },
        { pluginAppId: p2 },
        { pluginAppId: p3, reason: "customer chat" },
        { pluginAppId: p4, version: "1.0.0", adopt: true },
      ],
    },
    { appId: mp2, plugins: [] },
  ],
  officialAccounts: [
    {
      appId: oa,
      links: [
        { miniProgramAppId: mp, showProfile: false, adopt: true },
        { miniProgramAppId: mp2, notifyUsers: true, miniProgramUsername: "gh_b4ce" },
      ],
    },
  ],
};

/** The problems parseFleetSpec reports for a spec given as a JavaScript value (written as JSON). */
function problemsOf(spec: unknown): string[] {
  try {
    parseFleetSpec(JSON.stringify(spec), "fleet.json");
  } catch (error) {
    if (error instanceof FleetSpecError) return error.problems;
    throw error;
  }
  return [];
}

describe("parseFleetSpec", () => {
  it("reads YAML and gives every mini program its full plugin list: its sets in order, then its own plugins", () => {
    expect(parseFleetSpec(exampleYaml, "fleet.yaml")).toEqual(exampleResolved);
  });

  it("reads the same spec written as JSON", () => {
    const json = JSON.stringify({
      pluginSets: { retail: [{ pluginAppId: p1, version: "2.2.46" }, { pluginAppId: p2 }], chat: [{ pluginAppId: p3, reason: "customer chat" }] },
      miniPrograms: [{ appId: mp, pluginSets: ["retail", "chat"], plugins: [{ pluginAppId: p4, version: "1.0.0", adopt: true }] }, { appId: mp2 }],
      officialAccounts: [
        {
          appId: oa,
          links: [
            { miniProgramAppId: mp, showProfile: false, adopt: true },
            { miniProgramAppId: mp2, notifyUsers: true, miniProgramUsername: "gh_b4ce" },
          ],
        },
      ],
    });
    expect(parseFleetSpec(json, "fleet.json")).toEqual(exampleResolved);
  });

  it("accepts an explicit empty spec and a $schema key for editors", () => {
    expect(parseFleetSpec("{}", "fleet.yaml")).toEqual({ miniPrograms: [], officialAccounts: [] });
    expect(problemsOf({ $schema: "./fleet-spec.schema.json" })).toEqual([]);
  });

  it("keeps provider: native, and leaves the default (dynamic) out, as specs before it resolve", () => {
    expect(parseFleetSpec("provider: native", "fleet.yaml")).toEqual({ provider: "native", miniPrograms: [], officialAccounts: [] });
    expect(parseFleetSpec("provider: dynamic", "fleet.yaml")).toEqual({ miniPrograms: [], officialAccounts: [] });
  });

  it("refuses an empty file, which would otherwise remove every plugin and link of the stack", () => {
    expect(() => parseFleetSpec("# nothing yet\n", "fleet.yaml")).toThrow("(top level): the spec is empty; write {} if no account is meant");
  });

  it("reports YAML syntax errors with their line and column", () => {
    const error = catchError(() => parseFleetSpec(`miniPrograms:\n  - appId: ${mp}\n    appId: ${mp2}\n`, "fleet.yaml"));
    expect(error.problems).toEqual(["line 3, column 5: Map keys must be unique"]);
  });

  it("reports duplicate keys in JSON too", () => {
    expect(() => parseFleetSpec(`{"miniPrograms": [], "miniPrograms": []}`, "fleet.json")).toThrow("line 1, column 22: Map keys must be unique");
  });

  it.each<[string, unknown, string]>([
    ["a bad version", { miniPrograms: [{ appId: mp, plugins: [{ pluginAppId: p1, version: "latest" }] }] }, `miniPrograms[0].plugins[0].version: must be a version x.y.z, e.g. 2.2.46; got "latest"`],
    ["a missing plugin app id", { miniPrograms: [{ appId: mp, plugins: [{ version: "1.0.0" }] }] }, "miniPrograms[0].plugins[0].pluginAppId: is required"],
    ["an app id in capitals", { miniPrograms: [{ appId: "WXC0FFEE0000000001" }] }, `miniPrograms[0].appId: must be an app id: wx followed by 16 lowercase hex digits; got "WXC0FFEE0000000001"`],
    ["a short app id", { officialAccounts: [{ appId: "wx0a" }] }, `officialAccounts[0].appId: must be an app id: wx followed by 16 lowercase hex digits; got "wx0a"`],
    ["an empty reason", { pluginSets: { retail: [{ pluginAppId: p1, reason: " " }] } }, `pluginSets.retail[0].reason: must be a non-empty string; got " "`],
    ["adopt as a string", { miniPrograms: [{ appId: mp, plugins: [{ pluginAppId: p1, adopt: "yes" }] }] }, `miniPrograms[0].plugins[0].adopt: must be true or false; got "yes"`],
    ["an onRejected the resource does not know", { miniPrograms: [{ appId: mp, plugins: [{ pluginAppId: p1, onRejected: "ignore" }] }] }, `miniPrograms[0].plugins[0].onRejected: must be "reapply" (the default: unbind and apply again) or "keep" (leave it refused); got "ignore"`],
    ["a top-level onRejected the resource does not know", { onRejected: "never" }, `onRejected: must be "reapply" (the default: unbind and apply again) or "keep" (leave it refused); got "never"`],
    [
      "a plugin a set keeps refused and the list does not, with no default",
      { pluginSets: { retail: [{ pluginAppId: p1, onRejected: "keep" }] }, miniPrograms: [{ appId: mp, pluginSets: ["retail"], plugins: [{ pluginAppId: p1 }] }] },
      `miniPrograms[0].plugins[0]: plugin ${p1} is declared differently by plugin set "retail" (miniPrograms[0].pluginSets[0]): onRejected unset here, "keep" there`,
    ],
    ["showProfile as a number", { officialAccounts: [{ appId: oa, links: [{ miniProgramAppId: mp, showProfile: 1 }] }] }, "officialAccounts[0].links[0].showProfile: must be true or false; got number 1"],
    ["a bad original id", { officialAccounts: [{ appId: oa, links: [{ miniProgramAppId: mp, miniProgramUsername: "coffee" }] }] }, `officialAccounts[0].links[0].miniProgramUsername: must be a mini program original id: gh_ followed by letters and digits; got "coffee"`],
    ["a misspelt plugin key", { miniPrograms: [{ appId: mp, plugins: [{ pluginAppId: p1, verison: "1.0.0" }] }] }, "miniPrograms[0].plugins[0].verison: unknown key; expected pluginAppId, version, reason, adopt, onRejected"],
    ["a misspelt link key", { officialAccounts: [{ appId: oa, links: [{ miniProgramAppId: mp, showProfil: true }] }] }, "officialAccounts[0].links[0].showProfil: unknown key; expected miniProgramAppId, notifyUsers, showProfile, miniProgramUsername, adopt"],
    ["a misspelt mini program key", { miniPrograms: [{ appId: mp, plugin: [] }] }, "miniPrograms[0].plugin: unknown key; expected appId, pluginSets, plugins"],
    ["a misspelt top-level key", { miniProgram: [] }, "miniProgram: unknown key; expected $schema, onRejected, provider, pluginSets, miniPrograms, officialAccounts"],
    ["a set name that is not an identifier, quoted in the path", { pluginSets: { "my set": [{ pluginAppId: "wx1" }] } }, `pluginSets["my set"][0].pluginAppId: must be an app id: wx followed by 16 lowercase hex digits; got "wx1"`],
    ["a list where a mapping belongs", { pluginSets: [] }, "pluginSets: must be a mapping from set names to lists of plugins; got a list"],
    ["a mapping where a list belongs", { miniPrograms: { appId: mp } }, "miniPrograms: must be a list; got a mapping"],
    ["a plugin that is not a mapping", { miniPrograms: [{ appId: mp, plugins: [p1] }] }, `miniPrograms[0].plugins[0]: must be a mapping with pluginAppId, version, reason, adopt, onRejected; got string "${p1}"`],
    ["an unknown provider", { provider: "nativ" }, `provider: must be "dynamic" (the default: pulumi-wechat's dynamic resources) or "native" (the wechat provider plugin); got "nativ"`],
    ["a spec that is not a mapping", [], "(top level): must be a mapping with $schema, onRejected, provider, pluginSets, miniPrograms, officialAccounts; got a list"],
    ["an empty section", { miniPrograms: null }, "miniPrograms: must be a list; got nothing"],
    ["a set name that is not a string", { pluginSets: { retail: [] }, miniPrograms: [{ appId: mp, pluginSets: [3] }] }, "miniPrograms[0].pluginSets[0]: must be the name of a plugin set; got number 3"],
    ["an unknown plugin set", { pluginSets: { retail: [] }, miniPrograms: [{ appId: mp, pluginSets: ["retial"] }] }, `miniPrograms[0].pluginSets[0]: unknown plugin set "retial"; pluginSets defines retail`],
    ["a plugin set when none is defined", { miniPrograms: [{ appId: mp, pluginSets: ["retail"] }] }, `miniPrograms[0].pluginSets[0]: unknown plugin set "retail"; pluginSets defines none`],
    ["a plugin set listed twice", { pluginSets: { retail: [] }, miniPrograms: [{ appId: mp, pluginSets: ["retail", "retail"] }] }, `miniPrograms[0].pluginSets[1]: plugin set "retail" is already listed at miniPrograms[0].pluginSets[0]`],
    ["a mini program listed twice", { miniPrograms: [{ appId: mp }, { appId: mp2 }, { appId: mp }] }, `miniPrograms[2].appId: mini program ${mp} is already listed at miniPrograms[0]`],
    ["an official account listed twice", { officialAccounts: [{ appId: oa }, { appId: oa }] }, `officialAccounts[1].appId: official account ${oa} is already listed at officialAccounts[0]`],
    ["a link listed twice, even alike", { officialAccounts: [{ appId: oa, links: [{ miniProgramAppId: mp }, { miniProgramAppId: mp }] }] }, `officialAccounts[0].links[1].miniProgramAppId: link to mini program ${mp} is already listed at officialAccounts[0].links[0]`],
    ["a plugin listed twice in one set", { pluginSets: { retail: [{ pluginAppId: p1 }, { pluginAppId: p1 }] } }, `pluginSets.retail[1].pluginAppId: plugin ${p1} is already listed at pluginSets.retail[0]`],
    ["a plugin listed twice in a mini program's list", { miniPrograms: [{ appId: mp, plugins: [{ pluginAppId: p1 }, { pluginAppId: p1 }] }] }, `miniPrograms[0].plugins[1].pluginAppId: plugin ${p1} is already listed at miniPrograms[0].plugins[0]`],
    [
      "a plugin two sets declare differently",
      { pluginSets: { retail: [{ pluginAppId: p1, version: "2.2.46" }], food: [{ pluginAppId: p1, version: "2.2.45", adopt: true }] }, miniPrograms: [{ appId: mp, pluginSets: ["retail", "food"] }] },
      `miniPrograms[0].pluginSets[1]: plugin set "food" declares plugin ${p1} differently from plugin set "retail" (miniPrograms[0].pluginSets[0]): version "2.2.45" here, "2.2.46" there; adopt true here, unset there`,
    ],
    [
      "a plugin a set and the mini program's list declare differently",
      { pluginSets: { retail: [{ pluginAppId: p1, version: "2.2.46" }] }, miniPrograms: [{ appId: mp, pluginSets: ["retail"], plugins: [{ pluginAppId: p1, reason: "maps" }] }] },
      `miniPrograms[0].plugins[0]: plugin ${p1} is declared differently by plugin set "retail" (miniPrograms[0].pluginSets[0]): version unset here, "2.2.46" there; reason "maps" here, unset there`,
    ],
  ])("refuses %s, naming its path", (_, spec, problem) => {
    expect(problemsOf(spec)).toEqual([problem]);
  });

  it("accepts a plugin declared alike by two sets, or by a set and the list, and keeps it once", () => {
    const spec = parseFleetSpec(
      JSON.stringify({
        pluginSets: { retail: [{ pluginAppId: p1, version: "2.2.46" }, { pluginAppId: p2 }], food: [{ pluginAppId: p1, version: "2.2.46" }] },
        miniPrograms: [{ appId: mp, pluginSets: ["retail", "food"], plugins: [{ pluginAppId: p2 }] }],
      }),
      "fleet.json",
    );
    expect(spec.miniPrograms).toEqual([{ appId: mp, plugins: [{ pluginAppId: p1, version: "2.2.46" }, { pluginAppId: p2 }] }]);
  });

  describe("onRejected, what up does with an application the plugin developer rejected", () => {
    const withDefault = (onRejected: unknown) =>
      parseFleetSpec(
        JSON.stringify({
          onRejected,
          pluginSets: { retail: [{ pluginAppId: p1 }, { pluginAppId: p2, onRejected: "reapply" }] },
          miniPrograms: [{ appId: mp, pluginSets: ["retail"], plugins: [{ pluginAppId: p3, onRejected: "keep" }, { pluginAppId: p4 }] }],
        }),
        "fleet.json",
      ).miniPrograms[0].plugins;

    it("is the top-level default of every plugin, sets' and lists', that does not set its own", () => {
      expect(withDefault("keep")).toEqual([{ pluginAppId: p1, onRejected: "keep" }, { pluginAppId: p2 }, { pluginAppId: p3, onRejected: "keep" }, { pluginAppId: p4, onRejected: "keep" }]);
    });

    it("is given to a plugin only when it keeps refusals: reapply, set or by default, leaves the inputs as they were before it existed", () => {
      expect(withDefault(undefined)).toEqual([{ pluginAppId: p1 }, { pluginAppId: p2 }, { pluginAppId: p3, onRejected: "keep" }, { pluginAppId: p4 }]);
      expect(withDefault("reapply")).toEqual(withDefault(undefined));
    });

    it("reads from YAML, top-level and per plugin", () => {
      const yaml = `onRejected: keep\nminiPrograms:\n  - appId: ${mp}\n    plugins:\n      - { pluginAppId: ${p1} }\n      - { pluginAppId: ${p2}, onRejected: reapply }\n`;
      expect(parseFleetSpec(yaml, "fleet.yaml").miniPrograms[0].plugins).toEqual([{ pluginAppId: p1, onRejected: "keep" }, { pluginAppId: p2 }]);
    });

    it("compares plugins declared twice as they apply: a set's keep and the list's silence agree under a top-level keep", () => {
      const spec = { onRejected: "keep", pluginSets: { retail: [{ pluginAppId: p1, onRejected: "keep" }] }, miniPrograms: [{ appId: mp, pluginSets: ["retail"], plugins: [{ pluginAppId: p1 }] }] };
      expect(problemsOf(spec)).toEqual([]);
      expect(problemsOf({ ...spec, onRejected: "reapply" })).toEqual([
        `miniPrograms[0].plugins[0]: plugin ${p1} is declared differently by plugin set "retail" (miniPrograms[0].pluginSets[0]): onRejected unset here, "keep" there`,
      ]);
    });
  });

  it("treats an optional field left empty as unset, as the resources do", () => {
    expect(parseFleetSpec(`miniPrograms:\n  - appId: ${mp}\n    plugins:\n      - pluginAppId: ${p1}\n        version:\n`, "fleet.yaml").miniPrograms[0].plugins).toEqual([{ pluginAppId: p1 }]);
  });

  it("reports every problem at once, in the order of the file", () => {
    const problems = problemsOf({
      pluginSets: { retail: [{ pluginAppId: p1, version: "latest" }] },
      miniPrograms: [
        { appId: mp, pluginSets: ["retail", "nope"] },
        { appId: "wx", plugins: [{ pluginAppId: p2, adopt: 1 }] },
      ],
      officialAccounts: [{ appId: oa, links: [{}] }],
    });
    expect(problems).toEqual([
      `pluginSets.retail[0].version: must be a version x.y.z, e.g. 2.2.46; got "latest"`,
      `miniPrograms[0].pluginSets[1]: unknown plugin set "nope"; pluginSets defines retail`,
      `miniPrograms[1].appId: must be an app id: wx followed by 16 lowercase hex digits; got "wx"`,
      "miniPrograms[1].plugins[0].adopt: must be true or false; got number 1",
      "officialAccounts[0].links[0].miniProgramAppId: is required",
    ]);
  });

  it("throws a FleetSpecError whose message names the file and lists the problems", () => {
    const error = catchError(() => parseFleetSpec(`miniPrograms:\n  - appId: wx1\n`, "shop.yaml"));
    expect(error).toBeInstanceOf(FleetSpecError);
    expect(error.fileName).toBe("shop.yaml");
    expect(error.message).toBe(`shop.yaml is not a valid fleet spec (1 problem):\n  - miniPrograms[0].appId: must be an app id: wx followed by 16 lowercase hex digits; got "wx1"`);
  });
});

describe("loadFleetSpec", () => {
  it("reads a file and names it in its errors", () => {
    const dir = mkdtempSync(join(tmpdir(), "fleet-spec-"));
    writeFileSync(join(dir, "fleet.yaml"), exampleYaml);
    writeFileSync(join(dir, "bad.yaml"), "miniPrograms: 3\n");
    expect(loadFleetSpec(join(dir, "fleet.yaml"))).toEqual(exampleResolved);
    expect(() => loadFleetSpec(join(dir, "bad.yaml"))).toThrow(`${join(dir, "bad.yaml")} is not a valid fleet spec`);
  });
});

describe("serializeFleetSpec", () => {
  const tricky: FleetSpec = {
    miniPrograms: [{ appId: mp, plugins: [{ pluginAppId: p1, version: "2.2.46", reason: "yes: no # really" }, { pluginAppId: p2, reason: "true" }, { pluginAppId: p3, reason: "123" }] }],
    officialAccounts: [{ appId: oa, links: [{ miniProgramAppId: mp, notifyUsers: true, adopt: true }] }],
  };

  it.each(["fleet.yaml", "fleet.json", "FLEET.JSON"])("writes %s so that parsing gives the spec back", (fileName) => {
    expect(parseFleetSpec(serializeFleetSpec(tricky, fileName), fileName)).toEqual(tricky);
    expect(parseFleetSpec(serializeFleetSpec(exampleResolved, fileName), fileName)).toEqual(exampleResolved);
  });

  it("writes JSON for a .json name and YAML, one line per plugin and link, otherwise", () => {
    expect(JSON.parse(serializeFleetSpec(exampleResolved, "fleet.json"))).toEqual(exampleResolved);
    expect(serializeFleetSpec(exampleResolved, "fleet.yaml")).toBe(`miniPrograms:
  - appId: ${mp}
    plugins:
      - { pluginAppId: ${p1}, version: 2.2.46 }
      - { pluginAppId: ${p2} }
      - { pluginAppId: ${p3}, reason: customer chat }
      - { pluginAppId: ${p4}, version: 1.0.0, adopt: true }
  - appId: ${mp2}
    plugins: []
officialAccounts:
  - appId: ${oa}
    links:
      - { miniProgramAppId: ${mp}, showProfile: false, adopt: true }
      - { miniProgramAppId: ${mp2}, notifyUsers: true, miniProgramUsername: gh_b4ce }
`);
  });

  it("writes a spec with plugin sets as written, and it resolves as the original does", () => {
    const written = parseFleetSpec(serializeFleetSpec(parseFleetSpec(exampleYaml, "a.yaml"), "b.yaml"), "b.yaml");
    expect(written).toEqual(parseFleetSpec(exampleYaml, "a.yaml"));
    expect(parseFleetSpec(serializeFleetSpec({ pluginSets: { retail: [{ pluginAppId: p1 }] }, miniPrograms: [{ appId: mp, pluginSets: ["retail"] }] }, "c.yaml"), "c.yaml")).toEqual({
      miniPrograms: [{ appId: mp, plugins: [{ pluginAppId: p1 }] }],
      officialAccounts: [],
    });
  });
});

function catchError(run: () => unknown): FleetSpecError {
  try {
    run();
  } catch (error) {
    if (error instanceof FleetSpecError) return error;
    throw error;
  }
  throw new Error("expected a FleetSpecError");
}

describe("a spec that cannot be read", () => {
  it("fails with FLEET_SPEC_INVALID naming the path and why: a folder, a missing file, a spec with problems", () => {
    const folder = mkdtempSync(join(tmpdir(), "fleet-spec-"));
    const codeOf = (path: string) => {
      try {
        loadFleetSpec(path);
      } catch (error) {
        return { code: (error as FleetError).code, message: (error as Error).message, stack: (error as Error).stack };
      }
      throw new Error(`${path} was read`);
    };
    expect(codeOf(folder)).toEqual({ code: "FLEET_SPEC_INVALID", message: `cannot read the fleet spec ${folder}: it is a folder; name the spec file in it (e.g. fleet.yaml)`, stack: "" });
    expect(codeOf(join(folder, "fleet.yaml"))).toMatchObject({ code: "FLEET_SPEC_INVALID", message: `cannot read the fleet spec ${join(folder, "fleet.yaml")}: there is no such file` });
    writeFileSync(join(folder, "bad.yaml"), "miniPrograms: 3\n");
    const invalid = codeOf(join(folder, "bad.yaml"));
    expect(invalid.code).toBe("FLEET_SPEC_INVALID");
    expect(invalid.message).toMatch(/bad\.yaml is not a valid fleet spec/);
  });
});
