import { WeChatClient } from "../provider/client/client";
import { ErrCode } from "../provider/client/codes";
import { CallContext, isWeChatError } from "../provider/client/errors";
import { LinkItem, LinksApi } from "../provider/client/links";
import { PluginEntry, PluginsApi, isRecord, text } from "../provider/client/plugins";
import { inPool } from "../provider/client/pool";
import { listAuthorizers } from "../provider/client/authorizers";
import { type ComponentCredentials, type ProviderConfig, isAppId } from "../provider/config";
import { checkFields } from "../provider/inputs";
import { describeLink, linkStatusWords } from "../provider/link";
import { warn as warnOnStderr } from "../provider/log";
import { describePlugin, pluginStatusWords } from "../provider/plugin";
import { type FleetSpec, type LinkSpec, type MiniProgramSpec, type OfficialAccountSpec, linkFields } from "./spec";
import { FleetError } from "./errors";

export interface DiscoverOptions {
  /**
   * Only these accounts, each served by whichever credential the configuration has for it (`--accounts`). Without
   * it, every account that authorized the third-party platform.
   */
  accounts?: string[];
  /** Reads in flight at once; default 16, the client's connection pool. */
  concurrency?: number;
  /** Told what exists but is left out of the spec, and why; default: stderr, as the provider's warnings. */
  warn?: (message: string) => void;
}

/**
 * Statuses `adopt: true` takes over without a write: an application waiting for its developer or approved, a link
 * made or waiting for an admin. A rejected or expired application, or a rejected invitation, is left out: declared,
 * `up` would unbind and apply again, or invite again, which is a decision for a person, not for discover.
 */
const adoptablePluginStatuses = new Set([1, 2]);
const adoptableLinkStatuses = new Set([1, 2, 12]);

/** A WeChat account and what its list holds: a mini program's plugins or an official account's links. */
type Found = { appId: string; kind: "miniProgram"; plugins: PluginEntry[]; username?: string } | { appId: string; kind: "officialAccount"; links: LinkItem[] };

/**
 * A fleet spec that declares exactly the plugins and links that exist at WeChat, each with `adopt: true`, so that a
 * first `up` brings them under management with no write call. Every account found is listed, with an empty list
 * when it has nothing to declare. WeChat never reports a plugin's version nor a link's showProfile, so neither is
 * declared. Only reads; the refresh tokens api_get_authorizer_list hands out stay in memory.
 */
export async function discover(config: ProviderConfig, options: DiscoverOptions = {}): Promise<FleetSpec> {
  const concurrency = options.concurrency ?? 16;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer; got ${concurrency}`);
  const client = new WeChatClient(config);
  try {
    const reader = new Reader(client, concurrency, options.warn ?? warnOnStderr);
    return await reader.spec(options.accounts ? await reader.accounts(options.accounts) : await reader.platform());
  } finally {
    await client.close();
  }
}

class Reader {
  private readonly plugins: PluginsApi;
  private readonly links: LinksApi;
  private readonly component?: ComponentCredentials;

  constructor(
    private readonly client: WeChatClient,
    private readonly concurrency: number,
    private readonly warn: (message: string) => void,
  ) {
    this.plugins = new PluginsApi(client);
    this.links = new LinksApi(client);
    this.component = client.config.component;
  }

  /** Every account that authorized the platform, told apart by api_get_authorizer_info. */
  async platform(): Promise<Found[]> {
    const component = this.component;
    if (!component) {
      throw new FleetError("FLEET_DISCOVER_FAILED", 
        "discover lists the accounts that authorized a third-party platform: configure wechat:componentAppId, wechat:componentAppSecret and wechat:componentVerifyTicket, or name the accounts (--accounts)",
      );
    }
    const appIds = await listAuthorizers(this.client, component, this.concurrency);
    const found = await this.each(appIds, async (appId) => {
      const info = await this.authorizerInfo(component, appId);
      try {
        return info.miniProgram
          ? { appId, kind: "miniProgram" as const, plugins: await this.plugins.listPlugins(appId), username: info.username }
          : { appId, kind: "officialAccount" as const, links: await this.links.listLinks(appId) };
      } catch (error) {
        // An account that withheld the API from the platform cannot be managed through it: the spec leaves it out.
        if (!isWeChatError(error, ErrCode.ApiUnauthorized) && !isWeChatError(error, ErrCode.ApiNotAuthorizedToComponent)) throw error;
        this.warn(`${error.message}; account ${appId} is left out of the spec`);
        return undefined;
      }
    });
    return found.filter((account) => account !== undefined);
  }

  /**
   * The named accounts. Without the platform's account info, the lists tell them apart: WeChat refuses the plugin list
   * to an official account's token and the link list to a mini program's with 48001, so an account is the kind whose
   * list answers. A mini program costs one call, an official account two.
   */
  async accounts(appIds: string[]): Promise<Found[]> {
    const invalid = appIds.filter((appId) => !isAppId(appId));
    if (invalid.length > 0) throw new FleetError("FLEET_USAGE", `accounts must be app ids (wx followed by 16 lowercase hex digits); got ${invalid.map((a) => JSON.stringify(a)).join(", ")}`);
    return this.each([...new Set(appIds)], async (appId): Promise<Found> => {
      try {
        return { appId, kind: "miniProgram", plugins: await this.plugins.listPlugins(appId) };
      } catch (error) {
        if (!isWeChatError(error, ErrCode.ApiUnauthorized)) throw error;
      }
      try {
        return { appId, kind: "officialAccount", links: await this.links.listLinks(appId) };
      } catch (error) {
        if (!isWeChatError(error, ErrCode.ApiUnauthorized)) throw error;
        throw new FleetError("FLEET_DISCOVER_FAILED", `${appId}: WeChat refuses both its plugin list and its link list (48001): it is neither a mini program nor an official account these credentials can manage`, { cause: error });
      }
    });
  }

  /** The spec of what was found; link items named by original id only are mapped back through the mini programs'. */
  async spec(found: Found[]): Promise<FleetSpec> {
    const miniPrograms = found.filter((account) => account.kind === "miniProgram");
    const officialAccounts = found.filter((account) => account.kind === "officialAccount");
    const byUsername = new Map<string, string>();
    if (officialAccounts.some((account) => account.links.some((item) => item.appId === undefined))) {
      for (const { appId, username } of await this.usernames(miniPrograms)) if (username) byUsername.set(username, appId);
    }
    return {
      miniPrograms: miniPrograms.map((account) => miniProgramSpec(account, this.warn)).sort(byAppId),
      officialAccounts: officialAccounts.map((account) => officialAccountSpec(account, byUsername, this.warn)).sort(byAppId),
    };
  }

  /** The mini programs' original ids: known from the platform's account info, or asked for when the platform is configured. */
  private usernames(miniPrograms: Array<Extract<Found, { kind: "miniProgram" }>>): Promise<Array<{ appId: string; username?: string }>> {
    const component = this.component;
    return this.each(miniPrograms, async ({ appId, username }) => {
      if (username || !component) return { appId, username };
      try {
        return { appId, username: (await this.authorizerInfo(component, appId)).username };
      } catch (error) {
        // A named mini program need not have authorized the platform; its links are then left out, with a warning.
        if (isWeChatError(error, ErrCode.ComponentNotAuthorized)) return { appId };
        throw error;
      }
    });
  }

  /** `task` on every item, `concurrency` at once, results in order; the first failure is thrown once all settled. */
  private async each<T, R>(items: readonly T[], task: (item: T) => Promise<R>): Promise<R[]> {
    // Nothing stops the pool but a failure, which it throws: every item has its result.
    return (await inPool(items, this.concurrency, task)) as R[];
  }

  /**
   * Whether the account is a mini program (WeChat's answer has `MiniProgramInfo` only for them), and its original id
   * (gh_…), by which official accounts' link lists name it.
   */
  private async authorizerInfo(component: ComponentCredentials, appId: string): Promise<{ miniProgram: boolean; username?: string }> {
    const context: CallContext = { call: "api_get_authorizer_info", account: `third-party platform ${component.appId}`, subject: `account ${appId}` };
    const body = await this.client.callAsComponent("/cgi-bin/component/api_get_authorizer_info", { component_appid: component.appId, authorizer_appid: appId }, context);
    const info = isRecord(body.authorizer_info) ? body.authorizer_info : {};
    const username = text(info.user_name);
    return { miniProgram: isRecord(info.MiniProgramInfo), username: username === "" ? undefined : username };
  }

}

function miniProgramSpec(account: Extract<Found, { kind: "miniProgram" }>, warn: (message: string) => void): MiniProgramSpec {
  const plugins = account.plugins.filter((entry) => {
    if (adoptablePluginStatuses.has(entry.status)) return true;
    warn(`${describePlugin({ appId: account.appId, pluginAppId: entry.pluginAppId })} left out: already at WeChat (${pluginStatusWords(entry.status)}), and \`up\` would unbind it and apply again; declare it if that is meant`);
    return false;
  });
  return { appId: account.appId, plugins: plugins.map((entry) => ({ pluginAppId: entry.pluginAppId, adopt: true })).sort((a, b) => a.pluginAppId.localeCompare(b.pluginAppId)) };
}

function officialAccountSpec(account: Extract<Found, { kind: "officialAccount" }>, byUsername: Map<string, string>, warn: (message: string) => void): OfficialAccountSpec {
  const links = new Map<string, LinkSpec>();
  for (const item of account.links) {
    const what = `${describeLink({ officialAccountAppId: account.appId, miniProgramAppId: item.appId ?? item.username })}${item.nickname ? ` (${item.nickname})` : ""}`;
    if (!adoptableLinkStatuses.has(item.status)) {
      warn(`${what} left out: already at WeChat (${linkStatusWords(item.status)}), and \`up\` would invite again; declare it if that is meant`);
      continue;
    }
    const miniProgramAppId = item.appId ?? byUsername.get(item.username);
    if (miniProgramAppId === undefined || !isAppId(miniProgramAppId)) {
      warn(
        `${what} left out: WeChat's link list names it by original id only, and no mini program found has that id. Declare it with miniProgramAppId and miniProgramUsername, or discover with the third-party platform (or name the mini program in --accounts) so its id can be looked up`,
      );
      continue;
    }
    const link: LinkSpec = { miniProgramAppId, miniProgramUsername: item.username, adopt: true };
    // An original id the spec's rules refuse would make the whole spec unreadable; the app id alone still finds the link when the platform is configured.
    if (checkFields(link, linkFields).length > 0) delete link.miniProgramUsername;
    if (!links.has(miniProgramAppId)) links.set(miniProgramAppId, link);
  }
  return { appId: account.appId, links: [...links.values()].sort((a, b) => a.miniProgramAppId.localeCompare(b.miniProgramAppId)) };
}

function byAppId(a: { appId: string }, b: { appId: string }): number {
  return a.appId.localeCompare(b.appId);
}
