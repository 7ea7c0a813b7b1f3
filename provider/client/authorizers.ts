import type { WeChatClient } from "./client";
import { type CallContext, WeChatError } from "./errors";
import { isRecord, text } from "./plugins";
import { type ComponentCredentials, isAppId } from "../config";
import { inPool } from "./pool";

/** api_get_authorizer_list's largest page. */
export const authorizerPageSize = 500;

/**
 * Every account that authorized the third-party platform (api_get_authorizer_list, page by page, `concurrency` pages
 * at once after the first, which tells the total). Each account's refresh token goes to the client's token store and
 * nowhere else: WeChat's list holds the current one, where a configured one may be stale.
 */
export async function listAuthorizers(client: WeChatClient, component: ComponentCredentials, concurrency: number): Promise<string[]> {
  const context: CallContext = { call: "api_get_authorizer_list", account: `third-party platform ${component.appId}` };
  const page = (offset: number) =>
    client.callAsComponent("/cgi-bin/component/api_get_authorizer_list", { component_appid: component.appId, offset, count: authorizerPageSize }, context);
  const first = await page(0);
  const total = Number(first.total_count);
  if (!Number.isInteger(total) || total < 0) throw new WeChatError("WECHAT_BAD_RESPONSE", context, "the answer had no total_count");
  const offsets = Array.from({ length: Math.max(0, Math.ceil(total / authorizerPageSize) - 1) }, (_, i) => (i + 1) * authorizerPageSize);
  const appIds = new Set<string>();
  for (const body of [first, ...(await inPool(offsets, concurrency, page))]) {
    for (const item of Array.isArray(body?.list) ? body.list.filter(isRecord) : []) {
      const appId = text(item.authorizer_appid);
      if (!isAppId(appId)) continue;
      appIds.add(appId);
      if (typeof item.refresh_token === "string" && item.refresh_token !== "") client.tokens.addAuthorizer(appId, item.refresh_token);
    }
  }
  return [...appIds];
}
