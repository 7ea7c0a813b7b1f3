import { ErrCode } from "../model/codes";
import { isWeChatPath } from "../model/paths";
import { quotaOf } from "../model/quotas";
import { fail, ok, stringField, type AuthenticatedRequest, type WeChatAnswer } from "./protocol";

/**
 * `POST /cgi-bin/openapi/quota/get`: the daily quota, on `cgi_path`, of the account whose token asks (a platform asks
 * with the authorizer token of the account, or its own token for its own paths).
 */
export function quotaGet({ body, world, now, caller }: AuthenticatedRequest): WeChatAnswer {
  const path = stringField(body, "cgi_path");
  if (!path) return fail(ErrCode.DataFormatError);
  // WeChat wants the path alone: "/wxa/plugin", not "wxa/plugin" nor with "https://api.weixin.qq.com" before it.
  if (!path.startsWith("/")) return fail(ErrCode.CgiPathMalformed);
  if (!isWeChatPath(path)) return fail(ErrCode.CgiPathNotFound);
  const { dailyLimit, used, remain } = quotaOf(world, caller.appId, path, now);
  return ok({ quota: { daily_limit: dailyLimit, used, remain } });
}
