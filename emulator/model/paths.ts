/**
 * The WeChat API paths the emulator serves, in the order the console lists them. The HTTP layer has one route for
 * each (its table is typed by this list); the seed and the control surface check quota and fault paths against it.
 */
export const WECHAT_PATHS = [
  "/cgi-bin/token",
  "/cgi-bin/stable_token",
  "/cgi-bin/component/api_component_token",
  "/cgi-bin/component/api_authorizer_token",
  "/cgi-bin/component/api_get_authorizer_info",
  "/cgi-bin/component/api_get_authorizer_list",
  "/cgi-bin/openapi/quota/get",
  "/wxa/plugin",
  "/wxa/devplugin",
  "/cgi-bin/wxopen/wxamplinkget",
  "/cgi-bin/wxopen/wxamplink",
  "/cgi-bin/wxopen/wxampunlink",
] as const;

export type WeChatPath = (typeof WECHAT_PATHS)[number];

const served = new Set<string>(WECHAT_PATHS);

/** Whether the emulator serves this WeChat path: what quotas may be set on and `quota/get` may be asked about. */
export function isWeChatPath(path: string): path is WeChatPath {
  return served.has(path);
}
