import { typeNameOf } from "../provider/identity";
import { describeLink } from "../provider/link";
import { describePlugin } from "../provider/plugin";
import type { ResourceOutcome } from "./engine-events";

/**
 * What differs between a stack (or a fleet's spec) and WeChat, in the words the drift command and the fleet runner
 * both print, and the exit codes both use: 0 no drift, 2 drift found, 1 the check itself failed.
 */

export const exitCodes = { clean: 0, failed: 1, drift: 2 } as const;

export interface DriftReport {
  /** One line per resource that differs from the program: `pulumi up` would act on it. */
  drift: string[];
  /** Resources waiting for a person (a plugin developer, an admin): `up` cannot act on them, so they are not drift. */
  waiting: string[];
}

/** How long WeChat leaves an application unanswered before it times out. */
const applicationWindowMs = 48 * 3600 * 1000;

export function report(resources: ResourceOutcome[], now = Date.now()): DriftReport {
  const drift: string[] = [];
  const waiting: string[] = [];
  for (const resource of resources) {
    if (resource.op === "same") {
      const line = describeWaiting(resource, now);
      if (line) waiting.push(line);
    } else if (resource.op !== "read") {
      drift.push(describeChange(resource));
    }
  }
  return { drift, waiting };
}

/** A property as the report prints it: the engine's JSON holds strings, numbers and booleans here. */
function shown(value: unknown, fallback: string): string {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : fallback;
}

function subject(resource: ResourceOutcome): { kind: "plugin" | "link" | "other"; what: string } {
  const field = (key: string) => shown(resource.inputs[key] ?? resource.outputs[key], "?");
  const type = typeNameOf(resource.type);
  if (type === "MiniProgramPlugin") {
    return { kind: "plugin", what: `${describePlugin({ appId: field("appId"), pluginAppId: field("pluginAppId") })} (${resource.name})` };
  }
  if (type === "OfficialAccountLink") {
    return { kind: "link", what: `${describeLink({ officialAccountAppId: field("officialAccountAppId"), miniProgramAppId: field("miniProgramAppId") })} (${resource.name})` };
  }
  return { kind: "other", what: resource.name };
}

function describeWaiting(resource: ResourceOutcome, now: number): string | undefined {
  const { kind, what } = subject(resource);
  const status = resource.outputs.status;
  if (kind === "plugin" && status === "applying") {
    const appliedAt = Date.parse(shown(resource.outputs.appliedAt, ""));
    if (Number.isNaN(appliedAt)) return `${what}: waiting for the plugin developer; an unanswered application times out after about 48 h`;
    const hoursLeft = Math.max(0, Math.round((appliedAt + applicationWindowMs - now) / 3600_000));
    return `${what}: waiting for the plugin developer since ${new Date(appliedAt).toISOString()}, times out in about ${hoursLeft} h`;
  }
  if (kind === "link" && status === "pendingOfficialAccountAdmin") return `${what}: waiting for the official account's admin`;
  if (kind === "link" && status === "pendingMiniProgramAdmin") return `${what}: waiting for the mini program's admin`;
  return undefined;
}

function describeChange(resource: ResourceOutcome): string {
  const { kind, what } = subject(resource);
  const old = resource.outputs;
  const reasons = resource.reasons.join(", ") || "its inputs";
  switch (`${kind} ${resource.op}`) {
    case "plugin create":
      return `${what}: not bound at WeChat (unbound outside Pulumi, or never applied); \`pulumi up\` applies for it`;
    case "plugin replace":
      if (old.status === "rejected") return `${what}: the plugin developer rejected the application; \`pulumi up\` unbinds it and applies again`;
      if (old.status === "expired") return `${what}: the application expired unanswered; \`pulumi up\` unbinds it and applies again`;
      return `${what}: ${reasons} changed; \`pulumi up\` replaces it`;
    case "plugin update":
      return `${what}: version ${shown(resource.inputs.version, "?")} is not applied (applied: ${shown(old.appliedVersion, "none")}); \`pulumi up\` applies it`;
    case "plugin delete":
      return `${what}: no longer declared; \`pulumi up\` unbinds it`;
    case "link create":
      return `${what}: not linked at WeChat (removed outside Pulumi, or never made); \`pulumi up\` sends the invitation`;
    case "link replace":
      if (old.status === "rejected") return `${what}: the mini program's admin rejected the invitation; \`pulumi up\` invites again`;
      return `${what}: ${reasons} changed; \`pulumi up\` unlinks and links again`;
    case "link delete":
      return `${what}: no longer declared; \`pulumi up\` unlinks it`;
  }
  return `${what}: ${resource.op}${resource.reasons.length ? ` (${reasons})` : ""}`;
}

/**
 * A drift check only reads, and every read waits on WeChat, not on this machine. With the engine's own default
 * (4 × cores: 8 on a 2-core runner) and resources declared account by account, every slot waits on the same
 * account and the accounts are read one after another; 32 lets the reads of several accounts overlap. Measured in
 * `npm run bench -- --parallel 32` (README, Performance): a refresh of 220 resources over 24 accounts at 50 ms per
 * call takes 1.2× the engine's own time instead of 1.5×.
 */
export const defaultParallel = 32;
