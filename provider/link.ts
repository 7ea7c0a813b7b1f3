import type * as pulumi from "@pulumi/pulumi";
import { ErrCode } from "./client/codes";
import { PartialCreateError, WeChatError, isWeChatError } from "./client/errors";
import { LinkFinder } from "./client/find-link";
import { LinkItem, LinksApi, linkContext } from "./client/links";
import { TokenCache } from "./client/token-cache";
import { missingCredential } from "./config";
import { linkId, parseLinkId } from "./identity";
import { Adoptable, Adoption, adoptingWords } from "./adoption";
import { Diff, Field, OutputFields, Read, checkFields, isUnknown, pick } from "./inputs";

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
  /** Bring a link or invitation that already exists at WeChat under this stack's management; read by create only. */
  adopt?: boolean;
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

/** The inputs and their rules, for `check`; the fleet spec takes its fields from here. */
export const linkInputFields: Field[] = [
  { name: "officialAccountAppId", kind: "appId", required: true, description: "The official account's app id." },
  { name: "miniProgramAppId", kind: "appId", required: true, description: "The mini program's app id." },
  { name: "notifyUsers", kind: "boolean", description: "Notify the account's followers when the link is made (only used when inviting). Default false." },
  { name: "showProfile", kind: "boolean", description: "Show the mini program on the account's profile. WeChat cannot change it later: a change relinks. Default false." },
  {
    name: "miniProgramUsername",
    kind: "username",
    description: "The mini program's original id (gh_…); needed only when WeChat's list omits app ids and no third-party platform is configured.",
  },
  {
    name: "adopt",
    kind: "boolean",
    description:
      "Bring a link or invitation that already exists at WeChat under this stack's management instead of failing. Default false: a create that finds it fails, so that no stack silently takes over (and later unlinks) another's.",
  },
];

/** The outputs beyond the inputs, for the native provider's schema. */
export const linkOutputFields: OutputFields<LinkOutputs, LinkInputs> = {
  status: { type: "string", required: true, description: "The link's status at WeChat: linked, pendingMiniProgramAdmin, rejected, pendingOfficialAccountAdmin or unknown." },
  statusCode: { type: "integer", required: true, description: "WeChat's status code: 1 linked, 2 waiting for the mini program's admin, 3 rejected, 12 waiting for the official account's admin." },
  username: { type: "string", required: true, description: "The mini program's original id (gh_…), by which WeChat's list identifies it." },
  nickname: { type: "string", required: true, description: "The mini program's name." },
  released: { type: "boolean", required: true, description: "Whether the mini program has a released version." },
  selected: { type: "boolean", required: true, description: "Whether the account shows the mini program among its selected ones." },
};

const statuses: Record<number, LinkStatus> = { 1: "linked", 2: "pendingMiniProgramAdmin", 3: "rejected", 12: "pendingOfficialAccountAdmin" };

export class LinkResource {
  /**
   * Links whose unlink this run asked for while they were linked: WeChat keeps them, linked, until the official
   * account's admin confirms, so a replacement that links one again (a changed showProfile) meets 89015.
   */
  private readonly unlinksAwaitingAdmin = new Set<string>();
  /** Links this run unlinked or asked to unlink: their items in a list read earlier in the run are out of date. */
  private readonly unlinked = new Set<string>();
  /** The items this run's invitations made, by link id: the shared list read before them plus these is a correct view. */
  private readonly invited = new Map<string, LinkItem>();
  private readonly finder: LinkFinder;
  private readonly adoption: Adoption<LinkInputs>;

  /** `adoptAll`: wechat:adopt, adoption for every create of the run. */
  constructor(
    private readonly links: LinksApi,
    private readonly tokens: TokenCache,
    private readonly warn: (message: string) => void,
    adoptAll = false,
  ) {
    this.finder = new LinkFinder(links);
    this.adoption = new Adoption(adoptable, adoptAll, warn);
  }

  check(news: object): pulumi.dynamic.CheckResult<LinkInputs> {
    const failures = checkFields(news, linkInputFields);
    const account = (news as Record<string, unknown>).officialAccountAppId;
    if (typeof account === "string" && !isUnknown(account) && !failures.some((f) => f.property === "officialAccountAppId") && !this.tokens.sourceFor(account)) {
      failures.push({ property: "officialAccountAppId", reason: missingCredential(account) });
    }
    // The inputs are valid once `failures` is empty, and the engine goes no further otherwise.
    return { inputs: LinkResource.inputs(news), failures };
  }

  /**
   * The inputs as `check` passes them on and the state keeps them (less `__provider`), from valid ones. Defaults are
   * filled here so that leaving a flag out and setting it to false never differ.
   */
  static inputs(this: void, news: object): LinkInputs {
    return { notifyUsers: false, showProfile: false, ...pick(news, linkInputFields) } as LinkInputs;
  }

  /** For `check`: a warning when the link a create would make exists at WeChat and adoption is off (`Adoption.warning`). */
  existingWarning(olds: Partial<LinkInputs>, news: LinkInputs): Promise<string | undefined> {
    return this.adoption.warning(olds, news, () => this.existing(news));
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
      warnings.push(`${describeLink(olds)}: the mini program's admin rejected the invitation; it will be sent again`);
    }
    // notifyUsers only matters when inviting, so a change to it alone is not a difference.
    const usernameChanged = (news.miniProgramUsername ?? undefined) !== (olds.miniProgramUsername ?? undefined);
    return { result: { changes: replaces.length > 0 || usernameChanged, replaces, deleteBeforeReplace }, warnings };
  }

  /**
   * Sends the invitation. A link or invitation already at WeChat fails the create before any write, unless adoption is
   * on (`adopt`, wechat:adopt): then it is taken as it is, and a refused invitation is withdrawn and sent again.
   */
  async create(inputs: LinkInputs): Promise<Required<pulumi.dynamic.CreateResult<LinkOutputs>>> {
    const existing = await this.existing(inputs);
    if (existing) {
      if (this.unlinksAwaitingAdmin.has(linkId(inputs))) throw this.relinkAwaitingAdmin(inputs, existing);
      const inviteAgain = existing.status === 3;
      this.adoption.take(inputs, existing.status, inviteAgain ? "withdrawing it and sending a new invitation" : undefined);
      if (!inviteAgain) return { id: linkId(inputs), outs: outputs(inputs, existing) };
      this.unlinked.add(linkId(inputs));
      this.invited.delete(linkId(inputs));
      await this.links.unlink(inputs.officialAccountAppId, inputs.miniProgramAppId);
    }
    let item = await this.invite(inputs);
    if (item.status === 3) {
      // Once per create, as for plugins: an item still rejected after that goes into the state as it is, and the next
      // `up` replaces it, rather than this create inviting in a loop.
      this.warn(`${describeLink(inputs)}: an earlier invitation was rejected; sending a new one`);
      this.invited.delete(linkId(inputs));
      await this.links.unlink(inputs.officialAccountAppId, inputs.miniProgramAppId);
      item = await this.invite(inputs);
    }
    return this.created(inputs, item);
  }

  async read(id: string, props: Partial<LinkOutputs>): Promise<Read<LinkInputs, LinkOutputs>> {
    const { officialAccountAppId, miniProgramAppId } =
      props.officialAccountAppId && props.miniProgramAppId ? { officialAccountAppId: props.officialAccountAppId, miniProgramAppId: props.miniProgramAppId } : parseLinkId(id);
    const inputs: LinkInputs = { ...LinkResource.inputs(props), officialAccountAppId, miniProgramAppId };
    const item = await this.finder.find(inputs, { username: props.username });
    if (!item) return { id: "" };
    return { id, props: outputs(inputs, item), inputs: LinkResource.liveInputs(inputs) };
  }

  /** The inputs WeChat has, from a state's outputs: the declared ones, all of which a link's list item shows. */
  static liveInputs(this: void, outputs: Partial<LinkOutputs>): LinkInputs {
    return LinkResource.inputs(outputs);
  }

  async update(_id: string, olds: LinkOutputs, news: LinkInputs): Promise<Required<pulumi.dynamic.UpdateResult<LinkOutputs>>> {
    const item = await this.finder.find(news, { username: olds.username });
    if (!item) {
      this.warn(`${describeLink(news)}: no longer in the official account's link list; inviting again`);
      return { outs: (await this.create(news)).outs };
    }
    return { outs: outputs(news, item) };
  }

  async delete(id: string, props: LinkOutputs): Promise<void> {
    // Only this link's own unlink changes its item, and it comes after: the list read for the other deletes serves,
    // with the item of an invitation this run sent, which that list may predate.
    const item = this.invited.get(id) ?? (await this.finder.find(props, { username: props.username, recent: true }));
    if (!item) return;
    this.unlinked.add(id);
    this.invited.delete(id);
    try {
      await this.links.unlink(props.officialAccountAppId, props.miniProgramAppId);
    } catch (error) {
      if (!isWeChatError(error, ErrCode.UnlinkAlreadyRequested)) throw error;
      this.unlinksAwaitingAdmin.add(linkId(props));
      return;
    }
    if (item.status === 1) {
      this.unlinksAwaitingAdmin.add(linkId(props));
      this.warn(`${describeLink(props)}: unlink requested; WeChat removes the link once the official account's admin confirms`);
    }
  }

  /**
   * The link's item before this create writes, from the list as last read in this run (only a write to this link would
   * have made it wrong), so that the creates of one official account share one list read. Undefined also when the list
   * cannot tell, because the mini program's original id is unknown: the invitation's answer says it then.
   */
  private async existing(inputs: LinkInputs): Promise<LinkItem | undefined> {
    const invited = this.invited.get(linkId(inputs));
    if (invited) return invited;
    try {
      return await this.finder.find(inputs, { recent: !this.unlinked.has(linkId(inputs)) });
    } catch (error) {
      if (isWeChatError(error) && error.code === "WECHAT_USERNAME_UNKNOWN") return undefined;
      throw error;
    }
  }

  private created(inputs: LinkInputs, item: LinkItem): Required<pulumi.dynamic.CreateResult<LinkOutputs>> {
    const outs = outputs(inputs, item);
    this.warnIfPending(outs);
    return { id: linkId(inputs), outs };
  }

  private async invite(inputs: LinkInputs): Promise<LinkItem> {
    const item = await this.finder.afterInvite(inputs, () => this.sendInvitation(inputs));
    this.invited.set(linkId(inputs), item);
    return item;
  }

  /**
   * Invites the mini program, where the list showed no link or could not tell. 89010 (invitation sent) or 89015
   * (linked) is adopted or refused as `Adoption.refused` decides.
   */
  private async sendInvitation(inputs: LinkInputs): Promise<boolean> {
    try {
      await this.links.link(inputs.officialAccountAppId, inputs.miniProgramAppId, inputs.notifyUsers, inputs.showProfile);
      return true;
    } catch (error) {
      if (!isWeChatError(error, ErrCode.InvitationAlreadySent) && !isWeChatError(error, ErrCode.AlreadyLinked)) throw error;
      const what = error.errcode === ErrCode.AlreadyLinked ? "already linked" : "an invitation was already sent";
      const how = await this.adoption.refused(error, inputs, () => `WeChat refused the invitation with ${error.errcode}: ${what}`);
      this.warn(`${describeLink(inputs)}: ${what}${how === "answer lost" ? ", by an attempt whose answer was lost" : ""}${adoptingWords}`);
      return false;
    }
  }

  /**
   * A relink (a changed showProfile: the only replacement that keeps the id of a linked mini program) whose unlink
   * waits for the official account's admin. The error carries the link as WeChat still has it, so the state keeps it
   * with its old showProfile: the next `up` asks for the relink again, where a fresh run would otherwise adopt the
   * old link as if it had the new setting.
   */
  private relinkAwaitingAdmin(inputs: LinkInputs, item: LinkItem): Error {
    const error = WeChatError.api(linkContext("link (wxamplink)", inputs.officialAccountAppId, inputs.miniProgramAppId), ErrCode.AlreadyLinked, {
      meaning: "the mini program is still linked, because the unlink that changing showProfile needs waits for the official account's admin",
      action: "have the official account's admin confirm the unlink, then run `pulumi up` again, which links it anew",
    });
    return new PartialCreateError(linkId(inputs), outputs({ ...inputs, showProfile: !inputs.showProfile }, item), error);
  }

  private warnIfPending(outs: LinkOutputs): void {
    if (outs.status === "pendingOfficialAccountAdmin") this.warn(`${describeLink(outs)}: invitation sent; waiting for the official account's admin to confirm it`);
    if (outs.status === "pendingMiniProgramAdmin") this.warn(`${describeLink(outs)}: waiting for the mini program's admin to accept the invitation`);
  }
}

const adoptable: Adoptable<LinkInputs> = {
  id: ({ officialAccountAppId, miniProgramAppId }) => (officialAccountAppId && miniProgramAppId ? linkId({ officialAccountAppId, miniProgramAppId }) : undefined),
  account: (link) => link.officialAccountAppId,
  keys: ["officialAccountAppId", "miniProgramAppId", "miniProgramUsername"],
  context: (link) => linkContext("link (wxamplink)", link.officialAccountAppId, link.miniProgramAppId),
  describe: describeLink,
  statusWords: linkStatusWords,
  found,
};

function outputs(inputs: LinkInputs, item: LinkItem): LinkOutputs {
  return {
    ...pick(inputs, linkInputFields),
    status: statuses[item.status] ?? "unknown",
    statusCode: item.status,
    username: item.username,
    nickname: item.nickname,
    released: item.released,
    selected: item.selected,
  };
}

const words: Record<number, string> = {
  1: "linked",
  2: "waiting for the mini program's admin",
  3: "refused by the mini program's admin",
  12: "waiting for the official account's admin",
};

/** A link list item's status in words, for messages (discover's too). */
export function linkStatusWords(code: number): string {
  return words[code] ?? `with status ${code}`;
}

/** What WeChat has, for the already-exists error and warning. */
function found(status: number): string {
  const code = status === 1 ? ErrCode.AlreadyLinked : status === 2 || status === 12 ? ErrCode.InvitationAlreadySent : undefined;
  return `already in the official account's link list at WeChat, ${linkStatusWords(status)}${code ? ` (an invitation would get WeChat error ${code})` : ""}`;
}

/** How messages name a link. */
export function describeLink(link: { officialAccountAppId: string; miniProgramAppId: string }): string {
  return `link from official account ${link.officialAccountAppId} to mini program ${link.miniProgramAppId}`;
}
