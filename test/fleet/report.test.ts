import { describe, expect, it } from "vitest";
import type { ResourceOutcome } from "../../drift/engine-events";
import {
  type FleetReport,
  type ShardReport,
  countOutcomes,
  emptyCounts,
  exitCode,
  formatDuration,
  mergeReports,
  parseReport,
  renderMarkdown,
  shardOutcome,
  summaryLimit,
} from "../../fleet/report";
import { adoptingWords } from "../../provider/adoption";

const pluginType = "pulumi-nodejs:dynamic/wechat:MiniProgramPlugin";
const linkType = "pulumi-nodejs:dynamic/wechat:OfficialAccountLink";
const outcome = (op: string, failed = false): ResourceOutcome => ({ urn: `urn:${op}`, type: pluginType, name: op, op, inputs: {}, outputs: {}, reasons: [], failed });

/** A fleet's plugin as an operation found it: named by its id, as the fleet names it. */
function pluginAt(appId: string, pluginAppId: string, op: string, outputs: Record<string, unknown> = {}, inputs: Record<string, unknown> = {}): ResourceOutcome {
  return { urn: `urn:${appId}/${pluginAppId}`, type: pluginType, name: `${appId}/${pluginAppId}`, op, inputs: { appId, pluginAppId, ...inputs }, outputs, reasons: [], failed: false };
}

function linkAt(officialAccountAppId: string, miniProgramAppId: string, op: string, outputs: Record<string, unknown> = {}, inputs: Record<string, unknown> = {}): ResourceOutcome {
  const name = `${officialAccountAppId}/${miniProgramAppId}`;
  return { urn: `urn:${name}`, type: linkType, name, op, inputs: { officialAccountAppId, miniProgramAppId, showProfile: false, notifyUsers: false, ...inputs }, outputs, reasons: [], failed: false };
}

function shard(index: number, overrides: Partial<ShardReport> = {}): ShardReport {
  return {
    shard: index,
    stack: `wechat-fleet-${index}`,
    status: "done",
    counts: { ...emptyCounts(), unchanged: 3 },
    drift: [],
    waiting: [],
    items: [],
    seconds: 12,
    log: `.pulumi-wechat-fleet/logs/wechat-fleet-${index}.log`,
    ...overrides,
  };
}

/** A drift shard's report of these outcomes, as the runner builds it. */
function planned(index: number, outcomes: ResourceOutcome[], now = Date.parse("2026-11-25T11:00:00.000Z")): ShardReport {
  return shard(index, shardOutcome("drift", outcomes, [], now));
}

function report(overrides: Partial<FleetReport> = {}): FleetReport {
  return {
    operation: "drift",
    shards: 4,
    stackPrefix: "wechat-fleet",
    parts: [],
    startedAt: "2026-11-25T10:00:00.000Z",
    seconds: 75,
    tokens: { componentTokens: 1, accountTokens: 12 },
    stacks: [0, 1, 2, 3].map((i) => shard(i)),
    ...overrides,
  };
}

const driftLine = "plugin wx1000000000000002 on mini program wxc0ffee0000000001 (wxc0ffee0000000001/wx1000000000000002): not bound at WeChat (unbound outside Pulumi, or never applied); `pulumi up` applies for it";

describe("counting an operation's resources", () => {
  it("counts each engine step once, and a failed resource as failed only", () => {
    const resources = ["create", "create", "update", "replace", "delete", "same", "same", "read"].map((op) => outcome(op));
    expect(countOutcomes([...resources, outcome("create", true)])).toEqual({ created: 2, adopted: 0, updated: 1, replaced: 1, deleted: 1, unchanged: 2, failed: 1 });
  });

  const mp = "wxc0ffee0000000001";
  const toAdopt = pluginAt(mp, "wx1000000000000001", "create", {}, { adopt: true });
  const toCreate = pluginAt(mp, "wx1000000000000002", "create");

  it("counts a planned create of a resource with adopt: true as adopted, apart from the creates", () => {
    expect(countOutcomes([toAdopt, toCreate])).toMatchObject({ created: 1, adopted: 1 });
  });

  it("counts a create as adopted after an up only when the provider said it adopted that resource", () => {
    const said = [`plugin wx1000000000000001 on mini program ${mp}: already at WeChat (approved)${adoptingWords}`];
    expect(countOutcomes([toAdopt, toCreate], said)).toMatchObject({ created: 1, adopted: 1 });
    // adopt: true, and WeChat had nothing to adopt: the up created it.
    expect(countOutcomes([toAdopt, toCreate], [])).toMatchObject({ created: 2, adopted: 0 });
  });
});

describe("a shard's outcome", () => {
  const mp = "wxc0ffee0000000001";
  const outcomes = [
    pluginAt(mp, "wx1000000000000001", "create", {}, { adopt: true, version: "2.2.46" }),
    pluginAt(mp, "wx1000000000000002", "update", { status: "approved", appliedVersion: "1.0.0" }, { version: "2.2.46" }),
    pluginAt(mp, "wx1000000000000003", "same", { status: "applying" }),
  ];
  const said = [`plugin wx1000000000000001 on mini program ${mp}: already at WeChat (approved)${adoptingWords}`];

  it.each(["preview", "drift"] as const)("of %s lists each resource that would change and each waiting, with the adoption counted apart", (operation) => {
    const { counts, drift, waiting, items } = shardOutcome(operation, outcomes, []);
    expect(counts).toMatchObject({ created: 0, adopted: 1, updated: 1, unchanged: 1 });
    expect(drift).toEqual([
      `plugin wx1000000000000001 on mini program ${mp} (${mp}/wx1000000000000001): not in the stack (adopt: true); \`pulumi up\` adopts what WeChat has, or applies for it`,
      `plugin wx1000000000000002 on mini program ${mp} (${mp}/wx1000000000000002): version 2.2.46 is not applied (applied: 1.0.0); \`pulumi up\` applies it`,
    ]);
    expect(waiting).toHaveLength(1);
    expect(items.map(({ list, op }) => `${list} ${op}`)).toEqual(["drift adopt", "drift update", "waiting same"]);
  });

  it.each(["up", "recover"] as const)("of %s lists nothing, and counts as adopted the creates the provider said it adopted", (operation) => {
    const { counts, drift, waiting, items } = shardOutcome(operation, outcomes, said);
    expect(counts).toMatchObject({ created: 0, adopted: 1, updated: 1, unchanged: 1 });
    expect([drift, waiting, items]).toEqual([[], [], []]);
    expect(shardOutcome(operation, outcomes, []).counts).toMatchObject({ created: 1, adopted: 0 });
  });
});

describe("the exit code", () => {
  it("is 0 when every shard is done and no drift was found", () => {
    expect(exitCode(report())).toBe(0);
  });

  it("is 2 when drift was found", () => {
    expect(exitCode(report({ stacks: [shard(0), shard(1, { drift: [driftLine] })] }))).toBe(2);
  });

  it("is 1 when a shard failed or was not started, drift or not", () => {
    expect(exitCode(report({ stacks: [shard(0, { drift: [driftLine] }), shard(1, { status: "failed", error: "x" })] }))).toBe(1);
    expect(exitCode(report({ operation: "up", stacks: [shard(0), shard(1, { status: "skipped" })] }))).toBe(1);
  });

  it("is 0 for a preview, whatever it would change", () => {
    expect(exitCode(report({ operation: "preview", stacks: [shard(0, { counts: { ...emptyCounts(), created: 4 } })] }))).toBe(0);
  });
});

describe("the Markdown report", () => {
  it("has a table row per shard and a total, and the tokens fetched", () => {
    const text = renderMarkdown(report({ operation: "up", stacks: [shard(0, { counts: { ...emptyCounts(), created: 5, adopted: 2, unchanged: 1 } }), shard(1)] }));
    expect(text).toContain("## WeChat fleet `up`: done in 2 shards");
    expect(text).toContain("4 shards (stacks `wechat-fleet-0` … `wechat-fleet-3`), this report covers every shard · 1 min 15 s · exit 0");
    expect(text).toContain("| shard | stack | result | created | adopted | updated | replaced | deleted | unchanged | failed | time |");
    expect(text).toContain("| 0 | `wechat-fleet-0` | done | 5 | 2 | 0 | 0 | 0 | 1 | 0 | 12 s |");
    expect(text).toContain("| **total** | | | **5** | **2** | **0** | **0** | **0** | **4** | **0** | 1 min 15 s |");
    expect(text).toContain("**Tokens fetched from WeChat** (by the run's token broker): component tokens 1 · account tokens 12");
    expect(text).not.toContain("nothing was changed");
  });

  it("lists drift per stack, and the resources waiting for people apart", () => {
    const outcomes = [pluginAt("wxc0ffee0000000001", "wx1000000000000002", "create"), linkAt("wx0a00000000000001", "wxc0ffee0000000001", "same", { status: "pendingOfficialAccountAdmin" })];
    const text = renderMarkdown(report({ stacks: [shard(0), planned(1, outcomes)] }));
    expect(text).toContain("## WeChat fleet `drift`: drift in 1 of 2 shards");
    expect(text).toContain("| 1 | `wechat-fleet-1` | drift |");
    expect(text).toContain("| 0 | `wechat-fleet-0` | clean |");
    expect(text).toContain("The counts are what `up` would do; nothing was changed.");
    expect(text).toContain(`### Drift (1)\n\n- \`wechat-fleet-1\`: ${driftLine}`);
    expect(text).toContain(
      "### Waiting for people (not drift; `up` acts once they answer) (1)\n\n- official account wx0a00000000000001 (1 waiting, `wechat-fleet-1`): for the official account's admin, link to mini program wxc0ffee0000000001",
    );
    expect(text).not.toContain("<details>");
    expect(renderMarkdown(report())).toContain("## WeChat fleet `drift`: no drift in 4 shards");
  });

  it("shows each failure with its log, and the shards --fail-fast did not start", () => {
    const text = renderMarkdown(
      report({ operation: "up", stacks: [shard(0, { status: "failed", error: "plugin apply failed: WeChat error 45009\nsecond line" }), shard(1, { status: "skipped", log: undefined })] }),
    );
    expect(text).toContain("## WeChat fleet `up`: 1 of 2 shards failed, 1 not started");
    expect(text).toContain("- `wechat-fleet-0` (log `.pulumi-wechat-fleet/logs/wechat-fleet-0.log`):\n  ```\n  plugin apply failed: WeChat error 45009\n  second line\n  ```");
    expect(text).toContain("Not started (after a failure with --fail-fast, or an interruption): `wechat-fleet-1`.");
    expect(text).toContain("exit 1");
  });

  it("groups the waiting items by account from their fields, with their count, and lists an older report's lines as they are", () => {
    const applied = Date.parse("2026-11-25T10:00:00.000Z");
    const mp = "wxc0ffee0000000001";
    const oa = "wx0a00000000000001";
    const plugins = planned(0, [pluginAt(mp, "wx1000000000000001", "same", { status: "applying", appliedAt: "2026-11-25T10:00:00.000Z" }), pluginAt(mp, "wx1000000000000002", "same", { status: "applying" })], applied + 3600_000);
    const links = planned(1, [
      linkAt(oa, "wxc0ffee0000000001", "same", { status: "pendingOfficialAccountAdmin" }),
      linkAt(oa, "wxc0ffee0000000002", "same", { status: "pendingMiniProgramAdmin" }),
      linkAt(oa, "wxc0ffee0000000003", "same", { status: "pendingMiniProgramAdmin" }),
    ]);
    // The grouping reads the fields, not the sentences.
    links.items = links.items!.map((item) => ({ ...item, line: "reworded" }));
    const older = shard(2, { waiting: [`plugin wx1000000000000009 on mini program ${mp} (x): waiting for the plugin developer`], items: undefined });
    const text = renderMarkdown(report({ stacks: [plugins, links, older] }));
    expect(text).toContain(
      [
        "### Waiting for people (not drift; `up` acts once they answer) (6)",
        "",
        "- mini program wxc0ffee0000000001 (2 waiting, `wechat-fleet-0`): for the plugin developer, plugin wx1000000000000001 (since 2026-11-25T10:00:00.000Z, times out in about 47 h), plugin wx1000000000000002 (an unanswered application times out after about 48 h)",
        "- official account wx0a00000000000001 (3 waiting, `wechat-fleet-1`): for the official account's admin, link to mini program wxc0ffee0000000001; for the mini program's admin, link to mini program wxc0ffee0000000002, link to mini program wxc0ffee0000000003",
        "- `wechat-fleet-2`: plugin wx1000000000000009 on mini program wxc0ffee0000000001 (x): waiting for the plugin developer",
        "",
      ].join("\n"),
    );
  });

  it("lists the plugins kept refused (onRejected: keep) apart from drift and from what waits, and they make no drift", () => {
    const mp = "wxc0ffee0000000001";
    const kept = planned(0, [pluginAt(mp, "wx1000000000000001", "same", { status: "rejected" }, { onRejected: "keep" })]);
    const built = report({ stacks: [kept] });
    expect(exitCode(built)).toBe(0);
    const text = renderMarkdown(built);
    expect(text).toContain("## WeChat fleet `drift`: no drift in 1 shard");
    expect(text).toContain(
      "### Kept as refused (not drift; `up` leaves them) (1)\n\n" +
        "- `wechat-fleet-0`: plugin wx1000000000000001 on mini program wxc0ffee0000000001 (wxc0ffee0000000001/wx1000000000000001): refused by the plugin developer; " +
        "kept as refused (onRejected: keep): drop it from the spec, or set onRejected: reapply to apply again",
    );
    expect(text).not.toContain("### Drift");
    expect(text).not.toContain("### Waiting");
  });

  it("lists for a preview what `up` would change, adoptions as adoptions, and exits 0", () => {
    const mp = "wxc0ffee0000000001";
    const outcomes = [pluginAt(mp, "wx1000000000000001", "create", {}, { adopt: true }), pluginAt(mp, "wx1000000000000002", "create")];
    const built = report({ operation: "preview", stacks: [shard(0, shardOutcome("preview", outcomes, []))] });
    expect(exitCode(built)).toBe(0);
    const text = renderMarkdown(built);
    expect(text).toContain("| 0 | `wechat-fleet-0` | done | 1 | 1 | 0 | 0 | 0 | 0 | 0 | 12 s |");
    expect(text).toContain(
      "### What `up` would change (2)\n\n" +
        `- \`wechat-fleet-0\`: plugin wx1000000000000001 on mini program ${mp} (${mp}/wx1000000000000001): not in the stack (adopt: true); \`pulumi up\` adopts what WeChat has, or applies for it\n` +
        `- \`wechat-fleet-0\`: plugin wx1000000000000002 on mini program ${mp} (${mp}/wx1000000000000002): not bound at WeChat`,
    );
  });

  it("keeps a report of 7,000 resources under GitHub's 1 MiB job-summary limit, with every line, the totals on top and the long lists collapsed", () => {
    const hex = (n: number, width = 16) => n.toString(16).padStart(width, "0");
    const miniProgram = (n: number) => `wxc0ffee${hex(n, 10)}`;
    const outcomes: ResourceOutcome[][] = Array.from({ length: 28 }, () => []);
    // 2,000 plugins unbound outside Pulumi on 1,000 mini programs; 4,000 applications unanswered on another 1,000, and
    // 1,000 invitations on 500 official accounts: 7,000 resources in 28 shards of 250.
    for (let n = 0; n < 1000; n++) {
      for (const p of [1, 2]) outcomes[n % 28].push(pluginAt(miniProgram(n), `wx10000000000000${hex(p, 2)}`, "create"));
    }
    for (let n = 1000; n < 2000; n++) {
      for (const p of [3, 4, 5, 6]) outcomes[n % 28].push(pluginAt(miniProgram(n), `wx10000000000000${hex(p, 2)}`, "same", { status: "applying", appliedAt: "2026-11-25T10:00:00.000Z" }));
    }
    for (let n = 0; n < 500; n++) {
      const account = `wx0a${hex(n, 14)}`;
      for (const m of [n, n + 500]) outcomes[n % 28].push(linkAt(account, miniProgram(m), "same", { status: "pendingOfficialAccountAdmin" }));
    }
    const stacks = outcomes.map((resources, i) => planned(i, resources));
    for (const s of stacks) s.counts = { ...emptyCounts(), created: s.drift.length, unchanged: 250 - s.drift.length };
    const big = report({ shards: 28, stacks });
    const text = renderMarkdown(big);
    const size = Buffer.byteLength(text);
    expect(size).toBeLessThan(summaryLimit);
    expect(text).not.toContain("more not shown");
    expect(text.match(/wxc0ffee\w+\/wx1000000000000001\): not bound/g)).toHaveLength(1000);
    expect(text.match(/plugin wx100000000000000[3-6] \(since/g)).toHaveLength(4000);
    expect(text.match(/link to mini program/g)).toHaveLength(1000);
    expect(text).toContain("- mini program wxc0ffee00000003e8 (4 waiting, `wechat-fleet-20`): for the plugin developer, plugin wx1000000000000003 (since");

    // The top: the headline, the coverage line and the totals, in a few hundred bytes; the shards' rows collapsed below.
    const top = text.slice(0, text.indexOf("<details>"));
    expect(top.split("\n")).toEqual([
      "## WeChat fleet `drift`: drift in 28 of 28 shards",
      "",
      "28 shards (stacks `wechat-fleet-0` … `wechat-fleet-27`), this report covers every shard · 1 min 15 s · exit 2",
      "",
      "| shard | stack | result | created | adopted | updated | replaced | deleted | unchanged | failed | time |",
      "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
      "| **total** | | | **2000** | **0** | **0** | **0** | **0** | **5000** | **0** | 1 min 15 s |",
      "",
      "",
    ]);
    expect(text).toContain("<details><summary>Per shard (28: 28 drift)</summary>\n\n| shard | stack |");
    expect(text).toContain("### Drift (2,000)\n\n<details><summary>2,000 resources in 28 shards</summary>\n\n- `wechat-fleet-0`: plugin");
    expect(text).toContain("### Waiting for people (not drift; `up` acts once they answer) (5,000)\n\nBy account:");
    expect(text).toContain("<details><summary>5,000 resources on 1,500 accounts</summary>");
    expect(text.match(/<details>/g)).toHaveLength(text.match(/<\/details>/g)!.length);
  });

  it("cuts the long lists past GitHub's limit, keeping the failures, and says how many it left out", () => {
    // 20,000 drift lines of 400 characters: 8 MB, if nothing were cut.
    const long = `plugin wx1000000000000001 on mini program wxc0ffee0000000001 (wxc0ffee0000000001/wx1000000000000001): ${"x".repeat(300)}`;
    const stacks = Array.from({ length: 40 }, (_, i) => shard(i, { drift: Array.from({ length: 500 }, () => long) }));
    stacks[3] = shard(3, { status: "failed", error: `plugin apply failed\n${"y".repeat(200)}\n`.repeat(100) });
    const text = renderMarkdown(report({ shards: 40, stacks }));
    expect(Buffer.byteLength(text)).toBeLessThan(summaryLimit);
    expect(text).toMatch(/- … and [\d,]+ more not shown, to keep this report under GitHub's 1 MiB job-summary limit; the JSON report \(--json\) has every one\./);
    expect(text).toContain("### Failures (1)\n\n- `wechat-fleet-3` (log `.pulumi-wechat-fleet/logs/wechat-fleet-3.log`):\n  ```\n  plugin apply failed");
    expect(text).toMatch(/\n {2}… [\d,]+ more characters: the JSON report \(--json\) has the whole error\n {2}```/);
  });

  it("says which --only parts it covers, and none fetched when no token was", () => {
    const text = renderMarkdown(report({ parts: ["1/2", "2/2"], tokens: {} }));
    expect(text).toContain("this report covers parts 1/2, 2/2 of the shards");
    expect(text).toContain("(by the run's token broker): none");
  });
});

describe("the runner's looks", () => {
  it("names the stacks the engine looked at instead of the runner, and why; none when the runner looked at all", () => {
    expect(renderMarkdown(report({ operation: "drift", stacks: [shard(0), shard(1)] }))).not.toContain("Looked at through the engine's refresh");
    const text = renderMarkdown(report({ operation: "drift", stacks: [shard(0), shard(1, { engineLook: "the state holds operations a killed run left pending" })] }));
    expect(text).toContain("Looked at through the engine's refresh, not the runner's own reads: `wechat-fleet-1` (the state holds operations a killed run left pending).");
  });
});

describe("merging the reports of --only runs", () => {
  const a = report({ parts: ["1/2"], startedAt: "2026-11-25T10:00:05.000Z", seconds: 60, stacks: [shard(0), shard(2, { drift: [driftLine] })] });
  const b = report({ parts: ["2/2"], startedAt: "2026-11-25T10:00:00.000Z", seconds: 90, tokens: { componentTokens: 1, accountTokens: 7 }, stacks: [shard(3), shard(1)] });

  it("joins their stacks in shard order, adds their tokens, and keeps the earliest start and the longest time", () => {
    expect(mergeReports([{ file: "a.json", report: a }, { file: "b.json", report: b }])).toEqual({
      operation: "drift",
      shards: 4,
      stackPrefix: "wechat-fleet",
      parts: ["1/2", "2/2"],
      missingParts: [],
      startedAt: "2026-11-25T10:00:00.000Z",
      seconds: 90,
      tokens: { componentTokens: 2, accountTokens: 19 },
      stacks: [shard(0), shard(1), shard(2, { drift: [driftLine] }), shard(3)],
    });
  });

  it("names the parts none of the reports covers, says so at the top of the Markdown, and exits 1 though no drift was found", () => {
    const part = (index: number, shards: number[]) => report({ shards: 8, parts: [`${index}/4`], stacks: shards.map((i) => shard(i)) });
    const merged = mergeReports([
      { file: "part-3.json", report: part(3, [2, 6]) },
      { file: "part-1.json", report: part(1, [0, 4]) },
    ]);
    expect(merged.parts).toEqual(["1/4", "3/4"]);
    expect(merged.missingParts).toEqual(["2/4", "4/4"]);
    expect(exitCode(merged)).toBe(1);
    const text = renderMarkdown(merged);
    expect(text).toMatch(/^## WeChat fleet `drift`: no drift in 4 shards checked, 2 of 4 parts missing\n/);
    expect(text).toContain("this report covers parts 1/4, 3/4 of the shards · 1 min 15 s · exit 1");
    expect(text).toContain("**Parts 2/4 and 4/4 are missing: their shards were not checked.** Merge every part's `--json` report");
    expect(text.indexOf("are missing")).toBeLessThan(text.indexOf("| shard |"));
    expect(JSON.parse(JSON.stringify(merged))).toMatchObject({ parts: ["1/4", "3/4"], missingParts: ["2/4", "4/4"] });
    const one = mergeReports([{ file: "part-1.json", report: part(1, [0, 4]) }, { file: "part-2.json", report: part(2, [1, 5]) }, { file: "part-3.json", report: part(3, [2, 6]) }]);
    expect(renderMarkdown(one)).toContain("**Part 4/4 is missing: its shards were not checked.**");
  });

  it("lacks no part when every part is merged, and merges whole runs as they are", () => {
    expect(exitCode(mergeReports([{ file: "a.json", report: a }, { file: "b.json", report: b }]))).toBe(2);
    const whole = mergeReports([{ file: "all.json", report: report() }]);
    expect(whole).toMatchObject({ parts: [], missingParts: [] });
    expect(exitCode(whole)).toBe(0);
    expect(renderMarkdown(whole)).not.toContain("missing");
  });

  it("leaves the exit code of one part's own run to its shards: only a merge names the other parts missing", () => {
    expect(exitCode(report({ parts: ["2/4"] }))).toBe(0);
    expect(renderMarkdown(report({ parts: ["2/4"] }))).not.toContain("missing");
  });

  it("refuses parts of different splits, and one part twice", () => {
    const half = report({ parts: ["1/2"], stacks: [shard(0)] });
    const quarter = report({ parts: ["2/4"], stacks: [shard(1)] });
    expect(() => mergeReports([{ file: "half.json", report: half }, { file: "quarter.json", report: quarter }])).toThrow(
      "quarter.json has part 2/4, half.json a part of 2: merge the parts of one split (--only I/N with the same N)",
    );
    expect(() => mergeReports([{ file: "a.json", report: half }, { file: "again.json", report: { ...half, stacks: [] } }])).toThrow("part 1/2 is in both a.json and again.json");
  });

  it("refuses reports of different runs, and a stack in two reports", () => {
    expect(() => mergeReports([{ file: "a.json", report: a }, { file: "up.json", report: { ...b, operation: "up" } }])).toThrow(
      "up.json is a report of `up` on 4 shards (stacks wechat-fleet-*), a.json of `drift` on 4 shards (stacks wechat-fleet-*): only reports of one run can be merged",
    );
    expect(() => mergeReports([{ file: "a.json", report: a }, { file: "b.json", report: { ...b, shards: 3 } }])).toThrow("only reports of one run can be merged");
    expect(() => mergeReports([{ file: "a.json", report: a }, { file: "b.json", report: { ...b, stacks: [shard(0)] } }])).toThrow("stack wechat-fleet-0 is in both a.json and b.json");
  });

  it("reads only reports written with --json", () => {
    expect(parseReport(JSON.stringify(a), "a.json")).toEqual(a);
    expect(() => parseReport("{", "broken.json")).toThrow(/^broken\.json is not JSON: /);
    expect(() => parseReport(JSON.stringify({ steps: [] }), "preview.json")).toThrow("preview.json is not a report of pulumi-wechat-fleet (written with --json)");
    expect(() => parseReport("null", "null.json")).toThrow("null.json is not a report of pulumi-wechat-fleet");
    expect(() => parseReport(JSON.stringify({ ...a, parts: ["5/4"] }), "odd.json")).toThrow("odd.json is not a report of pulumi-wechat-fleet");
    expect(parseReport(JSON.stringify({ ...a, missingParts: ["2/2"] }), "m.json").missingParts).toEqual(["2/2"]);
  });
});

describe("the JSON report", () => {
  it("carries each resource that would change or waits as fields beside its line, and the lines as before", () => {
    const mp = "wxc0ffee0000000001";
    const stack = planned(0, [
      pluginAt(mp, "wx1000000000000001", "update", { status: "approved", appliedVersion: "2.2.40" }, { version: "2.2.46" }),
      pluginAt(mp, "wx1000000000000002", "create", {}, { adopt: true }),
      linkAt("wx0a00000000000001", mp, "same", { status: "pendingMiniProgramAdmin" }),
    ]);
    const json = JSON.parse(JSON.stringify(stack)) as ShardReport;
    const update = `plugin wx1000000000000001 on mini program ${mp} (${mp}/wx1000000000000001): version 2.2.46 is not applied (applied: 2.2.40); \`pulumi up\` applies it`;
    const adopt = `plugin wx1000000000000002 on mini program ${mp} (${mp}/wx1000000000000002): not in the stack (adopt: true); \`pulumi up\` adopts what WeChat has, or applies for it`;
    const waits = `link from official account wx0a00000000000001 to mini program ${mp} (wx0a00000000000001/${mp}): waiting for the mini program's admin`;
    expect(json.counts).toEqual({ created: 0, adopted: 1, updated: 1, replaced: 0, deleted: 0, unchanged: 1, failed: 0 });
    expect(json.drift).toEqual([update, adopt]);
    expect(json.waiting).toEqual([waits]);
    expect(json.items).toEqual([
      { list: "drift", kind: "plugin", name: `${mp}/wx1000000000000001`, account: mp, plugin: "wx1000000000000001", op: "update", differs: ["version"], status: "approved", declared: { version: "2.2.46" }, line: update },
      { list: "drift", kind: "plugin", name: `${mp}/wx1000000000000002`, account: mp, plugin: "wx1000000000000002", op: "adopt", differs: ["not in the stack"], declared: {}, line: adopt },
      {
        list: "waiting",
        kind: "link",
        name: `wx0a00000000000001/${mp}`,
        account: "wx0a00000000000001",
        miniProgram: mp,
        op: "same",
        differs: [],
        status: "pendingMiniProgramAdmin",
        declared: {},
        waitingFor: "the mini program's admin",
        line: waits,
      },
    ]);
  });

  it("merges a part written by the version before (no adopted count, no items) with one of this version: it adopted none apart, its lines stay", () => {
    const waits = "link from official account wx0a00000000000001 to mini program wxc0ffee0000000001 (x): waiting for the official account's admin";
    const older = {
      ...report({ parts: ["1/2"], stacks: [] }),
      stacks: [{ shard: 0, stack: "wechat-fleet-0", status: "done", counts: { created: 1, updated: 0, replaced: 0, deleted: 0, unchanged: 2, failed: 0 }, drift: [driftLine], waiting: [waits], seconds: 3 }],
    };
    const parsed = parseReport(JSON.stringify(older), "part-1.json");
    expect(parsed.stacks[0].counts.adopted).toBe(0);
    expect(parsed.stacks[0].items).toBeUndefined();
    const newer = report({ parts: ["2/2"], stacks: [planned(1, [pluginAt("wxc0ffee0000000002", "wx1000000000000001", "create", {}, { adopt: true })])] });
    const merged = mergeReports([
      { file: "part-1.json", report: parsed },
      { file: "part-2.json", report: parseReport(JSON.stringify(newer), "part-2.json") },
    ]);
    expect(merged.stacks.map((s) => s.counts)).toEqual([
      { created: 1, adopted: 0, updated: 0, replaced: 0, deleted: 0, unchanged: 2, failed: 0 },
      { ...emptyCounts(), adopted: 1 },
    ]);
    expect(exitCode(merged)).toBe(2);
    const text = renderMarkdown(merged);
    expect(text).toContain("| **total** | | | **1** | **1** | **0** | **0** | **0** | **2** | **0** |");
    expect(text).toContain(`- \`wechat-fleet-0\`: ${driftLine}`);
    expect(text).toContain(`### Waiting for people (not drift; \`up\` acts once they answer) (1)\n\n- \`wechat-fleet-0\`: ${waits}`);
  });

  it("refuses a report whose stacks are not a fleet report's", () => {
    const broken = { ...report(), stacks: [{ shard: 0, stack: "wechat-fleet-0", status: "done", counts: emptyCounts(), drift: "not a list", waiting: [] }] };
    expect(() => parseReport(JSON.stringify(broken), "odd.json")).toThrow("odd.json is not a report of pulumi-wechat-fleet (written with --json)");
    const noCounts = { ...report(), stacks: [{ ...shard(0), counts: null }] };
    expect(() => parseReport(JSON.stringify(noCounts), "odd.json")).toThrow("odd.json is not a report of pulumi-wechat-fleet");
  });
});

describe("durations", () => {
  it.each<[number, string]>([
    [0.4, "0 s"],
    [59.4, "59 s"],
    [65, "1 min 05 s"],
    [3599, "59 min 59 s"],
    [3725, "1 h 02 min"],
  ])("%s s reads %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
