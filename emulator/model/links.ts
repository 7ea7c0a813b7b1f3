import type { Accounts, ExistingLinkStatus } from "./accounts";
import { ErrCode, Refusal, refuse, type WeChatRefusal } from "./codes";
import { inTurn, type Link, type LinkStatus, type World } from "./world";

// WeChat's rules for links between an official account and mini programs: the invitation waits for the official
// account's admin (12), then the mini program's (2), before it is linked (1); either refusal makes it 3.

interface Invitation {
  notifyUsers: boolean;
  showProfile: boolean;
}

/** A refused link (3) is replaced by the new invitation; refused links do not count towards the limit. */
export function invite(world: World, officialAccountAppId: string, miniProgramAppId: string, invitation: Invitation): Link | WeChatRefusal {
  if (!world.accounts.miniPrograms.has(miniProgramAppId)) return refuse(ErrCode.InvalidAppId);
  const existing = world.link(officialAccountAppId, miniProgramAppId);
  if (existing?.status === 1) return refuse(ErrCode.AlreadyLinked);
  if (existing?.status === 2 || existing?.status === 12) return refuse(ErrCode.InvitationAlreadySent);
  const active = world.linksOf(officialAccountAppId).filter((link) => link.status !== 3).length;
  if (active >= (world.accounts.officialAccounts.get(officialAccountAppId)?.linkLimit ?? 0)) return refuse(ErrCode.LinkLimitReached);
  if (existing) world.removeLink(existing);
  const link: Link = { officialAccountAppId, miniProgramAppId, status: 12, unlinkPending: false, ...invitation };
  world.addLink(link);
  return link;
}

/** An unfinished link is withdrawn at once; a live one waits for the official account's admin to confirm the unlink. */
export function unlink(world: World, officialAccountAppId: string, miniProgramAppId: string): WeChatRefusal | undefined {
  const existing = world.link(officialAccountAppId, miniProgramAppId);
  if (!existing) return refuse(ErrCode.InvalidArgs, "mini program is not linked");
  if (existing.status !== 1) {
    world.removeLink(existing);
    return undefined;
  }
  const miniProgram = world.accounts.miniPrograms.get(miniProgramAppId);
  if (miniProgram?.nearby) return refuse(ErrCode.NearbyCannotUnlink);
  if (miniProgram?.store) return refuse(ErrCode.StoreCannotUnlink);
  if (existing.unlinkPending) return refuse(ErrCode.UnlinkAlreadyRequested);
  existing.unlinkPending = true;
  world.markChanged();
  return undefined;
}

/** An admin's answer to what waits for them; WeChat asks admins in its apps, the emulator through the control surface. */
export interface AdminAnswer {
  officialAccountAppId: string;
  miniProgramAppId: string;
  /** Which admin answers: the official account's (status 12, or a pending unlink) or the mini program's (status 2). */
  by: "officialAccount" | "miniProgram";
  accept: boolean;
}

/** The link afterwards, or null once removed (an accepted unlink). Nothing waiting for that admin is a refusal without an errcode. */
export function answerAsAdmin(world: World, answer: AdminAnswer): Link | null | Refusal {
  const existing = world.link(answer.officialAccountAppId, answer.miniProgramAppId);
  if (!existing) return new Refusal(`no link between ${answer.officialAccountAppId} and ${answer.miniProgramAppId}`);
  let result: Link | null = existing;
  if (answer.by === "officialAccount" && existing.status === 1 && existing.unlinkPending) {
    if (answer.accept) {
      world.removeLink(existing);
      result = null;
    } else existing.unlinkPending = false;
  } else if (answer.by === "officialAccount" && existing.status === 12) {
    existing.status = answer.accept ? 2 : 3;
  } else if (answer.by === "miniProgram" && existing.status === 2) {
    existing.status = answer.accept ? 1 : 3;
  } else {
    const waiting = existing.unlinkPending ? "an unlink" : `status ${existing.status}`;
    return new Refusal(`nothing waits for the ${answer.by} admin on this link (${waiting})`);
  }
  world.markChanged();
  return result;
}

const existingStatus: Record<ExistingLinkStatus, LinkStatus> = { linked: 1, waitingForMiniProgram: 2, refused: 3, waitingForOfficialAccount: 12 };

/**
 * The links the generated official accounts start with (the seed's `generate.existing`). Statuses take turns across
 * all links, official account after official account, as the seed's weights say, so one seed always makes one world.
 * With k links each, official account n links the generated mini programs from the (n·k)-th on (wrapping round), so
 * its links are to different mini programs, spread over all of them; never more than its link limit.
 */
export function existingLinks(accounts: Accounts): Link[] {
  const existing = accounts.existing;
  if (!existing) return [];
  const miniPrograms = existing.miniProgramAppIds;
  const statuses = inTurn(existing.linkStatuses);
  const stride = existing.linksPerOfficialAccount;
  let turn = 0;
  return existing.officialAccountAppIds.flatMap((officialAccountAppId, index) => {
    const limit = accounts.officialAccounts.get(officialAccountAppId)?.linkLimit ?? 0;
    const amount = statuses.length === 0 ? 0 : Math.min(stride, limit, miniPrograms.length);
    return Array.from({ length: amount }, (_, slot): Link => ({
      officialAccountAppId,
      miniProgramAppId: miniPrograms[(index * stride + slot) % miniPrograms.length],
      status: existingStatus[statuses[turn++ % statuses.length]],
      unlinkPending: false,
      notifyUsers: false,
      showProfile: false,
    }));
  });
}
