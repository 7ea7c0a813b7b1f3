import { ErrCode } from "../model/codes";
import { invite, unlink as unlinkMiniProgram } from "../model/links";
import { fail, ok, reply, stringField, type AuthenticatedRequest, type WeChatAnswer } from "./protocol";

/** `POST /cgi-bin/wxopen/wxamplinkget`: the official account's links, described by `username` as WeChat does. */
export function listLinks({ world, caller }: AuthenticatedRequest): WeChatAnswer {
  const { miniPrograms, linkItemsIncludeAppId } = world.accounts;
  const items = world.linksOf(caller.appId).map((link) => {
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

/** `POST /cgi-bin/wxopen/wxamplink`: invites a mini program. */
export function link({ body, world, caller }: AuthenticatedRequest): WeChatAnswer {
  const appId = stringField(body, "appid");
  const notifyUsers = zeroOrOne(body.notify_users);
  const showProfile = zeroOrOne(body.show_profile);
  if (!appId || notifyUsers === undefined || showProfile === undefined) return fail(ErrCode.DataFormatError);
  return reply(invite(world, caller.appId, appId, { notifyUsers, showProfile }));
}

/** `POST /cgi-bin/wxopen/wxampunlink`. */
export function unlink({ body, world, caller }: AuthenticatedRequest): WeChatAnswer {
  const appId = stringField(body, "appid");
  if (!appId) return fail(ErrCode.DataFormatError);
  return reply(unlinkMiniProgram(world, caller.appId, appId));
}

/** WeChat documents 0/1 numbers; some SDKs send "0"/"1" strings, which WeChat accepts too. */
function zeroOrOne(value: unknown): boolean | undefined {
  if (value === 0 || value === "0") return false;
  if (value === 1 || value === "1") return true;
  return undefined;
}
