import type * as pulumi from "@pulumi/pulumi";
import { ErrCode } from "./client/codes";
import { CallContext, PartialCreateError, WeChatError, isWeChatError } from "./client/errors";
import { PluginEntry, PluginsApi } from "./client/plugins";
import { SharedFetch } from "./client/shared-fetch";
import { TokenCache } from "./client/token-cache";
import { missingCredential } from "./config";
import { parsePluginId, pluginId } from "./identity";
import { Adoptable, Adoption, adoptingWords } from "./adoption";
import { Diff, Field, OnRejected, OutputFields, Read, checkFields, isUnknown, pick } from "./inputs";

/** MiniProgramPlugin: a plugin a mini program uses. create = apply, update = quick update, delete = unbind, read = list. */

export interface PluginInputs {
  appId: string;
  pluginAppId: string;
  version?: string;
  reason?: string;
  /** Bring a binding that already exists at WeChat under this stack's management; read by create only. */
  adopt?: boolean;
  /**
   * What to do with an application the plugin developer rejected: "reapply" (unset) unbinds it and applies again,
   * "keep" leaves it rejected. Read by diff, and by a create that adopts a rejected application.
   */
  onRejected?: OnRejected;
}

export type PluginStatus = "applying" | "approved" | "rejected" | "expired" | "unknown";

export interface PluginOutputs extends PluginInputs {
  status: PluginStatus;
  statusCode: number;
  nickname: string;
  headImgUrl: string;
  /** The version last set through quick update: WeChat never reports it back, so only the state knows it. */
  appliedVersion?: string;
  /** When this stack applied for the plugin (ISO time); absent for an adopted binding. */
  appliedAt?: string;
}

/** The inputs and their rules, for `check`; the fleet spec takes its fields from here. */
export const pluginInputFields: Field[] = [
  { name: "appId", kind: "appId", required: true, description: "The mini program's app id (wx followed by 16 lowercase hex digits)." },
  { name: "pluginAppId", kind: "appId", required: true, description: "The plugin's app id." },
  { name: "version", kind: "version", description: "The plugin version to run (x.y.z), set by quick update once the plugin developer approves the application." },
  { name: "reason", kind: "text", description: "Shown to the plugin developer with the application." },
  {
    name: "adopt",
    kind: "boolean",
    description:
      "Bring a binding that already exists at WeChat under this stack's management instead of failing. Default false: a create that finds the binding fails, so that no stack silently takes over (and later unbinds) another's.",
  },
  {
    name: "onRejected",
    kind: "onRejected",
    description:
      'What to do with an application the plugin developer rejected: "reapply" (the default) unbinds it and applies again on the next update after a refresh; "keep" leaves it rejected and proposes nothing. An expired application is applied for again either way.',
  },
];

/** The outputs beyond the inputs, for the native provider's schema. */
export const pluginOutputFields: OutputFields<PluginOutputs, PluginInputs> = {
  status: { type: "string", required: true, description: "The application's status at WeChat: applying, approved, rejected, expired or unknown." },
  statusCode: { type: "integer", required: true, description: "WeChat's status code: 1 applying, 2 approved, 3 rejected, 4 expired." },
  nickname: { type: "string", required: true, description: "The plugin's name." },
  headImgUrl: { type: "string", required: true, description: "The plugin's icon." },
  appliedVersion: { type: "string", required: false, description: "The version last set through quick update (WeChat never reports it back)." },
  appliedAt: { type: "string", required: false, description: "When this stack applied for the plugin (ISO time); absent for an adopted or imported binding." },
};

const statuses: Record<number, PluginStatus> = { 1: "applying", 2: "approved", 3: "rejected", 4: "expired" };

export class PluginResource {
  /** Bindings this run unbound: their entries in a list read earlier in the run are gone. */
  private readonly unbound = new Set<string>();
  /** The entries this run's applies made, by binding id: the shared list read before them plus these is a correct view. */
  private readonly appliedEntries = new Map<string, PluginEntry>();
  /**
   * Per plugin, the entry its first clean application of this run came out as (status 1 applying, or 2 approved for a
   * plugin that needs no approval; nickname and headImgUrl are the plugin's): whether an application needs approval is
   * the plugin's, not the mini program's, so later applications of it take this without listing their mini program.
   */
  private readonly applicationOutcomes = new SharedFetch<string, PluginEntry>();
  private readonly adoption: Adoption<PluginInputs>;

  /** `adoptAll`: wechat:adopt, adoption for every create of the run. */
  constructor(
    private readonly plugins: PluginsApi,
    private readonly tokens: TokenCache,
    private readonly warn: (message: string) => void,
    adoptAll = false,
  ) {
    this.adoption = new Adoption(adoptable, adoptAll, warn);
  }

  check(news: object): pulumi.dynamic.CheckResult<PluginInputs> {
    const failures = checkFields(news, pluginInputFields);
    const { appId, version } = news as Record<string, unknown>;
    const valid = (property: string) => !failures.some((f) => f.property === property);
    if (typeof appId === "string" && !isUnknown(appId) && valid("appId")) {
      const source = this.tokens.sourceFor(appId);
      if (!source) failures.push({ property: "appId", reason: missingCredential(appId) });
      // WeChat refuses a quick update made with the mini program's own token (89256): say so before anything is applied.
      else if (source === "appSecrets" && typeof version === "string" && !isUnknown(version) && valid("version")) {
        failures.push({ property: "version", reason: versionNeedsPlatform(appId) });
      }
    }
    // The inputs are valid once `failures` is empty, and the engine goes no further otherwise.
    return { inputs: PluginResource.inputs(news), failures };
  }

  /** The inputs as `check` passes them on and the state keeps them (less `__provider`), from valid ones. */
  static inputs(this: void, news: object): PluginInputs {
    return pick(news, pluginInputFields) as PluginInputs;
  }

  /** For `check`: a warning when the binding a create would make exists at WeChat and adoption is off (`Adoption.warning`). */
  existingWarning(olds: Partial<PluginInputs>, news: PluginInputs): Promise<string | undefined> {
    return this.adoption.warning(olds, news, () => this.existing(news));
  }

  /** What `up` changes, and why, from the state and the program alone. */
  static diff(this: void, olds: PluginOutputs, news: PluginInputs): Diff {
    const replaces: string[] = (["appId", "pluginAppId"] as const).filter((key) => isUnknown(news[key]) || news[key] !== olds[key]);
    const warnings: string[] = [];
    let deleteBeforeReplace = false;
    // A refusal is the plugin developer's answer, which `keep` lets stand; an expired application was never answered,
    // so it is applied for again whatever onRejected says.
    const keptRefused = olds.status === "rejected" && news.onRejected === "keep";
    if (replaces.length === 0 && keptRefused) warnings.push(`${describePlugin(olds)}: ${keptRefusedWords}`);
    else if (replaces.length === 0 && (olds.status === "rejected" || olds.status === "expired")) {
      // Same id: the old entry must be unbound before WeChat accepts a new application.
      replaces.push("status");
      deleteBeforeReplace = true;
      warnings.push(`${describePlugin(olds)}: the application was ${olds.status === "rejected" ? "rejected by the plugin developer" : "left unanswered until it expired"}; it will be unbound and applied for again`);
    }
    // A pending application cannot take a version (WeChat updates approved plugins only): waiting for the plugin
    // developer is not a change `up` can make. Once a refresh sees the approval, the update is proposed. A refusal
    // kept as it is never takes one.
    const versionChanged = olds.status !== "applying" && !keptRefused && news.version !== undefined && (isUnknown(news.version) || news.version !== olds.appliedVersion);
    return { result: { changes: replaces.length > 0 || versionChanged, replaces, deleteBeforeReplace }, warnings };
  }

  /**
   * Applies for the plugin. A binding already at WeChat fails the create before any write, unless adoption is on
   * (`adopt`, wechat:adopt): then it is taken as it is, and an earlier application that expired, or was rejected
   * and onRejected is not "keep", is unbound and applied for again.
   */
  async create(inputs: PluginInputs): Promise<Required<pulumi.dynamic.CreateResult<PluginOutputs>>> {
    const { appId, pluginAppId } = inputs;
    const id = pluginId(inputs);
    const entry = await this.existing(inputs);
    let applied: { entry: PluginEntry; appliedAt?: string } | undefined;
    if (entry) {
      const keptRefused = entry.status === 3 && inputs.onRejected === "keep";
      const applyAgain = (entry.status === 3 && !keptRefused) || entry.status === 4;
      this.adoption.take(inputs, entry.status, applyAgain ? "unbinding it and applying again" : keptRefused ? "kept refused (onRejected: keep)" : undefined);
      if (!applyAgain) applied = { entry };
      else {
        this.unbound.add(id);
        this.appliedEntries.delete(id);
        await this.plugins.unbind(appId, pluginAppId);
      }
    }
    applied ??= await this.apply(inputs);
    const outs = outputs(inputs, applied.entry, undefined, applied.appliedAt);
    try {
      return { id, outs: await this.runVersion(outs) };
    } catch (error) {
      // The application exists at WeChat: record it in the state even though the version step failed, so the
      // next `up` retries the version instead of applying again.
      throw new PartialCreateError(id, outs, error);
    }
  }

  async read(id: string, props: Partial<PluginOutputs>): Promise<Read<PluginInputs, PluginOutputs>> {
    const { appId, pluginAppId } = props.appId && props.pluginAppId ? { appId: props.appId, pluginAppId: props.pluginAppId } : parsePluginId(id);
    const entry = await this.find(appId, pluginAppId);
    if (!entry) return { id: "" };
    const inputs: PluginInputs = { ...pick(props, pluginInputFields), appId, pluginAppId };
    return { id, props: outputs(inputs, entry, props.appliedVersion, props.appliedAt), inputs: PluginResource.liveInputs({ ...props, ...inputs }) };
  }

  /**
   * The inputs WeChat has, from a state's outputs: the declared ones with the version that runs, the one last set by
   * quick update (WeChat never reports it). The engine diffs the program against them after a refresh, and the native
   * provider's detailed diff shows them, so that a proposed quick update reads `version: "<applied>" => "<declared>"`.
   */
  static liveInputs(this: void, outputs: Partial<PluginOutputs>): PluginInputs {
    const { version: _declared, ...live } = pick(outputs, pluginInputFields) as PluginInputs;
    return outputs.appliedVersion === undefined ? live : { ...live, version: outputs.appliedVersion };
  }

  async update(_id: string, olds: PluginOutputs, news: PluginInputs): Promise<Required<pulumi.dynamic.UpdateResult<PluginOutputs>>> {
    const entry = await this.find(news.appId, news.pluginAppId);
    if (!entry) {
      this.warn(`${describePlugin(news)}: no longer in the mini program's plugin list; applying again`);
      return { outs: (await this.create(news)).outs };
    }
    return { outs: await this.runVersion(outputs(news, entry, olds.appliedVersion, olds.appliedAt)) };
  }

  async delete(id: string, props: PluginOutputs): Promise<void> {
    this.unbound.add(id);
    this.appliedEntries.delete(id);
    try {
      await this.plugins.unbind(props.appId, props.pluginAppId);
    } catch (error) {
      if (isWeChatError(error, ErrCode.PluginNotInList)) return;
      throw error;
    }
  }

  /**
   * The binding's entry before this create writes: from the list as last read in this run, which only a write to this
   * binding would have made wrong, so that the creates of one mini program share one list read. This run's own writes
   * are known here: an apply's entry is taken from `appliedEntries`, and an unbind makes the list be read again.
   */
  private async existing({ appId, pluginAppId }: PluginInputs): Promise<PluginEntry | undefined> {
    const applied = this.appliedEntries.get(pluginId({ appId, pluginAppId }));
    if (applied) return applied;
    const list = this.unbound.has(pluginId({ appId, pluginAppId })) ? this.plugins.listPlugins(appId, pluginAppId) : this.plugins.recentPlugins(appId, pluginAppId);
    return (await list).find((entry) => entry.pluginAppId === pluginAppId);
  }

  /** Applies, where the list showed no entry; returns the entry afterwards, and when this stack applied. */
  private async apply(inputs: PluginInputs): Promise<{ entry: PluginEntry; appliedAt?: string }> {
    const { appId, pluginAppId, reason } = inputs;
    let appliedAt: string | undefined = new Date().toISOString();
    let adopted: string | undefined;
    try {
      await this.plugins.apply(appId, pluginAppId, reason);
    } catch (error) {
      if (!isWeChatError(error, ErrCode.PluginAlreadyApplied)) throw error;
      // 89237 on the first attempt: someone else applied since the list was read, so this stack did not apply.
      const how = await this.adoption.refused(error, inputs, async () => found((await this.find(appId, pluginAppId))?.status));
      if (how === "answer lost") adopted = "by an attempt whose answer was lost";
      else [adopted, appliedAt] = ["since the plugin list was read", undefined];
    }
    const entry = adopted ? await this.find(appId, pluginAppId) : await this.applicationOutcome(appId, pluginAppId);
    if (!entry) {
      throw new WeChatError("WECHAT_NOT_IN_LIST", applyContext(inputs), "WeChat accepted the application, but the plugin is not in the mini program's plugin list; run `pulumi up` again");
    }
    if (adopted) this.warn(`${describePlugin(inputs)}: already applied for or added (status ${statusName(entry.status)}) ${adopted}${adoptingWords}`);
    this.appliedEntries.set(pluginId({ appId, pluginAppId }), entry);
    return { entry, appliedAt };
  }

  /**
   * The entry a clean application made. The plugin's first application of this run lists its mini program to learn
   * it; later ones (concurrent ones wait for that first) take the same status, nickname and headImgUrl without a
   * list. A first listing that finds no entry, or one that is neither applying nor approved, teaches nothing: the
   * next application lists for itself.
   */
  private async applicationOutcome(appId: string, pluginAppId: string): Promise<PluginEntry | undefined> {
    let own: Promise<PluginEntry | undefined> | undefined;
    const learned = this.applicationOutcomes.get(pluginAppId, async () => {
      own = this.find(appId, pluginAppId);
      const entry = await own;
      if (!entry || (entry.status !== 1 && entry.status !== 2)) throw new Error("no application outcome to learn");
      return entry;
    });
    if (own) return own;
    const entry = await learned.catch(() => undefined);
    return entry ? { ...entry } : this.find(appId, pluginAppId);
  }

  /** Sets the declared version when the plugin is approved; otherwise leaves it for a later `up`. */
  private async runVersion(outs: PluginOutputs): Promise<PluginOutputs> {
    const version = outs.version;
    if (version === undefined || version === outs.appliedVersion) return outs;
    if (outs.status === "rejected" && outs.onRejected === "keep") {
      this.warn(`${describePlugin(outs)}: version ${version} not applied: ${keptRefusedWords}`);
      return outs;
    }
    if (outs.status !== "approved") {
      this.warn(`${describePlugin(outs)}: version ${version} not applied yet, the application is ${outs.status}; \`pulumi up --refresh\` applies it once the plugin developer approves`);
      return outs;
    }
    await this.plugins.quickUpdate(outs.appId, outs.pluginAppId, version);
    return { ...outs, appliedVersion: version };
  }

  private async find(appId: string, pluginAppId: string): Promise<PluginEntry | undefined> {
    return (await this.plugins.listPlugins(appId, pluginAppId)).find((entry) => entry.pluginAppId === pluginAppId);
  }
}

function outputs(inputs: PluginInputs, entry: PluginEntry, appliedVersion: string | undefined, appliedAt: string | undefined): PluginOutputs {
  const outs: PluginOutputs = {
    ...pick(inputs, pluginInputFields),
    status: statusName(entry.status),
    statusCode: entry.status,
    nickname: entry.nickname,
    headImgUrl: entry.headImgUrl,
  };
  if (appliedVersion !== undefined) outs.appliedVersion = appliedVersion;
  if (appliedAt !== undefined) outs.appliedAt = appliedAt;
  return outs;
}

const adoptable: Adoptable<PluginInputs> = {
  id: (binding) => (binding.appId && binding.pluginAppId ? pluginId({ appId: binding.appId, pluginAppId: binding.pluginAppId }) : undefined),
  account: (binding) => binding.appId,
  keys: ["appId", "pluginAppId"],
  context: applyContext,
  describe: describePlugin,
  statusWords: pluginStatusWords,
  found,
};

function statusName(code: number): PluginStatus {
  return statuses[code] ?? "unknown";
}

/** What the diff's warning says, once per run, of a rejected application that onRejected "keep" leaves as it is. */
const keptRefusedWords = "the application was rejected by the plugin developer; it is kept refused (onRejected: keep), not unbound or applied for again";

const words: Record<number, string> = { 1: "waiting for the plugin developer", 2: "approved", 3: "rejected by the plugin developer", 4: "expired unanswered" };

/** A plugin list entry's status in words, for messages (discover's too). */
export function pluginStatusWords(code: number): string {
  return words[code] ?? `with status ${code}`;
}

/** What WeChat has, for the already-exists error and warning; `status` is unknown when only WeChat's 89237 says so. */
function found(status: number | undefined): string {
  if (status === undefined) return "WeChat refused the application with 89237: already applied for or added";
  return `already in the mini program's plugin list at WeChat, ${pluginStatusWords(status)} (an application would get WeChat error 89237)`;
}

function versionNeedsPlatform(appId: string): string {
  return (
    `version is set by quick update, which WeChat accepts only with a third-party platform's authorizer token (error 89256 otherwise), ` +
    `and mini program ${appId}'s only credential is wechat:appSecrets: add ${appId} to wechat:authorizerRefreshTokens with the platform's ` +
    `wechat:componentAppId, wechat:componentAppSecret and wechat:componentVerifyTicket (or give its authorizer token through wechat:tokenUrl ` +
    `or wechat:accessTokens), or drop version`
  );
}

function applyContext({ appId, pluginAppId }: { appId: string; pluginAppId: string }): CallContext {
  return { call: "plugin apply", account: `mini program ${appId}`, subject: `plugin ${pluginAppId}` };
}

/** How messages name a binding. */
export function describePlugin(plugin: { appId: string; pluginAppId: string }): string {
  return `plugin ${plugin.pluginAppId} on mini program ${plugin.appId}`;
}
