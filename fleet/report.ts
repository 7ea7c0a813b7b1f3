import { exitCodes } from "../drift/report";
import type { ResourceOutcome } from "../drift/engine-events";
import { FleetError } from "./errors";

/**
 * The fleet runner's one report: per shard and in total, what the operation did (or, for preview and drift, would
 * do), the drift lines, the failures, and the tokens fetched from WeChat. Rendered as Markdown for a terminal or a
 * CI job summary, and kept as JSON so that the reports of `--only` runs on several machines can be merged.
 */

export type Operation = "up" | "preview" | "drift" | "destroy";

export const operations: readonly Operation[] = ["up", "preview", "drift", "destroy"];

/** What the engine did, or would do, to the resources of a stack. */
export interface Counts {
  created: number;
  updated: number;
  /** Replaced resources: WeChat unbinds and applies again (or unlinks and invites again). */
  replaced: number;
  deleted: number;
  unchanged: number;
  failed: number;
}

const countNames = ["created", "updated", "replaced", "deleted", "unchanged", "failed"] as const satisfies ReadonlyArray<keyof Counts>;

export interface ShardReport {
  shard: number;
  stack: string;
  /** done: the operation finished; failed: it did not (see error); skipped: not started, after a failure with --fail-fast or an interruption. */
  status: "done" | "failed" | "skipped";
  counts: Counts;
  /** One line per resource that differs from the spec (drift only), as the drift command words them. */
  drift: string[];
  /** Resources waiting for a person: not drift (drift only). */
  waiting: string[];
  /** Why the shard failed: the engine's error messages, or the command's. */
  error?: string;
  seconds: number;
  /** The shard's Pulumi output, relative to the working folder. */
  log?: string;
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
  return { created: 0, updated: 0, replaced: 0, deleted: 0, unchanged: 0, failed: 0 };
}

/** The counts of one operation's resources; a failed resource counts as failed only. */
export function countOutcomes(resources: ResourceOutcome[]): Counts {
  const counts = emptyCounts();
  const byOp: Record<string, keyof Counts> = { create: "created", update: "updated", replace: "replaced", delete: "deleted", same: "unchanged" };
  for (const resource of resources) {
    const key = resource.failed ? "failed" : byOp[resource.op];
    if (key) counts[key] += 1;
  }
  return counts;
}

export function addCounts(a: Counts, b: Counts): Counts {
  const sum = emptyCounts();
  for (const name of countNames) sum[name] = a[name] + b[name];
  return sum;
}

/** Resources the operation changed (or would change): what the progress line and the summary call "changed". */
export function changed(counts: Counts): number {
  return counts.created + counts.updated + counts.replaced + counts.deleted;
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
    Array.isArray(report.stacks);
  if (!valid) throw new FleetError("FLEET_REPORT_INVALID", `${file} is not a report of pulumi-wechat-fleet (written with --json)`);
  return report as FleetReport;
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
  const missingNote = missing.length > 0 ? `, ${missing.length} of ${missing.length + report.parts.length} parts missing` : "";
  return `${outcome(report, shards)}${missingNote}`;
}

function outcome(report: FleetReport, shards: string): string {
  const failed = report.stacks.filter((s) => s.status === "failed").length;
  const skipped = report.stacks.filter((s) => s.status === "skipped").length;
  if (failed + skipped > 0) return [failed > 0 ? `${failed} of ${shards} failed` : "", skipped > 0 ? `${skipped} not started` : ""].filter(Boolean).join(", ");
  const drifted = report.stacks.filter((s) => s.drift.length > 0).length;
  if (report.operation === "drift") return drifted > 0 ? `drift in ${drifted} of ${shards}` : `no drift in ${shards}`;
  return `done in ${shards}`;
}

/** "parts 2/4 and 4/4 are missing: their shards were not checked", or nothing when the report lacks no part. */
export function missingPartsProblem(report: FleetReport): string | undefined {
  const missing = report.missingParts ?? [];
  if (missing.length === 0) return undefined;
  const listed = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(", ")} and ${missing[missing.length - 1]}`;
  return missing.length === 1 ? `part ${listed} is missing: its shards were not checked` : `parts ${listed} are missing: their shards were not checked`;
}

/** The report in Markdown: fit for a terminal, and for a CI job summary as it is. */
export function renderMarkdown(report: FleetReport): string {
  const total = report.stacks.reduce((sum, s) => addCounts(sum, s.counts), emptyCounts());
  const covers = report.parts.length > 0 ? `parts ${report.parts.join(", ")} of the shards` : "every shard";
  const lines = [
    `## WeChat fleet \`${report.operation}\`: ${headline(report)}`,
    "",
    `${report.shards} shards (stacks \`${report.stackPrefix}-0\` … \`${report.stackPrefix}-${report.shards - 1}\`), this report covers ${covers} · ${formatDuration(report.seconds)} · exit ${exitCode(report)}`,
    "",
  ];
  const missing = missingPartsProblem(report);
  if (missing !== undefined) {
    lines.push(`**${missing[0].toUpperCase()}${missing.slice(1)}.** Merge every part's \`--json\` report (one per \`--only I/N\`), or run the missing parts again; until then this report exits 1.`, "");
  }
  lines.push(
    `| shard | stack | result | ${countNames.join(" | ")} | time |`,
    `|---:|---|---|${countNames.map(() => "---:").join("|")}|---:|`,
    ...report.stacks.map((s) => `| ${s.shard} | \`${s.stack}\` | ${result(report, s)} | ${countNames.map((n) => s.counts[n]).join(" | ")} | ${formatDuration(s.seconds)} |`),
    `| **total** | | | ${countNames.map((n) => `**${total[n]}**`).join(" | ")} | ${formatDuration(report.seconds)} |`,
  );
  if (report.operation === "preview" || report.operation === "drift") lines.push("", "The counts are what `up` would do; nothing was changed.");
  const tokens = Object.entries(report.tokens);
  lines.push("", `**Tokens fetched from WeChat** (by the run's token broker): ${tokens.length > 0 ? tokens.map(([kind, n]) => `${words(kind)} ${n}`).join(" · ") : "none"}`);
  const section = (title: string, items: string[]) => {
    if (items.length > 0) lines.push("", `### ${title} (${items.length})`, "", ...items);
  };
  section(
    "Drift",
    report.stacks.flatMap((s) => s.drift.map((line) => `- \`${s.stack}\`: ${line}`)),
  );
  section(
    "Waiting for people (not drift; `up` acts once they answer)",
    report.stacks.flatMap((s) => s.waiting.map((line) => `- \`${s.stack}\`: ${line}`)),
  );
  section(
    "Failures",
    report.stacks
      .filter((s) => s.status === "failed")
      .map((s) => `- \`${s.stack}\`${s.log ? ` (log \`${s.log}\`)` : ""}:\n  \`\`\`\n${indent(s.error ?? "failed")}\n  \`\`\``),
  );
  const skipped = report.stacks.filter((s) => s.status === "skipped").map((s) => `\`${s.stack}\``);
  if (skipped.length > 0) lines.push("", `Not started (after a failure with --fail-fast, or an interruption): ${skipped.join(", ")}.`);
  return `${lines.join("\n")}\n`;
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
