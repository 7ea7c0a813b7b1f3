import { type ReportItem, adopts, report as driftReport, exitCodes, waitingDetail } from "../drift/report";
import type { ResourceOutcome } from "../drift/engine-events";
import { FleetError } from "./errors";
import type { Recovery } from "./recover";

/**
 * The fleet runner's one report: per shard and in total, what the operation did (or, for preview and drift, would
 * do), for preview and drift each resource that would change and those waiting for people, the failures, and the
 * tokens fetched from WeChat. Rendered as Markdown for a terminal or a
 * CI job summary, and kept as JSON so that the reports of `--only` runs on several machines can be merged.
 */

export type Operation = "up" | "preview" | "drift" | "destroy" | "recover";

export const operations: readonly Operation[] = ["up", "preview", "drift", "destroy", "recover"];

/** What the engine did, or would do, to the resources of a stack. */
export interface Counts {
  created: number;
  /** Creates that take the binding or link WeChat has (`adopt: true`); for preview and drift, creates of resources with `adopt: true`. */
  adopted: number;
  updated: number;
  /** Replaced resources: WeChat unbinds and applies again (or unlinks and invites again). */
  replaced: number;
  deleted: number;
  unchanged: number;
  failed: number;
}

const countNames = ["created", "adopted", "updated", "replaced", "deleted", "unchanged", "failed"] as const satisfies ReadonlyArray<keyof Counts>;

export interface ShardReport {
  shard: number;
  stack: string;
  /** done: the operation finished; failed: it did not (see error); skipped: not started, after a failure with --fail-fast or an interruption. */
  status: "done" | "failed" | "skipped";
  counts: Counts;
  /** One line per resource that differs from the spec, that `up` would change (preview and drift), as the drift command words them. */
  drift: string[];
  /** Resources waiting for a person: not drift (preview and drift). */
  waiting: string[];
  /**
   * The same resources with their fields, in that order, and the plugins kept refused (onRejected: keep), which `up`
   * leaves as they are (preview and drift; empty for the other operations). Reports of versions before it have none.
   */
  items?: ReportItem[];
  /** Why the shard failed: the engine's error messages, or the command's. */
  error?: string;
  seconds: number;
  /** The shard's Pulumi output, relative to the working folder. */
  log?: string;
  /** What `recover` found the stack left with by a killed run, and what it did (recover only). */
  recovery?: Recovery;
  /** Why the engine's refresh looked at this stack instead of the runner's own look (drift, up), when it did. */
  engineLook?: string;
  /** Whether the look found nothing for an up to do: every resource as declared, every read what the state holds (drift, up). */
  settled?: boolean;
}

export interface FleetReport {
  operation: Operation;
  /** The fleet's shard count. */
  shards: number;
  stackPrefix: string;
  /** The `--only` parts this report covers ("1/4"), none when the run covered every shard. */
  parts: string[];
  /**
   * A merged report of `--only` parts: the parts of the split (1/N … N/N) that none of the merged reports covers, so
   * that their shards were not checked (exit 1). Only `report --merge` writes it; a run's own report has none.
   */
  missingParts?: string[];
  startedAt: string;
  /** Wall time; for a merged report, that of the longest part (the parts run side by side). */
  seconds: number;
  /** Tokens the run's token broker fetched from WeChat by kind, and the authorizer list pages it read; the stacks fetch none themselves. */
  tokens: Record<string, number>;
  stacks: ShardReport[];
}


export function emptyCounts(): Counts {
  return { created: 0, adopted: 0, updated: 0, replaced: 0, deleted: 0, unchanged: 0, failed: 0 };
}

/**
 * The counts of one operation's resources; a failed resource counts as failed only. `warnings`: those of an
 * operation that ran (up, recover), which say which creates adopted; without them, the outcomes are a plan, and a
 * create of a resource with `adopt: true` counts as adopted (see adopts).
 */
export function countOutcomes(resources: ResourceOutcome[], warnings?: readonly string[]): Counts {
  const counts = emptyCounts();
  const byOp: Record<string, keyof Counts> = { create: "created", update: "updated", replace: "replaced", delete: "deleted", same: "unchanged" };
  for (const resource of resources) {
    const key = resource.failed ? "failed" : adopts(resource, warnings) ? "adopted" : byOp[resource.op];
    if (key) counts[key] += 1;
  }
  return counts;
}

/**
 * A shard's counts and, for preview and drift, its report items, from the outcomes of its operation and the
 * provider's warnings; preview and drift are plans, the others ran.
 */
export function shardOutcome(
  operation: Operation,
  outcomes: ResourceOutcome[],
  warnings: readonly string[],
  now = Date.now(),
): Pick<ShardReport, "counts" | "drift" | "waiting"> & { items: ReportItem[] } {
  const planned = operation === "preview" || operation === "drift";
  const counts = countOutcomes(outcomes, planned ? undefined : warnings);
  if (!planned) return { counts, drift: [], waiting: [], items: [] };
  const { drift, waiting, items } = driftReport(outcomes, now);
  return { counts, drift, waiting, items };
}

export function addCounts(a: Counts, b: Counts): Counts {
  const sum = emptyCounts();
  for (const name of countNames) sum[name] = a[name] + b[name];
  return sum;
}

/** Resources the operation changed (or would change): what the progress line and the summary call "changed". */
export function changed(counts: Counts): number {
  return counts.created + counts.adopted + counts.updated + counts.replaced + counts.deleted;
}

/**
 * Exit codes as the drift command's: 1 when any shard failed or was skipped, or a merged report lacks parts, else 2
 * when drift was found, else 0.
 */
export function exitCode(report: FleetReport): number {
  if ((report.missingParts ?? []).length > 0) return exitCodes.failed;
  if (report.stacks.some((s) => s.status !== "done")) return exitCodes.failed;
  if (report.operation === "drift" && report.stacks.some((s) => s.drift.length > 0)) return exitCodes.drift;
  return exitCodes.clean;
}

/**
 * Joins the reports of `--only` runs (same operation, fleet and prefix; each part and each stack in one report only),
 * and names the parts of their split that none of them covers. Reports of whole runs (no parts) join as they are.
 */
export function mergeReports(reports: Array<{ file: string; report: FleetReport }>): FleetReport {
  if (reports.length === 0) throw new FleetError("FLEET_REPORT_INVALID", "nothing to merge");
  const [first] = reports;
  const seen = new Map<string, string>();
  const partsSeen = new Map<string, string>();
  let split: { count: number; file: string } | undefined;
  for (const { file, report } of reports) {
    for (const key of ["operation", "shards", "stackPrefix"] as const) {
      if (report[key] !== first.report[key]) throw new FleetError("FLEET_REPORT_INVALID", `${file} is a report of ${describe(report)}, ${first.file} of ${describe(first.report)}: only reports of one run can be merged`);
    }
    for (const part of report.parts) {
      const { count } = parsePart(part);
      split ??= { count, file };
      if (count !== split.count) throw new FleetError("FLEET_REPORT_INVALID", `${file} has part ${part}, ${split.file} a part of ${split.count}: merge the parts of one split (--only I/N with the same N)`);
      const earlier = partsSeen.get(part);
      if (earlier !== undefined) throw new FleetError("FLEET_REPORT_INVALID", `part ${part} is in both ${earlier} and ${file}: merge the reports of one run's parts, each once`);
      partsSeen.set(part, file);
    }
    for (const { stack } of report.stacks) {
      const earlier = seen.get(stack);
      if (earlier !== undefined) throw new FleetError("FLEET_REPORT_INVALID", `stack ${stack} is in both ${earlier} and ${file}: merge the reports of one run's parts, each once`);
      seen.set(stack, file);
    }
  }
  const all = reports.map(({ report }) => report);
  const tokens: Record<string, number> = {};
  for (const report of all) for (const [kind, n] of Object.entries(report.tokens)) tokens[kind] = (tokens[kind] ?? 0) + n;
  const parts = all.flatMap((r) => r.parts).sort((a, b) => parsePart(a).index - parsePart(b).index);
  const missingParts = split === undefined ? [] : Array.from({ length: split.count }, (_, i) => `${i + 1}/${split.count}`).filter((part) => !partsSeen.has(part));
  return {
    operation: first.report.operation,
    shards: first.report.shards,
    stackPrefix: first.report.stackPrefix,
    parts,
    missingParts,
    startedAt: all.map((r) => r.startedAt).sort()[0],
    seconds: Math.max(...all.map((r) => r.seconds)),
    tokens,
    stacks: all.flatMap((r) => r.stacks).sort((a, b) => a.shard - b.shard),
  };
}

const partPattern = /^([1-9]\d*)\/([1-9]\d*)$/;

/** "2/4" as { index: 2, count: 4 }; parseReport has checked its form. */
function parsePart(part: string): { index: number; count: number } {
  const [, index, count] = partPattern.exec(part) ?? [];
  return { index: Number(index), count: Number(count) };
}

function isPart(value: unknown): boolean {
  if (typeof value !== "string" || !partPattern.test(value)) return false;
  const { index, count } = parsePart(value);
  return index <= count;
}

function describe(report: FleetReport): string {
  return `\`${report.operation}\` on ${report.shards} shards (stacks ${report.stackPrefix}-*)`;
}

/** Checks that parsed JSON is a fleet report, so that merging a wrong file says so rather than failing later. */
export function parseReport(text: string, file: string): FleetReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FleetError("FLEET_REPORT_INVALID", `${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const report = value as Partial<FleetReport> | null;
  const valid =
    typeof report === "object" &&
    report !== null &&
    operations.includes(report.operation as Operation) &&
    Number.isInteger(report.shards) &&
    typeof report.stackPrefix === "string" &&
    Array.isArray(report.parts) &&
    report.parts.every(isPart) &&
    (report.missingParts === undefined || (Array.isArray(report.missingParts) && report.missingParts.every(isPart))) &&
    typeof report.startedAt === "string" &&
    typeof report.seconds === "number" &&
    typeof report.tokens === "object" &&
    Array.isArray(report.stacks) &&
    report.stacks.every(isShardReport);
  if (!valid) throw new FleetError("FLEET_REPORT_INVALID", `${file} is not a report of pulumi-wechat-fleet (written with --json)`);
  // A report of a version before the adopted count counted adoptions as creates: it adopted none apart.
  for (const stack of report.stacks as ShardReport[]) stack.counts.adopted ??= 0;
  return report as FleetReport;
}

/** A shard's report as far as merging and rendering read it; a report of a version before the items has none. */
function isShardReport(value: unknown): boolean {
  const shard = value as Partial<ShardReport> | null;
  return (
    typeof shard === "object" &&
    shard !== null &&
    typeof shard.stack === "string" &&
    typeof shard.counts === "object" &&
    shard.counts !== null &&
    Array.isArray(shard.drift) &&
    Array.isArray(shard.waiting) &&
    (shard.items === undefined || Array.isArray(shard.items))
  );
}

/** "42 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

function result(report: FleetReport, shard: ShardReport): string {
  if (shard.status !== "done" || report.operation !== "drift") return shard.status;
  return shard.drift.length > 0 ? "drift" : "clean";
}

function headline(report: FleetReport): string {
  const shards = `${report.stacks.length} ${report.stacks.length === 1 ? "shard" : "shards"}`;
  const missing = report.missingParts ?? [];
  // With parts missing, "no drift" would claim more than was checked.
  const missingNote = missing.length > 0 ? ` checked, ${missing.length} of ${missing.length + report.parts.length} parts missing` : "";
  return `${outcome(report, shards)}${missingNote}`;
}

function outcome(report: FleetReport, shards: string): string {
  const failed = report.stacks.filter((s) => s.status === "failed").length;
  const skipped = report.stacks.filter((s) => s.status === "skipped").length;
  if (failed + skipped > 0) return [failed > 0 ? `${failed} of ${shards} failed` : "", skipped > 0 ? `${skipped} not started` : ""].filter(Boolean).join(", ");
  const drifted = report.stacks.filter((s) => s.drift.length > 0).length;
  if (report.operation === "drift") return drifted > 0 ? `drift in ${drifted} of ${shards}` : `no drift in ${shards}`;
  if (report.operation === "recover") return report.stacks.length === 0 ? "nothing to recover" : `recovered ${shards}`;
  return `done in ${shards}`;
}

/** "parts 2/4 and 4/4 are missing: their shards were not checked", or nothing when the report lacks no part. */
export function missingPartsProblem(report: FleetReport): string | undefined {
  const missing = report.missingParts ?? [];
  if (missing.length === 0) return undefined;
  const listed = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(", ")} and ${missing[missing.length - 1]}`;
  return missing.length === 1 ? `part ${listed} is missing: its shards were not checked` : `parts ${listed} are missing: their shards were not checked`;
}

/** GitHub refuses a step's job summary over 1 MiB; the Markdown stays under it, leaving room for a workflow's own lines. */
export const summaryLimit = 1024 * 1024;
const markdownBudget = summaryLimit - 32 * 1024;
/** A list longer than this (shards, drift lines, accounts waiting, failures) is collapsed, so the totals stay on top. */
const inlineItems = 10;
/** A failed shard's error beyond this is cut in the Markdown (the JSON report keeps it whole). */
const errorChars = 4000;

/** A list of the report: its heading, and its entries (Markdown list items, possibly of several lines). */
interface Section {
  title: string;
  count: number;
  /** What the collapsed section's summary says: "2,000 resources in 27 shards". */
  summary: string;
  intro?: string;
  entries: string[];
}

/**
 * The report in Markdown: fit for a terminal, and for a CI job summary as it is. The headline and the totals come
 * first; long lists are collapsed (`<details>`), waiting items are grouped by account, and at a fleet's scale the
 * lists are cut so that the whole stays under GitHub's job-summary limit, saying how many were left out.
 */
export function renderMarkdown(report: FleetReport): string {
  const lines = [...top(report), ...shardTable(report)];
  if (report.operation === "preview" || report.operation === "drift") lines.push("", "The counts are what `up` would do; nothing was changed.");
  const tokens = Object.entries(report.tokens);
  lines.push("", `**Tokens fetched from WeChat** (by the run's token broker): ${tokens.length > 0 ? tokens.map(([kind, n]) => `${words(kind)} ${n}`).join(" · ") : "none"}`);
  const skipped = report.stacks.filter((s) => s.status === "skipped").map((s) => `\`${s.stack}\``);
  const tail = skipped.length > 0 ? ["", `Not started (after a failure with --fail-fast, or an interruption): ${skipped.join(", ")}.`] : [];
  const engine = report.stacks.filter((s) => s.engineLook !== undefined);
  if (engine.length > 0) {
    const some = engine.slice(0, inlineItems).map((s) => `\`${s.stack}\` (${s.engineLook})`);
    const more = engine.length > inlineItems ? `, and ${engine.length - inlineItems} more` : "";
    lines.push("", `Looked at through the engine's refresh, not the runner's own reads: ${some.join(", ")}${more}.`);
  }

  if (report.operation === "recover" && report.stacks.length === 0) {
    lines.push("", "No stack of the fleet is locked or holds operations a killed run left pending: nothing was changed.");
  }
  const sections = [recoverySection(report), driftSection(report), waitingSection(report), keptSection(report), failureSection(report)].filter((section) => section.count > 0);
  const fixed = bytes([...lines, ...tail].join("\n")) + sections.reduce((sum, section) => sum + bytes(renderSection(section, 0).join("\n")) + 1, 0);
  const shares = fairShares(
    sections.map((section) => section.entries.reduce((sum, entry) => sum + bytes(entry) + 1, 0)),
    markdownBudget - fixed,
  );
  sections.forEach((section, i) => lines.push("", ...renderSection(section, shares[i])));
  return `${[...lines, ...tail].join("\n")}\n`;
}

function top(report: FleetReport): string[] {
  const covers = report.parts.length > 0 ? `parts ${report.parts.join(", ")} of the shards` : "every shard";
  const lines = [
    `## WeChat fleet \`${report.operation}\`: ${headline(report)}`,
    "",
    `${report.shards} shards (stacks \`${report.stackPrefix}-0\` … \`${report.stackPrefix}-${report.shards - 1}\`), this report covers ${covers} · ${formatDuration(report.seconds)} · exit ${exitCode(report)}`,
  ];
  const missing = missingPartsProblem(report);
  if (missing !== undefined) {
    lines.push("", `**${missing[0].toUpperCase()}${missing.slice(1)}.** Merge every part's \`--json\` report (one per \`--only I/N\`), or run the missing parts again; until then this report exits 1.`);
  }
  return lines;
}

/** The totals, with a row per shard above them; past a few shards, the rows are collapsed below the totals. */
function shardTable(report: FleetReport): string[] {
  const total = report.stacks.reduce((sum, s) => addCounts(sum, s.counts), emptyCounts());
  const head = [`| shard | stack | result | ${countNames.join(" | ")} | time |`, `|---:|---|---|${countNames.map(() => "---:").join("|")}|---:|`];
  const rows = report.stacks.map((s) => `| ${s.shard} | \`${s.stack}\` | ${result(report, s)} | ${countNames.map((n) => s.counts[n]).join(" | ")} | ${formatDuration(s.seconds)} |`);
  const totalRow = `| **total** | | | ${countNames.map((n) => `**${total[n]}**`).join(" | ")} | ${formatDuration(report.seconds)} |`;
  if (rows.length <= inlineItems) return ["", ...head, ...rows, totalRow];
  const results = new Map<string, number>();
  for (const s of report.stacks) results.set(result(report, s), (results.get(result(report, s)) ?? 0) + 1);
  const summary = [...results].map(([name, n]) => `${n} ${name}`).join(", ");
  return ["", ...head, totalRow, "", `<details><summary>Per shard (${thousands(rows.length)}: ${summary})</summary>`, "", ...head, ...rows, "", "</details>"];
}

/** What recover did in each stack: the dead run's lock removed, the interrupted creates adopted or made, the rest settled. */
function recoverySection(report: FleetReport): Section {
  const recovered = report.stacks.flatMap((s) => (s.recovery ? [{ stack: s.stack, ...s.recovery }] : []));
  const names = (list: string[]) => list.map((name) => `\`${name}\``).join(", ");
  const entries = recovered.map((r) =>
    [
      `- \`${r.stack}\`${r.lock ? `: lock of the killed run (${r.lock}) removed` : ""}`,
      ...(r.adopted.length > 0 ? [`  - adopted as WeChat has them (the killed run had made them): ${names(r.adopted)}`] : []),
      ...(r.created.length > 0 ? [`  - made now, once (the killed run had not): ${names(r.created)}`] : []),
      ...(r.failed.length > 0 ? [`  - failed again (see Failures): ${names(r.failed)}`] : []),
      ...(r.settled.length > 0 ? [`  - settled by the refresh: ${r.settled.join(", ")}`] : []),
    ].join("\n"),
  );
  const adopted = recovered.reduce((sum, r) => sum + r.adopted.length, 0);
  return { title: "Recovered", count: entries.length, summary: `${plural(entries.length, "stack")}, ${plural(adopted, "resource")} adopted`, entries };
}

/** Drift, or for a preview the changes `up` would make, one line per resource. */
function driftSection(report: FleetReport): Section {
  const entries = report.stacks.flatMap((s) => s.drift.map((line) => `- \`${s.stack}\`: ${line}`));
  const shards = report.stacks.filter((s) => s.drift.length > 0).length;
  const title = report.operation === "preview" ? "What `up` would change" : "Drift";
  return { title, count: entries.length, summary: `${plural(entries.length, "resource")} in ${plural(shards, "shard")}`, entries };
}

function waitingSection(report: FleetReport): Section {
  const groups = groupWaiting(report.stacks);
  const count = report.stacks.reduce((sum, s) => sum + s.waiting.length, 0);
  return {
    title: "Waiting for people (not drift; `up` acts once they answer)",
    count,
    summary: `${plural(count, "resource")} on ${plural(groups.length, "account")}`,
    intro:
      count > inlineItems
        ? "By account: a plugin waits for its developer to answer the application (unanswered, it times out after about 48 h), a link for an admin to answer the invitation."
        : undefined,
    entries: groups.map(renderWaitingGroup),
  };
}

/** Plugins refused by their developer that the spec keeps so (onRejected: keep): `up` leaves them, so they are not drift. */
function keptSection(report: FleetReport): Section {
  const kept = report.stacks.map((s) => ({ stack: s.stack, items: (s.items ?? []).filter((item) => item.list === "kept") }));
  const entries = kept.flatMap((s) => s.items.map((item) => `- \`${s.stack}\`: ${item.line}`));
  const shards = kept.filter((s) => s.items.length > 0).length;
  return { title: "Kept as refused (not drift; `up` leaves them)", count: entries.length, summary: `${plural(entries.length, "plugin")} in ${plural(shards, "shard")}`, entries };
}

function failureSection(report: FleetReport): Section {
  const failed = report.stacks.filter((s) => s.status === "failed");
  return {
    title: "Failures",
    count: failed.length,
    summary: plural(failed.length, "shard"),
    entries: failed.map((s) => `- \`${s.stack}\`${s.log ? ` (log \`${s.log}\`)` : ""}:\n  \`\`\`\n${indent(cut(s.error ?? "failed"))}\n  \`\`\``),
  };
}

/** The section's lines: its entries, collapsed when many, as many as fit in `share` bytes (0 for its size without them). */
function renderSection(section: Section, share: number): string[] {
  const shown: string[] = [];
  let used = 0;
  for (const entry of section.entries) {
    used += bytes(entry) + 1;
    if (used > share) break;
    shown.push(entry);
  }
  const left = section.entries.length - shown.length;
  const rest = left > 0 ? [`- … and ${thousands(left)} more not shown, to keep this report under GitHub's 1 MiB job-summary limit; the JSON report (--json) has every one.`] : [];
  const list = [...shown, ...rest];
  const heading = [`### ${section.title} (${thousands(section.count)})`, ...(section.intro ? ["", section.intro] : [])];
  if (section.entries.length <= inlineItems) return [...heading, "", ...list];
  return [...heading, "", `<details><summary>${section.summary}</summary>`, "", ...list, "", "</details>"];
}

/**
 * Splits a budget between lists of the given sizes: each gets what it needs, or an equal share of what the smaller
 * ones leave, so that one long list (thousands of drift lines) cannot crowd out the failures.
 */
function fairShares(sizes: number[], budget: number): number[] {
  const shares = sizes.map(() => 0);
  let left = Math.max(0, budget);
  const order = sizes.map((size, i) => ({ size, i })).sort((a, b) => a.size - b.size);
  order.forEach(({ size, i }, n) => {
    shares[i] = Math.min(size, Math.floor(left / (order.length - n)));
    left -= shares[i];
  });
  return shares;
}

interface WaitingGroup {
  /** "mini program wx…", "official account wx…"; none for a line of an older report, listed with its stack. */
  account?: string;
  stack: string;
  /** Who the items wait for ("the plugin developer"), each with its items: "plugin wx… (since …)". */
  waitingFor: Map<string, string[]>;
  count: number;
}

/**
 * The waiting items by account (the mini program of a plugin, the official account of a link), in the order they
 * come. A report of a version before the items has only the lines: each is listed as it is, with its stack.
 */
function groupWaiting(stacks: ShardReport[]): WaitingGroup[] {
  const groups = new Map<string, WaitingGroup>();
  const other: WaitingGroup[] = [];
  const asItIs = (stack: string, line: string) => other.push({ stack, waitingFor: new Map([["", [line]]]), count: 1 });
  for (const { stack, waiting, items } of stacks) {
    if (items === undefined) waiting.forEach((line) => asItIs(stack, line));
    for (const item of items ?? []) {
      if (item.list !== "waiting") continue;
      const where = waitingWhere(item);
      if (where === undefined || item.waitingFor === undefined) {
        asItIs(stack, item.line);
        continue;
      }
      const key = `${stack} ${where.account}`;
      const group = groups.get(key) ?? { account: where.account, stack, waitingFor: new Map<string, string[]>(), count: 0 };
      groups.set(key, group);
      const detail = waitingDetail(item);
      group.waitingFor.set(item.waitingFor, [...(group.waitingFor.get(item.waitingFor) ?? []), detail ? `${where.item} (${detail})` : where.item]);
      group.count += 1;
    }
  }
  return [...groups.values(), ...other];
}

/** The account a waiting item is listed under, and the item as that account's entry names it. */
function waitingWhere(item: ReportItem): { account: string; item: string } | undefined {
  if (item.kind === "plugin" && item.account && item.plugin) return { account: `mini program ${item.account}`, item: `plugin ${item.plugin}` };
  if (item.kind === "link" && item.account && item.miniProgram) return { account: `official account ${item.account}`, item: `link to mini program ${item.miniProgram}` };
  return undefined;
}

/** "- mini program wx… (3 waiting, `stack`): for the plugin developer, plugin wx… (since …), plugin wx…". */
function renderWaitingGroup(group: WaitingGroup): string {
  if (group.account === undefined) return `- \`${group.stack}\`: ${[...group.waitingFor.values()].flat().join("")}`;
  const parts = [...group.waitingFor].map(([who, items]) => `for ${who}, ${items.join(", ")}`);
  return `- ${group.account} (${group.count} waiting, \`${group.stack}\`): ${parts.join("; ")}`;
}

function cut(error: string): string {
  const text = error.trim();
  if (text.length <= errorChars) return text;
  const end = text.lastIndexOf("\n", errorChars);
  const kept = text.slice(0, end > 0 ? end : errorChars);
  return `${kept}\n… ${thousands(text.length - kept.length)} more characters: the JSON report (--json) has the whole error`;
}

function bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function thousands(n: number): string {
  return n.toLocaleString("en-US");
}

function plural(n: number, noun: string): string {
  return `${thousands(n)} ${noun}${n === 1 ? "" : "s"}`;
}

/** The broker's camelCase kinds as words: `componentTokens` → "component tokens". */
function words(kind: string): string {
  return kind.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
}

function indent(text: string): string {
  return text
    .trim()
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}
