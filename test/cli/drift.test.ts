import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkDrift, parseArgs, previewArgs } from "../../cli/drift";
import { adopts, report } from "../../drift/report";
import { adoptingWords } from "../../provider/adoption";
import { EngineEvents, type EngineEvent, type ResourceOutcome } from "../../drift/engine-events";

const plugin = "pulumi-nodejs:dynamic/wechat:MiniProgramPlugin";
const link = "pulumi-nodejs:dynamic/wechat:OfficialAccountLink";
const urn = (type: string, name: string) => `urn:pulumi:prod::shop::${type}::${name}`;
const pluginInputs = { appId: "wxc0ffee0000000001", pluginAppId: "wx1000000000000001", version: "2.2.46" };
const linkInputs = { officialAccountAppId: "wx0a00000000000001", miniProgramAppId: "wxc0ffee0000000001" };
const thePlugin = "plugin wx1000000000000001 on mini program wxc0ffee0000000001 (p)";
const theLink = "link from official account wx0a00000000000001 to mini program wxc0ffee0000000001 (l)";

function outcome(type: string, op: string, outputs: Record<string, unknown> = {}, reasons: string[] = []): ResourceOutcome {
  const name = type === plugin ? "p" : type === link ? "l" : "other";
  const inputs = type === plugin ? pluginInputs : type === link ? linkInputs : {};
  return { urn: urn(type, name), type, name, op, inputs, outputs, reasons, failed: false };
}

describe("pulumi-wechat-drift's command line", () => {
  it("takes the stack, the project directory and the engine's parallelism, short or long", () => {
    expect(parseArgs(["--stack", "prod", "--cwd", "infra", "--parallel", "32"])).toEqual({ options: { stack: "prod", cwd: "infra", parallel: 32 } });
    expect(parseArgs(["-s", "prod", "-C", "infra", "-p", "8"])).toEqual({ options: { stack: "prod", cwd: "infra", parallel: 8 } });
  });

  it("checks the selected stack when no --stack is given, and answers --help", () => {
    expect(parseArgs([])).toEqual({ options: {} });
    expect(parseArgs(["--cwd", "infra", "--help"])).toEqual({ help: true });
    expect(parseArgs(["-h"])).toEqual({ help: true });
  });

  it.each([
    [["--refresh"], 'unknown argument "--refresh"'],
    [["prod"], 'unknown argument "prod"'],
    [["--stack"], "--stack needs a value"],
    [["--stack", "--cwd", "x"], "--stack needs a value"],
    [["--parallel", "0"], '--parallel must be a whole number ≥ 1, got "0"'],
    [["-p", "2.5"], '-p must be a whole number ≥ 1, got "2.5"'],
    [["--parallel", "many"], '--parallel must be a whole number ≥ 1, got "many"'],
  ])("refuses %j, saying %s", (argv, error) => {
    expect(parseArgs(argv)).toEqual({ error });
  });

  it("refreshes with the stack's current configuration (--run-program), at parallelism 32 unless told otherwise", () => {
    const preview = ["preview", "--refresh", "--run-program", "--expect-no-changes", "--json", "--non-interactive"];
    expect(previewArgs({ stack: "prod" })).toEqual([...preview, "--stack", "prod", "--parallel", "32"]);
    expect(previewArgs({ parallel: 8 })).toEqual([...preview, "--parallel", "8"]);
  });
});

describe("the drift report", () => {
  const now = Date.parse("2026-11-25T12:00:00Z");
  const ofPlugin = { kind: "plugin", name: "p", account: "wxc0ffee0000000001", plugin: "wx1000000000000001" };
  const ofLink = { kind: "link", name: "l", account: "wx0a00000000000001", miniProgram: "wxc0ffee0000000001" };
  const adopting = (type: string) => ({ ...outcome(type, "create"), inputs: { ...(type === plugin ? pluginInputs : linkInputs), adopt: true } });

  it.each<[string, ResourceOutcome, string, Record<string, unknown>]>([
    [
      "a plugin not bound at WeChat",
      outcome(plugin, "create"),
      `${thePlugin}: not bound at WeChat (unbound outside Pulumi, or never applied); \`pulumi up\` applies for it`,
      { ...ofPlugin, op: "create", differs: ["missing at WeChat"], declared: { version: "2.2.46" } },
    ],
    [
      "a plugin to adopt (adopt: true), which WeChat may have or not",
      adopting(plugin),
      `${thePlugin}: not in the stack (adopt: true); \`pulumi up\` adopts what WeChat has, or applies for it`,
      { ...ofPlugin, op: "adopt", differs: ["not in the stack"], declared: { version: "2.2.46" } },
    ],
    [
      "a rejected application",
      outcome(plugin, "replace", { status: "rejected" }, ["status"]),
      `${thePlugin}: the plugin developer rejected the application; \`pulumi up\` unbinds it and applies again`,
      { ...ofPlugin, op: "replace", differs: ["rejected"], status: "rejected", declared: {} },
    ],
    [
      "an expired application",
      outcome(plugin, "replace", { status: "expired" }, ["status"]),
      `${thePlugin}: the application expired unanswered; \`pulumi up\` unbinds it and applies again`,
      { ...ofPlugin, op: "replace", differs: ["expired"], status: "expired", declared: {} },
    ],
    [
      "a plugin whose app id changed",
      outcome(plugin, "replace", { status: "approved" }, ["appId"]),
      `${thePlugin}: appId changed; \`pulumi up\` replaces it`,
      { ...ofPlugin, op: "replace", differs: ["appId"], status: "approved", declared: { appId: "wxc0ffee0000000001" } },
    ],
    [
      "an approved plugin at another version",
      outcome(plugin, "update", { status: "approved", appliedVersion: "1.0.0" }),
      `${thePlugin}: version 2.2.46 is not applied (applied: 1.0.0); \`pulumi up\` applies it`,
      { ...ofPlugin, op: "update", differs: ["version"], status: "approved", declared: { version: "2.2.46" } },
    ],
    [
      "a plugin no longer declared",
      outcome(plugin, "delete", { status: "approved" }),
      `${thePlugin}: no longer declared; \`pulumi up\` unbinds it`,
      { ...ofPlugin, op: "delete", differs: ["not declared"], status: "approved", declared: {} },
    ],
    [
      "a link not at WeChat",
      outcome(link, "create"),
      `${theLink}: not linked at WeChat (removed outside Pulumi, or never made); \`pulumi up\` sends the invitation`,
      { ...ofLink, op: "create", differs: ["missing at WeChat"], declared: {} },
    ],
    [
      "a link to adopt (adopt: true)",
      adopting(link),
      `${theLink}: not in the stack (adopt: true); \`pulumi up\` adopts what WeChat has, or sends the invitation`,
      { ...ofLink, op: "adopt", differs: ["not in the stack"], declared: {} },
    ],
    [
      "a refused invitation",
      outcome(link, "replace", { status: "rejected" }, ["status"]),
      `${theLink}: the mini program's admin rejected the invitation; \`pulumi up\` invites again`,
      { ...ofLink, op: "replace", differs: ["rejected"], status: "rejected", declared: {} },
    ],
    [
      "a link whose showProfile changed",
      { ...outcome(link, "replace", { status: "linked" }, ["showProfile"]), inputs: { ...linkInputs, showProfile: true } },
      `${theLink}: showProfile changed; \`pulumi up\` unlinks and links again`,
      { ...ofLink, op: "replace", differs: ["showProfile"], status: "linked", declared: { showProfile: true } },
    ],
    [
      "a link whose mini program username changed",
      { ...outcome(link, "update", { status: "linked" }), inputs: { ...linkInputs, miniProgramUsername: "gh_c0ffee000001" } },
      `${theLink}: miniProgramUsername changed; \`pulumi up\` records it`,
      { ...ofLink, op: "update", differs: ["miniProgramUsername"], status: "linked", declared: { miniProgramUsername: "gh_c0ffee000001" } },
    ],
    [
      "a link no longer declared",
      outcome(link, "delete", { status: "linked" }),
      `${theLink}: no longer declared; \`pulumi up\` unlinks it`,
      { ...ofLink, op: "delete", differs: ["not declared"], status: "linked", declared: {} },
    ],
    ["a resource of another type", outcome("random:index:Thing", "update", {}, ["size"]), "other: update (size)", { kind: "other", name: "other", op: "update", differs: ["size"], declared: {} }],
  ])("names %s and what `up` does about it, in words and in fields", (_case, resource, line, fields) => {
    const found = report([resource], now);
    expect(found).toMatchObject({ drift: [line], waiting: [], kept: [] });
    expect(found.items).toEqual([{ list: "drift", ...fields, line }]);
  });

  it("never puts the provider's own inputs (__provider) or adopt among the declared values", () => {
    const created = { ...outcome(plugin, "create"), inputs: { __provider: "exports.handler = …", ...pluginInputs, adopt: false, onRejected: "keep" } };
    expect(report([created], now).items[0].declared).toEqual({ version: "2.2.46", onRejected: "keep" });
  });

  it.each<[string, ResourceOutcome, string, Record<string, unknown>]>([
    [
      "an application of known age",
      outcome(plugin, "same", { status: "applying", appliedAt: "2026-11-25T02:00:00.000Z" }),
      `${thePlugin}: waiting for the plugin developer since 2026-11-25T02:00:00.000Z, times out in about 38 h`,
      { ...ofPlugin, status: "applying", waitingFor: "the plugin developer", since: "2026-11-25T02:00:00.000Z", timesOutInHours: 38 },
    ],
    [
      "an adopted application of unknown age",
      outcome(plugin, "same", { status: "applying" }),
      `${thePlugin}: waiting for the plugin developer; an unanswered application times out after about 48 h`,
      { ...ofPlugin, status: "applying", waitingFor: "the plugin developer" },
    ],
    [
      "an invitation at the official account's admin",
      outcome(link, "same", { status: "pendingOfficialAccountAdmin" }),
      `${theLink}: waiting for the official account's admin`,
      { ...ofLink, status: "pendingOfficialAccountAdmin", waitingFor: "the official account's admin" },
    ],
    [
      "an invitation at the mini program's admin",
      outcome(link, "same", { status: "pendingMiniProgramAdmin" }),
      `${theLink}: waiting for the mini program's admin`,
      { ...ofLink, status: "pendingMiniProgramAdmin", waitingFor: "the mini program's admin" },
    ],
  ])("lists %s as waiting, not as drift", (_case, resource, line, fields) => {
    const found = report([resource], now);
    expect(found).toMatchObject({ drift: [], waiting: [line], kept: [] });
    expect(found.items).toEqual([{ list: "waiting", op: "same", differs: [], declared: {}, ...fields, line }]);
  });

  it("lists a refusal kept as it is (onRejected: keep) apart, as neither drift nor waiting, saying how to apply again", () => {
    const kept = { ...outcome(plugin, "same", { status: "rejected" }), inputs: { ...pluginInputs, onRejected: "keep" } };
    const line = `${thePlugin}: refused by the plugin developer; kept as refused (onRejected: keep): drop it from the spec, or set onRejected: reapply to apply again`;
    const found = report([kept], now);
    expect(found).toMatchObject({ drift: [], waiting: [], kept: [line] });
    expect(found.items).toEqual([{ list: "kept", ...ofPlugin, op: "same", differs: ["rejected"], status: "rejected", declared: { onRejected: "keep" }, line }]);
  });

  it("passes over what matches and what is only read", () => {
    const matching = [outcome(plugin, "same", { status: "approved" }), outcome(link, "same", { status: "linked" }), outcome(plugin, "read", { status: "approved" })];
    expect(report(matching, now)).toEqual({ drift: [], waiting: [], kept: [], items: [] });
  });
});

describe("the drift command's output", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  /** A `pulumi` that prints these engine events, as `pulumi preview --json` streams them, and exits 0. */
  function fakePulumi(events: EngineEvent[]): string {
    const dir = mkdtempSync(join(tmpdir(), "drift-"));
    dirs.push(dir);
    writeFileSync(join(dir, "events.jsonl"), `${events.map((event) => JSON.stringify(event)).join("\n")}\n`);
    writeFileSync(join(dir, "pulumi"), `#!/bin/sh\ncat "${join(dir, "events.jsonl")}"\n`, { mode: 0o755 });
    return join(dir, "pulumi");
  }
  const metadata = (op: string, name: string, inputs: Record<string, unknown>, outputs: Record<string, unknown>) => ({
    op,
    urn: urn(plugin, name),
    type: plugin,
    old: { inputs, outputs },
    new: { inputs, outputs },
  });

  it("lists a refusal kept as it is (onRejected: keep) apart, and exits 0 when nothing else differs", async () => {
    const kept = { ...pluginInputs, onRejected: "keep" };
    const rejected = { ...kept, status: "rejected" };
    const pulumi = fakePulumi([
      { resourcePreEvent: { metadata: metadata("refresh", "p", kept, rejected) } },
      { resOutputsEvent: { metadata: metadata("refresh", "p", kept, rejected) } },
      { resourcePreEvent: { metadata: metadata("same", "p", kept, rejected) } },
    ]);
    expect(await checkDrift({ stack: "prod", pulumi, env: {} })).toEqual({
      code: 0,
      output: [
        "no drift: WeChat matches stack prod",
        "Kept as refused (not drift; `pulumi up` leaves them):",
        `  - ${thePlugin}: refused by the plugin developer; kept as refused (onRejected: keep): drop it from the spec, or set onRejected: reapply to apply again`,
      ].join("\n"),
    });
  });
});

describe("telling an adoption from a create", () => {
  const declared = { ...outcome(plugin, "create"), inputs: { ...pluginInputs, adopt: true } };
  const adoptedWarning = `plugin wx1000000000000001 on mini program wxc0ffee0000000001: already at WeChat (approved)${adoptingWords}`;

  it("takes a planned create of a resource with adopt: true for an adoption, and any other create for a create", () => {
    expect(adopts(declared)).toBe(true);
    expect(adopts(outcome(plugin, "create"))).toBe(false);
    expect(adopts({ ...declared, op: "same" })).toBe(false);
  });

  it("after an up, believes the provider's warning, naming the resource as its messages do, and nothing else", () => {
    expect(adopts(declared, [adoptedWarning])).toBe(true);
    expect(adopts(outcome(plugin, "create"), [adoptedWarning])).toBe(true);
    // adopt: true and no warning: WeChat had none, so the up made it.
    expect(adopts(declared, [])).toBe(false);
    expect(adopts(declared, [adoptedWarning.replace("wx1000000000000001", "wx1000000000000002")])).toBe(false);
    expect(adopts(declared, ["plugin wx1000000000000001 on mini program wxc0ffee0000000001: already in the mini program's plugin list at WeChat, approved"])).toBe(false);
    expect(adopts({ ...declared, failed: true }, [adoptedWarning])).toBe(false);
    const theLinkWarning = `link from official account wx0a00000000000001 to mini program wxc0ffee0000000001: already at WeChat (linked)${adoptingWords}`;
    expect(adopts(outcome(link, "create"), [theLinkWarning])).toBe(true);
  });
});

describe("engine events", () => {
  const step = (op: string, type: string, name: string, old?: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    op,
    urn: urn(type, name),
    type,
    old: old && { inputs: pluginInputs, outputs: old },
    new: { inputs: pluginInputs, outputs: {} },
    ...extra,
  });

  it("keep WeChat's refreshed outputs, one outcome per resource (a replacement's steps make one), the failures and the errors", () => {
    const events: EngineEvent[] = [
      { resourcePreEvent: { metadata: step("same", "pulumi:pulumi:Stack", "shop-prod") } },
      { resourcePreEvent: { metadata: step("refresh", plugin, "a", { status: "applying" }) } },
      { resOutputsEvent: { metadata: { ...step("refresh", plugin, "a", { status: "applying" }), new: { outputs: { status: "rejected" } } } } },
      { resourcePreEvent: { metadata: step("replace", plugin, "a", { status: "rejected" }, { keys: ["status"] }) } },
      { resourcePreEvent: { metadata: step("delete-replaced", plugin, "a", { status: "rejected" }) } },
      { resourcePreEvent: { metadata: step("same", plugin, "b", { status: "approved" }) } },
      { resourcePreEvent: { metadata: step("create", plugin, "c") } },
      { resOpFailedEvent: { metadata: step("create", plugin, "c") } },
      { diagnosticEvent: { severity: "debug", message: "noise" } },
      { diagnosticEvent: { severity: "error", message: "plugin list for mini program wx… failed: WeChat error 45009\n" } },
    ];
    const collected = EngineEvents.parse(`${events.map((event) => JSON.stringify(event)).join("\n")}\n{"cut sh`);
    expect(collected.resources().map(({ name, op, outputs, reasons }) => ({ name, op, status: outputs.status, reasons }))).toEqual([
      { name: "a", op: "replace", status: "rejected", reasons: ["status"] },
      { name: "b", op: "same", status: "approved", reasons: [] },
      { name: "c", op: "create", status: undefined, reasons: [] },
    ]);
    expect(collected.resources().map((outcome) => outcome.failed)).toEqual([false, false, true]);
    expect(collected.errors).toEqual(["plugin list for mini program wx… failed: WeChat error 45009"]);
    // The replacement; the failed create changed nothing.
    expect(collected.changed()).toBe(1);
  });

  it("keep what `pulumi refresh --preview-only` found: the state, and what the read returned (null: gone)", () => {
    const approved = { status: "approved", appliedVersion: "2.2.46" };
    const refresh = (name: string, op: string, old: Record<string, unknown>, read: Record<string, unknown> | null): EngineEvent[] => [
      { resourcePreEvent: { metadata: step("refresh", plugin, name, old) } },
      { resOutputsEvent: { metadata: { ...step(op, plugin, name, old), new: read && { outputs: read } } } },
    ];
    const collect = (events: EngineEvent[]) => {
      const collected = new EngineEvents();
      for (const event of events) collected.add(event);
      return collected;
    };
    // In any key order, the same outputs are the same.
    const same = collect([...refresh("a", "same", approved, { appliedVersion: "2.2.46", status: "approved" }), ...refresh("b", "same", approved, approved)]);
    expect(same.refreshedAsStored()).toBe(true);
    expect(same.resources()).toEqual([]);
    expect(same.changed()).toBe(0);
    const changed = collect([...refresh("a", "update", { status: "applying" }, approved), ...refresh("b", "delete", approved, null)]);
    expect(changed.refreshedAsStored()).toBe(false);
    expect(changed.refreshedResources().map(({ name, state, read }) => ({ name, status: state.outputs.status, read }))).toEqual([
      { name: "a", status: "applying", read: approved },
      { name: "b", status: "approved", read: null },
    ]);
    // The op comes from the provider's diff of old and new outputs, so the outputs are what is compared.
    expect(collect(refresh("a", "same", { status: "applying" }, approved)).refreshedAsStored()).toBe(false);
    expect(collect(refresh("a", "update", approved, { ...approved })).refreshedAsStored()).toBe(true);
    // A refresh is not a step: nothing is counted as changed.
    expect(changed.resources()).toEqual([]);
    expect(changed.changed()).toBe(0);
  });
});
