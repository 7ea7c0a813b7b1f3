import { WeChatError } from "./errors";
import { linkId } from "../identity";
import { LinkItem, LinksApi, linkContext } from "./links";

/** What identifies a link: its two accounts, and the mini program's original id (gh_…) when the program gives it. */
export interface LinkRef {
  officialAccountAppId: string;
  miniProgramAppId: string;
  miniProgramUsername?: string;
}

export interface FindOptions {
  /** The original id recorded in the resource's state. */
  username?: string;
  /** Look in the account's list as last read in this run, even if writes followed (see `LinksApi.recentLinks`). */
  recent?: boolean;
}

/**
 * Finding a link's item in the official account's list (wxamplinkget): the one definition that create, read, update
 * and delete share. WeChat's items usually carry no app id, only the mini program's original id, so an item is
 * matched by app id when it has one, else by original id: the link's `miniProgramUsername`, else the one in the
 * state, else the one this run found for the link, else the third-party platform's (api_get_authorizer_info). When
 * none knows it, the item of a new link is the one that appears in the list when the invitation is sent.
 */
export class LinkFinder {
  /** Per official account, the last invitation whose item is the one that appears; see `oneAtATime`. */
  private readonly appearing = new Map<string, Promise<unknown>>();
  /** The original id of each link found in this run, by link id: a relink after an unlink finds the old item by it. */
  private readonly usernames = new Map<string, string>();

  constructor(private readonly links: LinksApi) {}

  /** The link's item, or undefined when the account's list has none. */
  async find(link: LinkRef, options: FindOptions = {}): Promise<LinkItem | undefined> {
    const { officialAccountAppId, miniProgramAppId } = link;
    const items = await (options.recent ? this.links.recentLinks(officialAccountAppId, miniProgramAppId) : this.links.listLinks(officialAccountAppId, miniProgramAppId));
    let item = items.find((candidate) => candidate.appId === miniProgramAppId);
    if (!item) {
      const username = await this.username(link, options.username);
      if (!username) throw usernameUnknown(link, "link list (wxamplinkget)");
      item = items.find((candidate) => candidate.username === username);
    }
    if (item) this.usernames.set(linkId(link), item.username);
    return item;
  }

  /**
   * Sends the invitation with `invite` (which adopts a link that exists, and says whether WeChat accepted a new
   * invitation) and returns the link's item afterwards. A new invitation is always at status 12 (waiting for the
   * official account's admin): when the mini program's original id is known, its item is made without listing the
   * account again, with the nickname the platform gave when this run asked it (empty otherwise) and released and selected unset until a
   * read. The list is read when the invitation was adopted (89010/89015), whose status only the list says, and when
   * the original id is unknown, to see the item that appears.
   */
  async afterInvite(link: LinkRef, invite: () => Promise<boolean>): Promise<LinkItem> {
    const username = await this.username(link);
    if (!username) return this.oneAtATime(link.officialAccountAppId, () => this.inviteAndWatch(link, invite));
    if (await invite()) {
      this.usernames.set(linkId(link), username);
      const profile = await this.links.knownAuthorizerInfo(link.miniProgramAppId).catch(() => undefined);
      return { status: 12, username, nickname: profile?.username === username ? profile.nickname : "", released: false, selected: false };
    }
    const item = await this.find(link);
    if (!item) {
      throw new WeChatError(
        "WECHAT_NOT_IN_LIST",
        linkContext("link (wxamplink)", link.officialAccountAppId, link.miniProgramAppId),
        "the mini program is not in the official account's link list. What to do: check miniProgramUsername, then run `pulumi up --refresh`",
      );
    }
    return item;
  }

  private async username(link: LinkRef, recorded?: string): Promise<string | undefined> {
    return (
      link.miniProgramUsername ??
      (recorded || this.usernames.get(linkId(link)) || (await this.links.authorizerInfo(link.miniProgramAppId))?.username)
    );
  }

  private async inviteAndWatch(link: LinkRef, invite: () => Promise<boolean>): Promise<LinkItem> {
    const before = await this.links.listLinks(link.officialAccountAppId, link.miniProgramAppId);
    await invite();
    const after = await this.links.listLinks(link.officialAccountAppId, link.miniProgramAppId);
    // Even when the invitation ended in 89010/89015, an item that appeared is ours: a retry sees 89010 when the first
    // attempt invited and its answer was lost. A link adopted from before this run appears nowhere, and is refused.
    const appeared = after.filter((item) => !before.some((old) => old.username === item.username));
    const item = after.find((candidate) => candidate.appId === link.miniProgramAppId) ?? (appeared.length === 1 ? appeared[0] : undefined);
    if (!item) throw usernameUnknown(link, "link (wxamplink)");
    this.usernames.set(linkId(link), item.username);
    return item;
  }

  /** Invitations of one official account identified by the item that appears run one at a time: concurrent ones would each see the others' items appear. */
  private oneAtATime<T>(officialAccountAppId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.appearing.get(officialAccountAppId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(task);
    this.appearing.set(officialAccountAppId, next);
    return next;
  }
}

function usernameUnknown(link: LinkRef, call: string): WeChatError {
  return new WeChatError(
    "WECHAT_USERNAME_UNKNOWN",
    linkContext(call, link.officialAccountAppId, link.miniProgramAppId),
    "WeChat's link list identifies mini programs by original id only, and this one's is unknown. What to do: set miniProgramUsername to its original id (gh_…), or configure the third-party platform so the provider can look it up",
  );
}
