import { readFileSync } from "node:fs";
import { Document, LineCounter, isCollection, parseDocument, visit } from "yaml";
import { type Field, type OnRejected, checkFields, pick } from "../provider/inputs";
import { type LinkInputs, linkInputFields } from "../provider/link";
import { type PluginInputs, pluginInputFields } from "../provider/plugin";
import { FleetError } from "./errors";

/**
 * The fleet spec: which plugins each mini program uses and which mini programs each official account links to,
 * for a platform managing many accounts. One format, written as YAML or JSON (the `yaml` package reads both).
 * Everything is validated before anything runs, and every problem is reported with its path, all at once: a
 * fleet of thousands should not be fixed one error per run.
 */

/** A plugin of a mini program: MiniProgramPlugin's inputs less the mini program. */
export type PluginSpec = Omit<PluginInputs, "appId">;

/** A link of an official account: OfficialAccountLink's inputs less the official account; the flags default to false, as in the resource. */
export type LinkSpec = Omit<LinkInputs, "officialAccountAppId" | "notifyUsers" | "showProfile"> & Partial<Pick<LinkInputs, "notifyUsers" | "showProfile">>;

/** A spec as written: plugin sets are templates applied to many mini programs. */
export interface FleetSpecFile {
  /** Where a JSON editor finds the schema (fleet-spec.schema.json); ignored otherwise. */
  $schema?: string;
  /** What to do with an application a plugin developer rejected, for every plugin that does not say: "reapply" (unset) or "keep". */
  onRejected?: OnRejected;
  /** Which Pulumi provider the stacks declare the resources with: "dynamic" (unset) or "native" (docs/native.md). */
  provider?: FleetProvider;
  pluginSets?: Record<string, PluginSpec[]>;
  miniPrograms?: MiniProgramEntry[];
  officialAccounts?: OfficialAccountEntry[];
}

export const fleetProviders = ["dynamic", "native"] as const;
export type FleetProvider = (typeof fleetProviders)[number];

export interface MiniProgramEntry {
  appId: string;
  /** Names of plugin sets, applied before `plugins`. */
  pluginSets?: string[];
  plugins?: PluginSpec[];
}

export interface OfficialAccountEntry {
  appId: string;
  links?: LinkSpec[];
}

/**
 * A spec as parseFleetSpec resolves it: every mini program with its full plugin list, sets expanded, and each plugin's
 * onRejected as it applies, given only when it is "keep": the resources of a spec that says nothing of it, or says
 * "reapply", have the inputs they had before onRejected existed.
 */
export interface FleetSpec {
  /** Given only when it is "native": a spec that says nothing of it declares the dynamic resources, as before it existed. */
  provider?: "native";
  miniPrograms: MiniProgramSpec[];
  officialAccounts: OfficialAccountSpec[];
}

export interface MiniProgramSpec {
  appId: string;
  plugins: PluginSpec[];
}

export interface OfficialAccountSpec {
  appId: string;
  links: LinkSpec[];
}

// The resources' own fields and rules, less the account the spec's nesting gives: a spec that parses also passes the
// resources' check, and an input a resource gains is allowed here too.
export const appIdField: Field = pluginInputFields.find((f) => f.name === "appId")!;
export const pluginFields: Field[] = pluginInputFields.filter((f) => f.name !== "appId");
export const linkFields: Field[] = linkInputFields.filter((f) => f.name !== "officialAccountAppId");
/** The spec's top-level onRejected, the default of its plugins': the plugin field's rule. */
export const onRejectedField: Field = pluginFields.find((f) => f.name === "onRejected")!;

/** A spec that failed validation, with every problem found, each starting with its path. */
export class FleetSpecError extends FleetError {
  override name = "FleetSpecError";

  constructor(
    readonly fileName: string,
    readonly problems: string[],
  ) {
    super("FLEET_SPEC_INVALID", `${fileName} is not a valid fleet spec (${problems.length} ${problems.length === 1 ? "problem" : "problems"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Parses and validates a spec (YAML or JSON) and expands its plugin sets; throws a FleetSpecError listing every problem. */
export function parseFleetSpec(text: string, fileName: string): FleetSpec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new FleetSpecError(
      fileName,
      doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return `line ${line}, column ${col}: ${error.message}`;
      }),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (error) {
    // yaml refuses to expand aliases beyond a limit (a "billion laughs" document); that is a problem of the file.
    throw new FleetSpecError(fileName, [(error as Error).message]);
  }
  const check = new Checker();
  const spec = resolve(raw, check);
  if (check.problems.length > 0) throw new FleetSpecError(fileName, check.problems);
  return spec;
}

/** Reads a spec file. Synchronous, so that a Pulumi program can declare its fleet at the top level. */
export function loadFleetSpec(path: string): FleetSpec {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "there is no such file" : code === "EISDIR" ? "it is a folder; name the spec file in it (e.g. fleet.yaml)" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new FleetError("FLEET_SPEC_INVALID", `cannot read the fleet spec ${path}: ${why}`, { cause: error });
  }
  return parseFleetSpec(text, path);
}

/** Writes a spec as JSON when the file name ends in .json, as YAML otherwise. */
export function serializeFleetSpec(spec: FleetSpecFile, fileName: string): string {
  if (/\.json$/i.test(fileName)) return `${JSON.stringify(spec, null, 2)}\n`;
  const doc = new Document(spec);
  // One line per plugin and per link, as people write them: a fleet of thousands stays readable and diffs by line.
  visit(doc, {
    Map(_, map) {
      if (map.items.every((pair) => !isCollection(pair.value))) map.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

type Entry = Record<string, unknown>;

class Checker {
  readonly problems: string[] = [];

  report(path: string, message: string): void {
    this.problems.push(`${path === "" ? "(top level)" : path}: ${message}`);
  }

  /** A mapping holding only `keys`: a misspelt key is reported, never ignored, or its setting would silently default. */
  mapping(value: unknown, path: string, keys: readonly string[]): Entry | undefined {
    if (!isMapping(value)) {
      this.report(path, `must be a mapping with ${keys.join(", ")}; got ${kindOf(value)}`);
      return undefined;
    }
    for (const key of Object.keys(value)) if (!keys.includes(key)) this.report(child(path, key), `unknown key; expected ${keys.join(", ")}`);
    return value;
  }

  /** A list; left out, it is empty. */
  list(value: unknown, path: string): unknown[] {
    if (value === undefined) return [];
    if (Array.isArray(value)) return value;
    this.report(path, `must be a list; got ${kindOf(value)}`);
    return [];
  }

  /** The fields' values, checked by the resources' rules; undefined when any is wrong. */
  fields<T>(entry: Entry, path: string, fields: Field[]): T | undefined {
    const values = pick(entry, fields);
    const failures = checkFields(values, fields);
    for (const failure of failures) this.report(child(path, failure.property), withoutName(failure.reason, failure.property));
    return failures.length === 0 ? (values as T) : undefined;
  }

  /** Whether `key` is seen first at `path`; a repeat is reported at `field` (the key's own path) with where it was first seen. */
  first(seen: Map<string, string>, key: string, path: string, label: string, field = path): boolean {
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      this.report(field, `${label} is already listed at ${earlier}`);
      return false;
    }
    seen.set(key, path);
    return true;
  }

  /** The valid entries of a list of plugins or links, each with its path; an entry whose `key` repeats is reported. */
  entries<T extends Entry>(value: unknown, path: string, fields: Field[], key: string, what: string): Array<{ entry: T; path: string }> {
    const seen = new Map<string, string>();
    const result: Array<{ entry: T; path: string }> = [];
    this.list(value, path).forEach((item, i) => {
      const at = `${path}[${i}]`;
      const mapping = this.mapping(item, at, fields.map((f) => f.name));
      const entry = mapping && this.fields<T>(mapping, at, fields);
      if (entry && this.first(seen, entry[key] as string, at, `${what} ${entry[key] as string}`, child(at, key))) result.push({ entry, path: at });
    });
    return result;
  }

  /** The valid accounts of a list; an app id listed twice is reported. */
  accounts<T extends { appId: string }>(value: unknown, path: string, what: string, account: (item: unknown, path: string) => T | undefined): T[] {
    const seen = new Map<string, string>();
    return this.list(value, path).flatMap((item, i) => {
      const at = `${path}[${i}]`;
      const result = account(item, at);
      return result && this.first(seen, result.appId, at, `${what} ${result.appId}`, `${at}.appId`) ? [result] : [];
    });
  }
}

function resolve(raw: unknown, check: Checker): FleetSpec {
  if (raw === null || raw === undefined) {
    // An empty or truncated file would declare nothing, and `pulumi up` would then remove every plugin and link.
    check.report("", "the spec is empty; write {} if no account is meant");
    return { miniPrograms: [], officialAccounts: [] };
  }
  const root = check.mapping(raw, "", ["$schema", "onRejected", "provider", "pluginSets", "miniPrograms", "officialAccounts"]) ?? {};
  if (root.$schema !== undefined && typeof root.$schema !== "string") check.report("$schema", `must be a string; got ${kindOf(root.$schema)}`);
  if (root.provider !== undefined && !(fleetProviders as readonly unknown[]).includes(root.provider)) {
    check.report("provider", `must be "dynamic" (the default: pulumi-wechat's dynamic resources) or "native" (the wechat provider plugin); got ${JSON.stringify(root.provider)}`);
  }
  const onRejected = check.fields<{ onRejected?: OnRejected }>(root, "", [onRejectedField])?.onRejected;
  // Applied before plugins are compared, so that a plugin declared by a set and by the list is the same plugin when
  // one says what the spec's default says and the other says nothing.
  const effective = (plugin: PluginSpec): PluginSpec => {
    const { onRejected: own, ...rest } = plugin;
    return (own ?? onRejected) === "keep" ? { ...rest, onRejected: "keep" } : rest;
  };
  const sets = pluginSets(root.pluginSets, effective, check);
  return {
    ...(root.provider === "native" ? { provider: "native" as const } : {}),
    miniPrograms: check.accounts(root.miniPrograms, "miniPrograms", "mini program", (item, path) => miniProgram(item, path, sets, effective, check)),
    officialAccounts: check.accounts(root.officialAccounts, "officialAccounts", "official account", (item, path) => officialAccount(item, path, check)),
  };
}

function pluginSets(value: unknown, effective: (plugin: PluginSpec) => PluginSpec, check: Checker): Map<string, PluginSpec[]> {
  const sets = new Map<string, PluginSpec[]>();
  if (value === undefined) return sets;
  if (!isMapping(value)) {
    check.report("pluginSets", `must be a mapping from set names to lists of plugins; got ${kindOf(value)}`);
    return sets;
  }
  for (const [name, list] of Object.entries(value)) {
    sets.set(name, check.entries<PluginSpec & Entry>(list, child("pluginSets", name), pluginFields, "pluginAppId", "plugin").map(({ entry }) => effective(entry)));
  }
  return sets;
}

function miniProgram(item: unknown, path: string, sets: Map<string, PluginSpec[]>, effective: (plugin: PluginSpec) => PluginSpec, check: Checker): MiniProgramSpec | undefined {
  const entry = check.mapping(item, path, ["appId", "pluginSets", "plugins"]);
  if (!entry) return undefined;
  const account = check.fields<{ appId: string }>(entry, path, [appIdField]);
  // Each plugin once: the first declaration, from the sets in their order, then the mini program's own list.
  const declared = new Map<string, { plugin: PluginSpec; set: string; path: string }>();
  const plugins: PluginSpec[] = [];
  const seenSets = new Map<string, string>();
  check.list(entry.pluginSets, `${path}.pluginSets`).forEach((name, k) => {
    const at = `${path}.pluginSets[${k}]`;
    if (typeof name !== "string") return check.report(at, `must be the name of a plugin set; got ${kindOf(name)}`);
    const set = sets.get(name);
    if (!set) return check.report(at, `unknown plugin set "${name}"; ${sets.size > 0 ? `pluginSets defines ${[...sets.keys()].join(", ")}` : "pluginSets defines none"}`);
    if (!check.first(seenSets, name, at, `plugin set "${name}"`)) return;
    for (const plugin of set) {
      const earlier = declared.get(plugin.pluginAppId);
      if (!earlier) {
        declared.set(plugin.pluginAppId, { plugin, set: name, path: at });
        plugins.push(plugin);
      } else {
        const differ = differences(plugin, earlier.plugin);
        if (differ) check.report(at, `plugin set "${name}" declares plugin ${plugin.pluginAppId} differently from plugin set "${earlier.set}" (${earlier.path}): ${differ}`);
      }
    }
  });
  for (const { entry: written, path: at } of check.entries<PluginSpec & Entry>(entry.plugins, `${path}.plugins`, pluginFields, "pluginAppId", "plugin")) {
    const plugin = effective(written);
    const earlier = declared.get(plugin.pluginAppId);
    const differ = earlier && differences(plugin, earlier.plugin);
    if (!earlier) plugins.push(plugin);
    else if (differ) check.report(at, `plugin ${plugin.pluginAppId} is declared differently by plugin set "${earlier.set}" (${earlier.path}): ${differ}`);
  }
  return account && { appId: account.appId, plugins };
}

function officialAccount(item: unknown, path: string, check: Checker): OfficialAccountSpec | undefined {
  const entry = check.mapping(item, path, ["appId", "links"]);
  if (!entry) return undefined;
  const account = check.fields<{ appId: string }>(entry, path, [appIdField]);
  const links = check.entries<LinkSpec & Entry>(entry.links, `${path}.links`, linkFields, "miniProgramAppId", "link to mini program").map(({ entry: link }) => link);
  return account && { appId: account.appId, links };
}

/** The settings in which two declarations of one plugin differ, "" when they say the same. */
function differences(here: PluginSpec, there: PluginSpec): string {
  const show = (value: unknown) => (value === undefined ? "unset" : JSON.stringify(value));
  return pluginFields
    .map((f) => f.name as keyof PluginSpec)
    .filter((name) => here[name] !== there[name])
    .map((name) => `${name} ${show(here[name])} here, ${show(there[name])} there`)
    .join("; ");
}

/** checkFields words its reasons for a resource's check ("version must be …"); here the path already ends with the name. */
function withoutName(reason: string, name: string): string {
  return reason.startsWith(`${name} `) ? reason.slice(name.length + 1) : reason;
}

function child(path: string, key: string): string {
  if (!/^[A-Za-z_$][\w$-]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === "" ? key : `${path}.${key}`;
}

function isMapping(value: unknown): value is Entry {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "a mapping" : `${typeof value} ${JSON.stringify(value)}`;
}
