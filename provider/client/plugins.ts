import type { WeChatClient } from "./client";
import { CallContext, askedFor } from "./errors";
import { SharedReads } from "./shared-reads";

/** One entry of a mini program's plugin list. WeChat never reports the version in use. */
export interface PluginEntry {
  pluginAppId: string;
  status: number;
  nickname: string;
  headImgUrl: string;
}

/** `POST /wxa/plugin`, with the mini program's token. */
export class PluginsApi {
  private readonly lists: SharedReads<PluginEntry[]>;

  constructor(private readonly client: WeChatClient) {
    this.lists = new SharedReads((appId) => this.fetchList(appId));
  }

  async apply(appId: string, pluginAppId: string, reason: string | undefined): Promise<void> {
    await this.lists.write(appId, () => this.call(appId, "apply", { plugin_appid: pluginAppId, ...(reason ? { reason } : {}) }, pluginAppId));
  }

  /**
   * The mini program's plugins, shared by every resource of that mini program in this run. `pluginAppId`: the plugin
   * whose resource asks, which a failure of the list read then names.
   */
  listPlugins(appId: string, pluginAppId?: string): Promise<PluginEntry[]> {
    return askedFor(this.lists.get(appId), context(appId, "list").call, pluginAppId && `plugin ${pluginAppId}`);
  }

  /** The mini program's plugins as last read in this run, even if writes followed: see `SharedReads.recent`. */
  recentPlugins(appId: string, pluginAppId?: string): Promise<PluginEntry[]> {
    return askedFor(this.lists.recent(appId), context(appId, "list").call, pluginAppId && `plugin ${pluginAppId}`);
  }

  async unbind(appId: string, pluginAppId: string): Promise<void> {
    await this.lists.write(appId, () => this.call(appId, "unbind", { plugin_appid: pluginAppId }, pluginAppId));
  }

  /** Quick version update; WeChat accepts it only with a third-party platform's authorizer token. */
  async quickUpdate(appId: string, pluginAppId: string, version: string): Promise<void> {
    await this.call(appId, "update", { plugin_appid: pluginAppId, user_version: version }, pluginAppId);
  }

  private async fetchList(appId: string): Promise<PluginEntry[]> {
    const body = await this.call(appId, "list", {});
    const items = Array.isArray(body.plugin_list) ? body.plugin_list : [];
    return items.filter(isRecord).map((item) => ({
      pluginAppId: text(item.appid),
      status: Number(item.status),
      nickname: text(item.nickname),
      headImgUrl: text(item.headimgurl),
    }));
  }

  private call(appId: string, action: string, body: Record<string, unknown>, pluginAppId?: string) {
    return this.client.call(appId, "/wxa/plugin", { action, ...body }, context(appId, action, pluginAppId));
  }
}

function context(appId: string, action: string, pluginAppId?: string): CallContext {
  return { call: `plugin ${action}`, account: `mini program ${appId}`, subject: pluginAppId ? `plugin ${pluginAppId}` : undefined };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A string field of WeChat's JSON; WeChat has been seen sending numbers for some, and an absent one is empty. */
export function text(value: unknown): string {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
}
