import { saysAdopted } from "../provider/adoption";
import { typeNameOf } from "../provider/identity";
import { describeLink } from "../provider/link";
import { describePlugin } from "../provider/plugin";
import type { ResourceOutcome } from "./engine-events";

/**
 * What differs between a stack (or a fleet's spec) and WeChat, in the words the drift command and the fleet runner
 * both print, and the exit codes both use: 0 no drift, 2 drift found, 1 the check itself failed.
 */

export const exitCodes = { clean: 0, failed: 1, drift: 2 } as const;

/**
 * One resource of the report: what `up` would do with it, or whom it waits for, in fields for the fleet's `--json`
 * report and in the sentence (line) the drift command and the Markdown print.
 */
export interface ReportItem {
  /** drift: `up` would act on it; waiting: a person answers first; kept: a refusal the spec keeps (onRejected: keep). */
  list: "drift" | "waiting" | "kept";
  kind: "plugin" | "link" | "other";
  /** The resource's name in the program (in a fleet, its id: `<account>/<app id>`). */
  name: string;
  /** The account whose list holds it: the mini program's app id (plugin), the official account's (link). */
  account?: string;
  /** A plugin's pluginAppId. */
  plugin?: string;
  /** A link's mini program. */
  miniProgram?: string;
  /**
   * What `up` would do: create, adopt (a create of a resource with `adopt: true`, which takes the binding or link
   * WeChat has, or makes it), update, replace, delete; same for an item that waits or is kept refused.
   */
  op: string;
  /** What differs: properties (version, showProfile, …), or "missing at WeChat", "not in the stack", "rejected", "expired", "not declared". */
  differs: string[];
  /** WeChat's status as the outputs say it (approved, applying, rejected, expired, linked, pendingMiniProgramAdmin, …); none for a create. */
  status?: string;
  /** The declared values that differ, e.g. { version: "2.2.46" }; for a create, what is declared beside the app ids. */
  declared: Record<string, unknown>;
  /** Whom a waiting item waits for: "the plugin developer", "the official account's admin", "the mini program's admin". */
  waitingFor?: string;
  /** When a waiting plugin's application was made, if known. */
  since?: string;
  /** Hours until that application times out unanswered, from the report's time. */
  timesOutInHours?: number;
  line: string;
}

export interface DriftReport {
  /** One line per resource that differs from the program: `pulumi up` would act on it. */
  drift: string[];
  /** Resources waiting for a person (a plugin developer, an admin): `up` cannot act on them, so they are not drift. */
  waiting: string[];
  /** Plugins the plugin developer refused that the program keeps so (onRejected: keep): not drift either. */
  kept: string[];
  /** The same resources, each with its fields, in that order. */
  items: ReportItem[];
}

/** How long WeChat leaves an application unanswered before it times out. */
const applicationWindowMs = 48 * 3600 * 1000;

/**
 * What a plan (a preview, the fleet's plan) says `up` would do, resource by resource. A resource with `adopt: true`
 * that `up` would create is an adoption: it is not in the stack, so the refresh never read it, and the plan cannot tell
 * whether WeChat has it; the line says both.
 */
export function report(resources: ResourceOutcome[], now = Date.now()): DriftReport {
  const items: ReportItem[] = [];
  for (const resource of resources) {
    if (resource.op === "same") {
      const item = waitingItem(resource, now) ?? keptItem(resource);
      if (item) items.push(item);
    } else if (resource.op !== "read") {
      items.push(changeItem(resource));
    }
  }
  const lines = (list: ReportItem["list"]) => items.filter((item) => item.list === list).map((item) => item.line);
  return { drift: lines("drift"), waiting: lines("waiting"), kept: lines("kept"), items };
}

/**
 * Whether a create takes what WeChat has rather than making it. After an `up` the provider's warning says so
 * (`<resource>: already at WeChat (approved); adopting it`); before it (`warnings` undefined: a plan or a preview), a
 * create of a resource with `adopt: true` counts as an adoption, as the report words it.
 */
export function adopts(resource: ResourceOutcome, warnings?: readonly string[]): boolean {
  if (resource.op !== "create" || resource.failed) return false;
  return warnings === undefined ? resource.inputs.adopt === true : saidAdopted(resource, warnings);
}

/** Whether the provider's warnings say that the resource's create adopted what WeChat had; they name it as describePlugin and describeLink do. */
export function saidAdopted(resource: ResourceOutcome, warnings: readonly string[]): boolean {
  const { fields, described } = subject(resource);
  return fields.kind !== "other" && warnings.some((warning) => warning.startsWith(`${described}:`) && saysAdopted(warning));
}

/** "since 2026-11-25T02:00:00.000Z, times out in about 38 h", or how long an application of unknown age may wait; none for a link. */
export function waitingDetail(item: Pick<ReportItem, "kind" | "since" | "timesOutInHours">): string | undefined {
  if (item.kind !== "plugin") return undefined;
  return item.since === undefined ? "an unanswered application times out after about 48 h" : `since ${item.since}, times out in about ${item.timesOutInHours} h`;
}

/** A property as the report prints it: the engine's JSON holds strings, numbers and booleans here. */
function shown(value: unknown, fallback: string): string {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : fallback;
}

/** The inputs that name the resource, which the item's account, plugin and miniProgram carry. */
const identityKeys = new Set(["appId", "pluginAppId", "officialAccountAppId", "miniProgramAppId"]);

interface Subject {
  /** describePlugin's or describeLink's words, as the provider's messages name the resource; its name for another type. */
  described: string;
  /** The subject of the line: those words and the resource's name. */
  what: string;
  fields: Pick<ReportItem, "kind" | "name" | "account" | "plugin" | "miniProgram" | "status">;
}

function subject(resource: ResourceOutcome): Subject {
  const field = (key: string) => shown(resource.inputs[key] ?? resource.outputs[key], "?");
  const type = typeNameOf(resource.type);
  const status = typeof resource.outputs.status === "string" ? { status: resource.outputs.status } : {};
  if (type === "MiniProgramPlugin") {
    const described = describePlugin({ appId: field("appId"), pluginAppId: field("pluginAppId") });
    return { described, what: `${described} (${resource.name})`, fields: { kind: "plugin", name: resource.name, account: field("appId"), plugin: field("pluginAppId"), ...status } };
  }
  if (type === "OfficialAccountLink") {
    const described = describeLink({ officialAccountAppId: field("officialAccountAppId"), miniProgramAppId: field("miniProgramAppId") });
    const fields = { kind: "link" as const, name: resource.name, account: field("officialAccountAppId"), miniProgram: field("miniProgramAppId"), ...status };
    return { described, what: `${described} (${resource.name})`, fields };
  }
  return { described: resource.name, what: resource.name, fields: { kind: "other", name: resource.name, ...status } };
}

/** The declared inputs of `keys`, or every declared one but the app ids; never the provider's own (`__provider`). */
function declaredValues(resource: ResourceOutcome, keys?: string[]): Record<string, unknown> {
  const wanted = (key: string) => (keys ? keys.includes(key) : !identityKeys.has(key) && key !== "adopt");
  return Object.fromEntries(Object.entries(resource.inputs).filter(([key, value]) => !key.startsWith("__") && value !== undefined && wanted(key)));
}

function waitingItem(resource: ResourceOutcome, now: number): ReportItem | undefined {
  const { what, fields } = subject(resource);
  const { kind } = fields;
  const status = resource.outputs.status;
  const item = (waitingFor: string, extra: Partial<ReportItem> = {}): ReportItem => {
    const detail = waitingDetail({ kind, ...extra });
    const line = `${what}: waiting for ${waitingFor}${detail === undefined ? "" : extra.since === undefined ? `; ${detail}` : ` ${detail}`}`;
    return { list: "waiting", ...fields, op: "same", differs: [], declared: {}, waitingFor, ...extra, line };
  };
  if (kind === "plugin" && status === "applying") {
    const appliedAt = Date.parse(shown(resource.outputs.appliedAt, ""));
    if (Number.isNaN(appliedAt)) return item("the plugin developer");
    const timesOutInHours = Math.max(0, Math.round((appliedAt + applicationWindowMs - now) / 3600_000));
    return item("the plugin developer", { since: new Date(appliedAt).toISOString(), timesOutInHours });
  }
  if (kind === "link" && status === "pendingOfficialAccountAdmin") return item("the official account's admin");
  if (kind === "link" && status === "pendingMiniProgramAdmin") return item("the mini program's admin");
  return undefined;
}

/** A plugin the plugin developer refused that the program keeps refused (onRejected: keep): `up` leaves it, so it is not drift. */
function keptItem(resource: ResourceOutcome): ReportItem | undefined {
  const { what, fields } = subject(resource);
  const { kind } = fields;
  if (kind !== "plugin" || resource.outputs.status !== "rejected" || resource.inputs.onRejected !== "keep") return undefined;
  const line = `${what}: refused by the plugin developer; kept as refused (onRejected: keep): drop it from the spec, or set onRejected: reapply to apply again`;
  return { list: "kept", ...fields, op: "same", differs: ["rejected"], declared: { onRejected: "keep" }, line };
}

function changeItem(resource: ResourceOutcome): ReportItem {
  const { what, fields } = subject(resource);
  const { kind } = fields;
  const old = resource.outputs;
  const reasons = resource.reasons;
  const said = reasons.join(", ") || "its inputs";
  const item = (op: string, differs: string[], declared: Record<string, unknown>, line: string): ReportItem => ({ list: "drift", ...fields, op, differs, declared, line });
  const created = (line: string) => item("create", ["missing at WeChat"], declaredValues(resource), `${what}: ${line}`);
  const adopted = (made: string) => item("adopt", ["not in the stack"], declaredValues(resource), `${what}: not in the stack (adopt: true); \`pulumi up\` adopts what WeChat has, or ${made}`);
  const replaced = (differs: string[], line: string) => item("replace", differs, declaredValues(resource, differs), `${what}: ${line}`);
  const op = adopts(resource) ? "adopt" : resource.op;
  switch (`${kind} ${op}`) {
    case "plugin create":
      return created("not bound at WeChat (unbound outside Pulumi, or never applied); `pulumi up` applies for it");
    case "plugin adopt":
      return adopted("applies for it");
    case "plugin replace":
      if (old.status === "rejected") return replaced(["rejected"], "the plugin developer rejected the application; `pulumi up` unbinds it and applies again");
      if (old.status === "expired") return replaced(["expired"], "the application expired unanswered; `pulumi up` unbinds it and applies again");
      return replaced(reasons, `${said} changed; \`pulumi up\` replaces it`);
    case "plugin update":
      return item("update", ["version"], declaredValues(resource, ["version"]), `${what}: version ${shown(resource.inputs.version, "?")} is not applied (applied: ${shown(old.appliedVersion, "none")}); \`pulumi up\` applies it`);
    case "plugin delete":
      return item("delete", ["not declared"], {}, `${what}: no longer declared; \`pulumi up\` unbinds it`);
    case "link create":
      return created("not linked at WeChat (removed outside Pulumi, or never made); `pulumi up` sends the invitation");
    case "link adopt":
      return adopted("sends the invitation");
    case "link replace":
      if (old.status === "rejected") return replaced(["rejected"], "the mini program's admin rejected the invitation; `pulumi up` invites again");
      return replaced(reasons, `${said} changed; \`pulumi up\` unlinks and links again`);
    case "link update":
      return item("update", ["miniProgramUsername"], declaredValues(resource, ["miniProgramUsername"]), `${what}: miniProgramUsername changed; \`pulumi up\` records it`);
    case "link delete":
      return item("delete", ["not declared"], {}, `${what}: no longer declared; \`pulumi up\` unlinks it`);
  }
  return item(op, reasons, declaredValues(resource, reasons), `${what}: ${op}${reasons.length ? ` (${said})` : ""}`);
}

/**
 * A drift check only reads, and every read waits on WeChat, not on this machine. With the engine's own default
 * (4 × cores: 8 on a 2-core runner) and resources declared account by account, every slot waits on the same
 * account and the accounts are read one after another; 32 lets the reads of several accounts overlap. Measured in
 * `npm run bench -- --parallel 32` (README, Performance): a refresh of 220 resources over 24 accounts at 50 ms per
 * call takes 1.2× the engine's own time instead of 1.5×.
 */
export const defaultParallel = 32;
