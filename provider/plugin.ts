import type * as pulumi from "@pulumi/pulumi";
import { ErrCode } from "./client/codes";
import { PartialCreateError, WeChatError, isWeChatError } from "./client/errors";
import { PluginEntry, PluginsApi } from "./client/plugins";
import { TokenStore } from "./client/tokens";
import { Diff, Field, Read, checkFields, isUnknown, pick } from "./inputs";

/** MiniProgramPlugin: a plugin a mini program uses. create = apply, update = quick update, delete = unbind, read = list. */

export interface PluginInputs {
  appId: string;
  pluginAppId: string;
  version?: string;
  reason?: string;
}

export type PluginStatus = "applying" | "approved" | "rejected" | "expired" | "unknown";

export interface PluginOutputs extends PluginInputs {
  status: PluginStatus;
  statusCode: number;
  nickname: string;
  headImgUrl: string;
  /** The version last set through quick update: WeChat never reports it back, so only the state knows it. */
  appliedVersion?: string;
}

const fields: Field[] = [
  { name: "appId", kind: "appId", required: true },
  { name: "pluginAppId", kind: "appId", required: true },
  { name: "version", kind: "version" },
  { name: "reason", kind: "text" },
];

const statuses: Record<number, PluginStatus> = { 1: "applying", 2: "approved", 3: "rejected", 4: "expired" };

export class PluginResource {
  constructor(
    private readonly plugins: PluginsApi,
    private readonly tokens: TokenStore,
    private readonly warn: (message: string) => void,
  ) {}

  check(news: object): pulumi.dynamic.CheckResult<PluginInputs> {
    const failures = checkFields(news, fields);
    const appId = (news as Record<string, unknown>).appId;
    if (typeof appId === "string" && !isUnknown(appId) && !failures.some((f) => f.property === "appId") && !this.tokens.sourceFor(appId)) {
      failures.push({ property: "appId", reason: TokenStore.missingCredential(appId) });
    }
    // The inputs are valid once `failures` is empty, and the engine goes no further otherwise.
    return { inputs: pick(news, fields) as PluginInputs, failures };
  }

  /** What `up` changes, and why, from the state and the program alone. */
  static diff(this: void, olds: PluginOutputs, news: PluginInputs): Diff {
    const replaces: string[] = (["appId", "pluginAppId"] as const).filter((key) => isUnknown(news[key]) || news[key] !== olds[key]);
    const warnings: string[] = [];
    let deleteBeforeReplace = false;
    if (replaces.length === 0 && (olds.status === "rejected" || olds.status === "expired")) {
      // Same id: the old entry must be unbound before WeChat accepts a new application.
      replaces.push("status");
      deleteBeforeReplace = true;
      warnings.push(`${describe(olds)}: the application was ${olds.status === "rejected" ? "rejected by the plugin developer" : "left unanswered until it expired"}; it will be unbound and applied for again`);
    }
    const versionChanged = news.version !== undefined && (isUnknown(news.version) || news.version !== olds.appliedVersion);
    return { result: { changes: replaces.length > 0 || versionChanged, replaces, deleteBeforeReplace }, warnings };
  }

  async create(inputs: PluginInputs): Promise<Required<pulumi.dynamic.CreateResult<PluginOutputs>>> {
    const { appId, pluginAppId } = inputs;
    const id = `${appId}/${pluginAppId}`;
    let entry = await this.applyOrAdopt(inputs);
    if (entry.status === 3 || entry.status === 4) {
      this.warn(`${describe(inputs)}: found an earlier application that was ${statuses[entry.status]}; unbinding it and applying again`);
      await this.plugins.unbind(appId, pluginAppId);
      entry = await this.applyOrAdopt(inputs);
    }
    const outs = outputs(inputs, entry, undefined);
    try {
      return { id, outs: await this.runVersion(outs) };
    } catch (error) {
      // The application exists at WeChat: record it in the state even though the version step failed, so the
      // next `up` retries the version instead of applying again.
      throw new PartialCreateError(id, outs, error);
    }
  }

  async read(id: string, props: Partial<PluginOutputs>): Promise<Read<PluginInputs, PluginOutputs>> {
    const [appId, pluginAppId] = props.appId && props.pluginAppId ? [props.appId, props.pluginAppId] : parseId(id);
    const entry = await this.find(appId, pluginAppId);
    if (!entry) return { id: "" };
    const inputs: PluginInputs = { ...pick(props, fields), appId, pluginAppId };
    return { id, props: outputs(inputs, entry, props.appliedVersion), inputs: { ...inputs } };
  }

  async update(_id: string, olds: PluginOutputs, news: PluginInputs): Promise<Required<pulumi.dynamic.UpdateResult<PluginOutputs>>> {
    const entry = await this.find(news.appId, news.pluginAppId);
    if (!entry) {
      this.warn(`${describe(news)}: no longer in the mini program's plugin list; applying again`);
      return { outs: (await this.create(news)).outs };
    }
    return { outs: await this.runVersion(outputs(news, entry, olds.appliedVersion)) };
  }

  async delete(_id: string, props: PluginOutputs): Promise<void> {
    try {
      await this.plugins.unbind(props.appId, props.pluginAppId);
    } catch (error) {
      if (isWeChatError(error, ErrCode.PluginNotInList)) return;
      throw error;
    }
  }

  private async applyOrAdopt(inputs: PluginInputs): Promise<PluginEntry> {
    const { appId, pluginAppId, reason } = inputs;
    let adopted = false;
    try {
      await this.plugins.apply(appId, pluginAppId, reason);
    } catch (error) {
      // 89237 is also what a retried apply sees when the first answer was lost: adopting makes both safe.
      if (!isWeChatError(error, ErrCode.PluginAlreadyApplied)) throw error;
      adopted = true;
    }
    const entry = await this.find(appId, pluginAppId);
    if (!entry) {
      throw new WeChatError("WECHAT_NOT_IN_LIST", { call: "plugin apply", account: `mini program ${appId}`, subject: `plugin ${pluginAppId}` },
        "WeChat accepted the application, but the plugin is not in the mini program's plugin list; run `pulumi up` again");
    }
    if (adopted) this.warn(`${describe(inputs)}: already applied for or added (status ${statusName(entry.status)}); adopting it`);
    return entry;
  }

  /** Sets the declared version when the plugin is approved; otherwise leaves it for a later `up`. */
  private async runVersion(outs: PluginOutputs): Promise<PluginOutputs> {
    const version = outs.version;
    if (version === undefined || version === outs.appliedVersion) return outs;
    if (outs.status !== "approved") {
      this.warn(`${describe(outs)}: version ${version} not applied yet, the application is ${outs.status}; \`pulumi up\` applies it once the plugin developer approves`);
      return outs;
    }
    await this.plugins.quickUpdate(outs.appId, outs.pluginAppId, version);
    return { ...outs, appliedVersion: version };
  }

  private async find(appId: string, pluginAppId: string): Promise<PluginEntry | undefined> {
    return (await this.plugins.listPlugins(appId)).find((entry) => entry.pluginAppId === pluginAppId);
  }
}

function outputs(inputs: PluginInputs, entry: PluginEntry, appliedVersion: string | undefined): PluginOutputs {
  const outs: PluginOutputs = {
    ...pick(inputs, fields),
    status: statusName(entry.status),
    statusCode: entry.status,
    nickname: entry.nickname,
    headImgUrl: entry.headImgUrl,
  };
  if (appliedVersion !== undefined) outs.appliedVersion = appliedVersion;
  return outs;
}

function statusName(code: number): PluginStatus {
  return statuses[code] ?? "unknown";
}

function parseId(id: string): [string, string] {
  const parts = id.split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new Error(`"${id}" is not a MiniProgramPlugin id; expected <appId>/<pluginAppId>`);
  return [parts[0], parts[1]];
}

function describe(plugin: { appId: string; pluginAppId: string }): string {
  return `plugin ${plugin.pluginAppId} on mini program ${plugin.appId}`;
}
