import type * as pulumi from "@pulumi/pulumi";
import { ErrCode } from "./client/codes";
import { WeChatError, isWeChatError } from "./client/errors";
import { LinkItem, LinksApi, linkContext } from "./client/links";
import { TokenStore } from "./client/tokens";
import { Field, checkFields, isUnknown, pick } from "./inputs";

/** OfficialAccountLink: a mini program linked to an official account. create = wxamplink, delete = wxampunlink, read = wxamplinkget. */

export interface LinkInputs {
  officialAccountAppId: string;
  miniProgramAppId: string;
  notifyUsers: boolean;
  showProfile: boolean;
  miniProgramUsername?: string;
}

export type LinkStatus = "linked" | "pendingMiniProgramAdmin" | "rejected" | "pendingOfficialAccountAdmin" | "unknown";

export interface LinkOutputs extends LinkInputs {
  status: LinkStatus;
  statusCode: number;
  /** The mini program's original id (gh_…), by which WeChat's list identifies it. */
  username: string;
  nickname: string;
  released: boolean;
  selected: boolean;
}

const fields: Field[] = [
  { name: "officialAccountAppId", kind: "appId", required: true },
  { name: "miniProgramAppId", kind: "appId", required: true },
  { name: "notifyUsers", kind: "boolean" },
  { name: "showProfile", kind: "boolean" },
  { name: "miniProgramUsername", kind: "username" },
];

const statuses: Record<number, LinkStatus> = { 1: "linked", 2: "pendingMiniProgramAdmin", 3: "rejected", 12: "pendingOfficialAccountAdmin" };

export class LinkResource {
  /** Creates that must learn the username from the item that appears run one at a time per official account. */
  private readonly learning = new Map<string, Promise<unknown>>();
  /**
   * Links whose unlink this run asked for while they were linked, with their usernames: WeChat keeps them, linked,
   * until the official account's admin confirms. A replacement (a changed showProfile) that links one again meets 89015.
   */
  private readonly unlinksAwaitingAdmin = new Map<string, string>();

  constructor(
    private readonly links: LinksApi,
    private readonly tokens: TokenStore,
    private readonly warn: (message: string) => void,
  ) {}

  async check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
    const failures = checkFields(news, fields);
    const account = news.officialAccountAppId;
    if (typeof account === "string" && !isUnknown(account) && !failures.some((f) => f.property === "officialAccountAppId") && !this.tokens.sourceFor(account)) {
      failures.push({ property: "officialAccountAppId", reason: TokenStore.missingCredential(account) });
    }
    // Defaults are filled here so that leaving a flag out and setting it to false never differ.
    return { inputs: { notifyUsers: false, showProfile: false, ...pick(news, fields) }, failures };
  }

  async diff(_id: string, olds: LinkOutputs, news: LinkInputs): Promise<pulumi.dynamic.DiffResult> {
    const replaces: string[] = (["officialAccountAppId", "miniProgramAppId"] as const).filter((key) => isUnknown(news[key]) || news[key] !== olds[key]);
    let deleteBeforeReplace = false;
    // WeChat cannot change show_profile on an existing link: unlink, then link again.
    if (isUnknown(news.showProfile) || Boolean(news.showProfile) !== Boolean(olds.showProfile)) {
      replaces.push("showProfile");
      deleteBeforeReplace = true;
    }
    if (olds.status === "rejected" && !replaces.includes("officialAccountAppId") && !replaces.includes("miniProgramAppId")) {
      replaces.push("status");
      deleteBeforeReplace = true;
      this.warn(`${describe(olds)}: the mini program's admin rejected the invitation; it will be sent again`);
    }
    // notifyUsers only matters when inviting, so a change to it alone is not a difference.
    const usernameChanged = (news.miniProgramUsername ?? undefined) !== (olds.miniProgramUsername ?? undefined);
    return { changes: replaces.length > 0 || usernameChanged, replaces, deleteBeforeReplace };
  }

  async create(inputs: LinkInputs): Promise<pulumi.dynamic.CreateResult> {
    const { officialAccountAppId, miniProgramAppId } = inputs;
    const known = inputs.miniProgramUsername ?? (await this.links.authorizerUsername(miniProgramAppId));
    const item = known ? await this.linkAndFind(inputs, known) : await this.serialized(officialAccountAppId, () => this.linkAndLearn(inputs));
    if (item.status === 3) {
      this.warn(`${describe(inputs)}: an earlier invitation was rejected; sending a new one`);
      await this.links.unlink(officialAccountAppId, miniProgramAppId);
      return this.create({ ...inputs, miniProgramUsername: inputs.miniProgramUsername ?? item.username });
    }
    const outs = outputs(inputs, item);
    this.warnIfPending(outs);
    return { id: linkId(inputs), outs };
  }

  async read(id: string, props: Partial<LinkOutputs>): Promise<pulumi.dynamic.ReadResult> {
    const [officialAccountAppId, miniProgramAppId] =
      props.officialAccountAppId && props.miniProgramAppId ? [props.officialAccountAppId, props.miniProgramAppId] : parseId(id);
    const inputs = { notifyUsers: false, showProfile: false, ...pick(props, fields), officialAccountAppId, miniProgramAppId } as LinkInputs;
    const item = await this.find(inputs, props.username);
    if (!item) return { id: "", props: {} };
    return { id, props: outputs(inputs, item), inputs: { ...inputs } };
  }

  async update(_id: string, olds: LinkOutputs, news: LinkInputs): Promise<pulumi.dynamic.UpdateResult> {
    const item = await this.find(news, olds.username);
    if (!item) throw this.notFound(news, "update");
    return { outs: outputs(news, item) };
  }

  async delete(_id: string, props: LinkOutputs): Promise<void> {
    // Only this link's own unlink changes its item, and it comes after: the list read for the other deletes serves.
    const item = await this.find(props, props.username, await this.links.recentLinks(props.officialAccountAppId));
    if (!item) return;
    try {
      await this.links.unlink(props.officialAccountAppId, props.miniProgramAppId);
    } catch (error) {
      if (!isWeChatError(error, ErrCode.UnlinkAlreadyRequested)) throw error;
      this.unlinksAwaitingAdmin.set(linkId(props), item.username);
      return;
    }
    if (item.status === 1) {
      this.unlinksAwaitingAdmin.set(linkId(props), item.username);
      this.warn(`${describe(props)}: unlink requested; WeChat removes the link once the official account's admin confirms`);
    }
  }

  private async linkAndFind(inputs: LinkInputs, username: string): Promise<LinkItem> {
    await this.linkOrAdopt(inputs);
    const item = await this.find(inputs, username);
    if (!item) throw this.notFound(inputs, "link (wxamplink)");
    return item;
  }

  /** Without a username, the mini program is the item that appears in the list when we link it. */
  private async linkAndLearn(inputs: LinkInputs): Promise<LinkItem> {
    const before = await this.links.listLinks(inputs.officialAccountAppId);
    await this.linkOrAdopt(inputs);
    const after = await this.links.listLinks(inputs.officialAccountAppId);
    const byAppId = after.find((item) => item.appId === inputs.miniProgramAppId);
    if (byAppId) return byAppId;
    // Even when the link call ended in 89010/89015, an item that appeared is ours: a retry sees 89010 when the first
    // attempt invited and its answer was lost. A link adopted from before this run appears nowhere, and is refused.
    const appeared = after.filter((item) => !before.some((old) => old.username === item.username));
    if (appeared.length === 1) return appeared[0];
    throw new WeChatError(
      "WECHAT_BAD_RESPONSE",
      linkContext("link (wxamplink)", inputs.officialAccountAppId, inputs.miniProgramAppId),
      "WeChat's link list does not say which item is this mini program. What to do: set miniProgramUsername to its original id (gh_…), or configure the third-party platform so the provider can look it up",
    );
  }

  /**
   * Invites the mini program; a link that already exists (89010 invitation sent, 89015 linked) is adopted, except
   * one this run asked to unlink: it is on its way out, and adopting it would record settings it does not have.
   */
  private async linkOrAdopt(inputs: LinkInputs): Promise<void> {
    try {
      await this.links.link(inputs.officialAccountAppId, inputs.miniProgramAppId, inputs.notifyUsers, inputs.showProfile);
    } catch (error) {
      if (!isWeChatError(error, ErrCode.InvitationAlreadySent) && !isWeChatError(error, ErrCode.AlreadyLinked)) throw error;
      if (error.errcode === ErrCode.AlreadyLinked && this.unlinksAwaitingAdmin.has(linkId(inputs))) throw await this.relinkAwaitingAdmin(inputs);
      this.warn(`${describe(inputs)}: ${error.errcode === ErrCode.AlreadyLinked ? "already linked" : "an invitation was already sent"}; adopting it`);
    }
  }

  /**
   * A relink (a changed showProfile: the only replacement that keeps the id of a linked mini program) whose unlink
   * waits for the official account's admin. The error carries the link as WeChat still has it, so the state keeps it
   * with its old showProfile: the next `up` asks for the relink again, where a fresh run would otherwise adopt the
   * old link as if it had the new setting.
   */
  private async relinkAwaitingAdmin(inputs: LinkInputs): Promise<WeChatError> {
    const error = WeChatError.api(linkContext("link (wxamplink)", inputs.officialAccountAppId, inputs.miniProgramAppId), ErrCode.AlreadyLinked, {
      meaning: "the mini program is still linked, because the unlink that changing showProfile needs waits for the official account's admin",
      action: "have the official account's admin confirm the unlink, then run `pulumi up` again, which links it anew",
    });
    const item = await this.find(inputs, this.unlinksAwaitingAdmin.get(linkId(inputs))).catch(() => undefined);
    if (!item) return error;
    const properties = outputs({ ...inputs, showProfile: !inputs.showProfile }, item);
    return Object.assign(error, { id: linkId(inputs), properties, reasons: [error.message] });
  }

  private async find(
    link: Pick<LinkInputs, "officialAccountAppId" | "miniProgramAppId" | "miniProgramUsername">,
    learned: string | undefined,
    items?: LinkItem[],
  ): Promise<LinkItem | undefined> {
    items ??= await this.links.listLinks(link.officialAccountAppId);
    const byAppId = items.find((item) => item.appId === link.miniProgramAppId);
    if (byAppId) return byAppId;
    const username = link.miniProgramUsername ?? (learned || (await this.links.authorizerUsername(link.miniProgramAppId)));
    if (!username) {
      throw new WeChatError(
        "WECHAT_BAD_RESPONSE",
        linkContext("link list (wxamplinkget)", link.officialAccountAppId, link.miniProgramAppId),
        "the list identifies mini programs by original id only, and this link's is unknown. What to do: set miniProgramUsername (gh_…)",
      );
    }
    return items.find((item) => item.username === username);
  }

  private notFound(link: LinkInputs, call: string): WeChatError {
    return new WeChatError(
      "WECHAT_BAD_RESPONSE",
      linkContext(call, link.officialAccountAppId, link.miniProgramAppId),
      "the mini program is not in the official account's link list. What to do: check miniProgramUsername, then run `pulumi up --refresh`",
    );
  }

  private warnIfPending(outs: LinkOutputs): void {
    if (outs.status === "pendingOfficialAccountAdmin") this.warn(`${describe(outs)}: invitation sent; waiting for the official account's admin to confirm it`);
    if (outs.status === "pendingMiniProgramAdmin") this.warn(`${describe(outs)}: waiting for the mini program's admin to accept the invitation`);
  }

  private serialized<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.learning.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(task);
    this.learning.set(key, next);
    return next;
  }
}

function linkId(link: { officialAccountAppId: string; miniProgramAppId: string }): string {
  return `${link.officialAccountAppId}/${link.miniProgramAppId}`;
}

function outputs(inputs: LinkInputs, item: LinkItem): LinkOutputs {
  return {
    ...(pick(inputs, fields) as unknown as LinkInputs),
    status: statuses[item.status] ?? "unknown",
    statusCode: item.status,
    username: item.username,
    nickname: item.nickname,
    released: item.released,
    selected: item.selected,
  };
}

function parseId(id: string): [string, string] {
  const parts = id.split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new Error(`"${id}" is not an OfficialAccountLink id; expected <officialAccountAppId>/<miniProgramAppId>`);
  return [parts[0], parts[1]];
}

function describe(link: { officialAccountAppId: string; miniProgramAppId: string }): string {
  return `link from official account ${link.officialAccountAppId} to mini program ${link.miniProgramAppId}`;
}
