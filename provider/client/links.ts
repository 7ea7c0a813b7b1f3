import type { WeChatClient } from "./client";
import { CallContext, askedFor } from "./errors";
import { isRecord, text } from "./plugins";
import { SharedFetch } from "./shared-fetch";
import { SharedReads } from "./shared-reads";

/** One mini program in an official account's list. `appId` is usually absent: match on `username`. */
export interface LinkItem {
  status: number;
  username: string;
  appId?: string;
  nickname: string;
  released: boolean;
  selected: boolean;
}

/** `POST /cgi-bin/wxopen/wxamplink*`, with the official account's token. */
export class LinksApi {
  private readonly lists: SharedReads<LinkItem[]>;
  private readonly profiles = new SharedFetch<string, { username: string; nickname: string } | undefined>();

  constructor(private readonly client: WeChatClient) {
    this.lists = new SharedReads((officialAccountAppId) => this.fetchList(officialAccountAppId));
  }

  async link(officialAccountAppId: string, miniProgramAppId: string, notifyUsers: boolean, showProfile: boolean): Promise<void> {
    const context = linkContext("link (wxamplink)", officialAccountAppId, miniProgramAppId);
    await this.lists.write(officialAccountAppId, () =>
      this.client.call(
        officialAccountAppId,
        "/cgi-bin/wxopen/wxamplink",
        { appid: miniProgramAppId, notify_users: notifyUsers ? 1 : 0, show_profile: showProfile ? 1 : 0 },
        context,
      ),
    );
  }

  async unlink(officialAccountAppId: string, miniProgramAppId: string): Promise<void> {
    const context = linkContext("unlink (wxampunlink)", officialAccountAppId, miniProgramAppId);
    await this.lists.write(officialAccountAppId, () => this.client.call(officialAccountAppId, "/cgi-bin/wxopen/wxampunlink", { appid: miniProgramAppId }, context));
  }

  /**
   * The official account's linked mini programs, shared by every link of that account in this run.
   * `miniProgramAppId`: the link whose resource asks, which a failure of the list read then names.
   */
  listLinks(officialAccountAppId: string, miniProgramAppId?: string): Promise<LinkItem[]> {
    return askedFor(this.lists.get(officialAccountAppId), listContext(officialAccountAppId).call, miniProgramAppId && linkSubject(miniProgramAppId));
  }

  /** The account's list as last read in this run, even if links or unlinks followed: see `SharedReads.recent`. */
  recentLinks(officialAccountAppId: string, miniProgramAppId?: string): Promise<LinkItem[]> {
    return askedFor(this.lists.recent(officialAccountAppId), listContext(officialAccountAppId).call, miniProgramAppId && linkSubject(miniProgramAppId));
  }

  /**
   * The mini program's original id (gh_…) and nickname, from the third-party platform's api_get_authorizer_info;
   * undefined when no platform is configured. Asked once per mini program per run (again after a failure).
   */
  async authorizerInfo(miniProgramAppId: string): Promise<{ username: string; nickname: string } | undefined> {
    const component = this.client.config.component;
    if (!component) return undefined;
    return this.profiles.get(miniProgramAppId, async () => {
      const context: CallContext = { call: "api_get_authorizer_info", account: `third-party platform ${component.appId}`, subject: `mini program ${miniProgramAppId}` };
      const body = await this.client.callAsComponent(
        "/cgi-bin/component/api_get_authorizer_info",
        { component_appid: component.appId, authorizer_appid: miniProgramAppId },
        context,
      );
      const info = isRecord(body.authorizer_info) ? body.authorizer_info : {};
      return typeof info.user_name === "string" && info.user_name !== "" ? { username: info.user_name, nickname: text(info.nick_name) } : undefined;
    });
  }

  /** What `authorizerInfo` already asked in this run, without asking. */
  knownAuthorizerInfo(miniProgramAppId: string): Promise<{ username: string; nickname: string } | undefined> {
    return this.profiles.peek(miniProgramAppId) ?? Promise.resolve(undefined);
  }

  private async fetchList(officialAccountAppId: string): Promise<LinkItem[]> {
    const body = await this.client.call(officialAccountAppId, "/cgi-bin/wxopen/wxamplinkget", {}, listContext(officialAccountAppId));
    const wxopens = isRecord(body.wxopens) ? body.wxopens : {};
    const items = Array.isArray(wxopens.items) ? wxopens.items : [];
    return items.filter(isRecord).map((item) => ({
      status: Number(item.status),
      username: text(item.username),
      appId: typeof item.appid === "string" && item.appid !== "" ? item.appid : undefined,
      nickname: text(item.nickname),
      released: truthy(item.released),
      selected: truthy(item.selected),
    }));
  }
}

function listContext(officialAccountAppId: string): CallContext {
  return { call: "link list (wxamplinkget)", account: `official account ${officialAccountAppId}` };
}

/** What a call about one link is about, for error messages: the official account acts, the link is the subject. */
export function linkContext(call: string, officialAccountAppId: string, miniProgramAppId: string): CallContext {
  return { call, account: `official account ${officialAccountAppId}`, subject: linkSubject(miniProgramAppId) };
}

/** How messages name a link beside its official account. */
function linkSubject(miniProgramAppId: string): string {
  return `link to mini program ${miniProgramAppId}`;
}

/** WeChat sends these flags as 0/1 numbers, sometimes as strings. */
function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === "1";
}
