import type * as pulumi from "@pulumi/pulumi";
import { ErrCode } from "./client/codes";
import { PartialCreateError, WeChatError, isWeChatError } from "./client/errors";
import { LinkFinder } from "./client/find-link";
import { LinkItem, LinksApi, linkContext, linkId } from "./client/links";
import { TokenStore } from "./client/tokens";
import { Diff, Field, Read, checkFields, isUnknown, pick } from "./inputs";

/**
 * OfficialAccountLink: a mini program linked to an official account. create = wxamplink, delete = wxampunlink,
 * read = wxamplinkget; finding the link's item in that list is `LinkFinder`'s.
 */

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
  /**
   * Links whose unlink this run asked for while they were linked: WeChat keeps them, linked, until the official
   * account's admin confirms, so a replacement that links one again (a changed showProfile) meets 89015.
   */
  private readonly unlinksAwaitingAdmin = new Set<string>();
  private readonly finder: LinkFinder;

  constructor(
    private readonly links: LinksApi,
    private readonly tokens: TokenStore,
    private readonly warn: (message: string) => void,
  ) {
    this.finder = new LinkFinder(links);
  }

  check(news: object): pulumi.dynamic.CheckResult<LinkInputs> {
    const failures = checkFields(news, fields);
    const account = (news as Record<string, unknown>).officialAccountAppId;
    if (typeof account === "string" && !isUnknown(account) && !failures.some((f) => f.property === "officialAccountAppId") && !this.tokens.sourceFor(account)) {
      failures.push({ property: "officialAccountAppId", reason: TokenStore.missingCredential(account) });
    }
    // Defaults are filled here so that leaving a flag out and setting it to false never differ. The inputs are valid
    // once `failures` is empty, and the engine goes no further otherwise.
    return { inputs: { notifyUsers: false, showProfile: false, ...pick(news, fields) } as LinkInputs, failures };
  }

  /** What `up` changes, and why, from the state and the program alone. */
  static diff(this: void, olds: LinkOutputs, news: LinkInputs): Diff {
    const replaces: string[] = (["officialAccountAppId", "miniProgramAppId"] as const).filter((key) => isUnknown(news[key]) || news[key] !== olds[key]);
    const warnings: string[] = [];
    let deleteBeforeReplace = false;
    // WeChat cannot change show_profile on an existing link: unlink, then link again.
    if (isUnknown(news.showProfile) || Boolean(news.showProfile) !== Boolean(olds.showProfile)) {
      replaces.push("showProfile");
      deleteBeforeReplace = true;
    }
    if (olds.status === "rejected" && !replaces.includes("officialAccountAppId") && !replaces.includes("miniProgramAppId")) {
      replaces.push("status");
      deleteBeforeReplace = true;
      warnings.push(`${describe(olds)}: the mini program's admin rejected the invitation; it will be sent again`);
    }
    // notifyUsers only matters when inviting, so a change to it alone is not a difference.
    const usernameChanged = (news.miniProgramUsername ?? undefined) !== (olds.miniProgramUsername ?? undefined);
    return { result: { changes: replaces.length > 0 || usernameChanged, replaces, deleteBeforeReplace }, warnings };
  }

  async create(inputs: LinkInputs): Promise<Required<pulumi.dynamic.CreateResult<LinkOutputs>>> {
    let item = await this.invite(inputs);
    if (item.status === 3) {
      // Once per create, as for plugins: an item still rejected after that goes into the state as it is, and the next
      // `up` replaces it, rather than this create inviting in a loop.
      this.warn(`${describe(inputs)}: an earlier invitation was rejected; sending a new one`);
      await this.links.unlink(inputs.officialAccountAppId, inputs.miniProgramAppId);
      item = await this.invite(inputs);
    }
    const outs = outputs(inputs, item);
    this.warnIfPending(outs);
    return { id: linkId(inputs), outs };
  }

  async read(id: string, props: Partial<LinkOutputs>): Promise<Read<LinkInputs, LinkOutputs>> {
    const [officialAccountAppId, miniProgramAppId] =
      props.officialAccountAppId && props.miniProgramAppId ? [props.officialAccountAppId, props.miniProgramAppId] : parseId(id);
    const inputs: LinkInputs = { notifyUsers: false, showProfile: false, ...pick(props, fields), officialAccountAppId, miniProgramAppId };
    const item = await this.finder.find(inputs, { username: props.username });
    if (!item) return { id: "" };
    return { id, props: outputs(inputs, item), inputs: { ...inputs } };
  }

  async update(_id: string, olds: LinkOutputs, news: LinkInputs): Promise<Required<pulumi.dynamic.UpdateResult<LinkOutputs>>> {
    const item = await this.finder.find(news, { username: olds.username });
    if (!item) {
      this.warn(`${describe(news)}: no longer in the official account's link list; inviting again`);
      return { outs: (await this.create(news)).outs };
    }
    return { outs: outputs(news, item) };
  }

  async delete(_id: string, props: LinkOutputs): Promise<void> {
    // Only this link's own unlink changes its item, and it comes after: the list read for the other deletes serves.
    const item = await this.finder.find(props, { username: props.username, recent: true });
    if (!item) return;
    try {
      await this.links.unlink(props.officialAccountAppId, props.miniProgramAppId);
    } catch (error) {
      if (!isWeChatError(error, ErrCode.UnlinkAlreadyRequested)) throw error;
      this.unlinksAwaitingAdmin.add(linkId(props));
      return;
    }
    if (item.status === 1) {
      this.unlinksAwaitingAdmin.add(linkId(props));
      this.warn(`${describe(props)}: unlink requested; WeChat removes the link once the official account's admin confirms`);
    }
  }

  private invite(inputs: LinkInputs): Promise<LinkItem> {
    return this.finder.afterInvite(inputs, () => this.linkOrAdopt(inputs));
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
  private async relinkAwaitingAdmin(inputs: LinkInputs): Promise<Error> {
    const error = WeChatError.api(linkContext("link (wxamplink)", inputs.officialAccountAppId, inputs.miniProgramAppId), ErrCode.AlreadyLinked, {
      meaning: "the mini program is still linked, because the unlink that changing showProfile needs waits for the official account's admin",
      action: "have the official account's admin confirm the unlink, then run `pulumi up` again, which links it anew",
    });
    const item = await this.finder.find(inputs).catch(() => undefined);
    if (!item) return error;
    return new PartialCreateError(linkId(inputs), outputs({ ...inputs, showProfile: !inputs.showProfile }, item), error);
  }

  private warnIfPending(outs: LinkOutputs): void {
    if (outs.status === "pendingOfficialAccountAdmin") this.warn(`${describe(outs)}: invitation sent; waiting for the official account's admin to confirm it`);
    if (outs.status === "pendingMiniProgramAdmin") this.warn(`${describe(outs)}: waiting for the mini program's admin to accept the invitation`);
  }
}

function outputs(inputs: LinkInputs, item: LinkItem): LinkOutputs {
  return {
    ...pick(inputs, fields),
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
