import { Code, fail, ok, stringField, type AuthenticatedRequest, type WeChatAnswer } from "./protocol";
import type { World } from "./world";

/** `POST /cgi-bin/wxopen/wxamplinkget`: the official account's links, described by `username` as WeChat does. */
export function listLinks({ world, caller }: AuthenticatedRequest): WeChatAnswer {
  const { miniPrograms, linkItemsIncludeAppId } = world.accounts;
  const items = world.links
    .filter((link) => link.officialAccountAppId === caller.appId)
    .map((link) => {
      const miniProgram = miniPrograms.get(link.miniProgramAppId);
      return {
        status: link.status,
        username: miniProgram?.username ?? "",
        ...(linkItemsIncludeAppId ? { appid: link.miniProgramAppId } : {}),
        source: "",
        nickname: miniProgram?.nickname ?? "",
        selected: 0,
        nearby_display_status: miniProgram?.nearby ? 1 : 0,
        released: 1,
        headimg_url: miniProgram?.headImgUrl ?? "",
        func_infos: [],
        copy_verify_status: 0,
        email: "",
      };
    });
  return ok({ wxopens: { items } });
}

/** `POST /cgi-bin/wxopen/wxamplink`: invites a mini program; the link then waits for both admins (12 → 2 → 1). */
export function link({ body, world, caller }: AuthenticatedRequest): WeChatAnswer {
  const appId = stringField(body, "appid");
  const notifyUsers = zeroOrOne(body.notify_users);
  const showProfile = zeroOrOne(body.show_profile);
  if (!appId || notifyUsers === undefined || showProfile === undefined) return fail(Code.dataFormatError);
  if (!world.accounts.miniPrograms.has(appId)) return fail(Code.invalidAppId);
  const existing = world.link(caller.appId, appId);
  if (existing?.status === 1) return fail(Code.alreadyLinked);
  if (existing?.status === 2 || existing?.status === 12) return fail(Code.invitationAlreadySent);
  const active = world.links.filter((entry) => entry.officialAccountAppId === caller.appId && entry.status !== 3).length;
  if (active >= (world.accounts.officialAccounts.get(caller.appId)?.linkLimit ?? 0)) return fail(Code.linkLimitReached);
  // A refused invitation (status 3) is replaced by the fresh one.
  if (existing) world.removeLink(existing);
  world.links.push({
    officialAccountAppId: caller.appId,
    miniProgramAppId: appId,
    status: 12,
    unlinkPending: false,
    notifyUsers,
    showProfile,
  });
  world.markChanged();
  return ok();
}

/** `POST /cgi-bin/wxopen/wxampunlink`: withdraws an unfinished link at once; a live link waits for the official account's admin. */
export function unlink({ body, world, caller }: AuthenticatedRequest): WeChatAnswer {
  const appId = stringField(body, "appid");
  if (!appId) return fail(Code.dataFormatError);
  const existing = world.link(caller.appId, appId);
  if (!existing) return fail(Code.invalidArgs, "mini program is not linked");
  if (existing.status !== 1) {
    world.removeLink(existing);
    return ok();
  }
  const miniProgram = world.accounts.miniPrograms.get(appId);
  if (miniProgram?.nearby) return fail(Code.nearbyCannotUnlink);
  if (miniProgram?.store) return fail(Code.storeCannotUnlink);
  if (existing.unlinkPending) return fail(Code.unlinkAlreadyRequested);
  existing.unlinkPending = true;
  world.markChanged();
  return ok();
}

/** An admin's answer to what is waiting for them, given through `POST /__emulator/links/confirm`. */
export interface AdminAnswer {
  officialAccountAppId: string;
  miniProgramAppId: string;
  by: "officialAccount" | "miniProgram";
  accept: boolean;
}

/** Applies an admin's answer; returns why it does not apply, or undefined once applied. */
export function answerAsAdmin(world: World, answer: AdminAnswer): string | undefined {
  const existing = world.link(answer.officialAccountAppId, answer.miniProgramAppId);
  if (!existing) return `no link between ${answer.officialAccountAppId} and ${answer.miniProgramAppId}`;
  if (answer.by === "officialAccount" && existing.status === 1 && existing.unlinkPending) {
    if (answer.accept) world.removeLink(existing);
    else existing.unlinkPending = false;
  } else if (answer.by === "officialAccount" && existing.status === 12) {
    existing.status = answer.accept ? 2 : 3;
  } else if (answer.by === "miniProgram" && existing.status === 2) {
    existing.status = answer.accept ? 1 : 3;
  } else {
    const waiting = existing.unlinkPending ? "an unlink" : `status ${existing.status}`;
    return `nothing waits for the ${answer.by} admin on this link (${waiting})`;
  }
  world.markChanged();
  return undefined;
}

/** WeChat documents 0/1 numbers; some SDKs send "0"/"1" strings, which WeChat accepts too. */
function zeroOrOne(value: unknown): boolean | undefined {
  if (value === 0 || value === "0") return false;
  if (value === 1 || value === "1") return true;
  return undefined;
}
