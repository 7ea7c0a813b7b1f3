/**
 * How the resources are named, the one place any of it is built or parsed: their ids (WeChat's own pair of app ids),
 * their type names and tokens, and the parts of a Pulumi URN the drift report, the fleet's plan and its reshard read.
 */

export interface PluginKey {
  appId: string;
  pluginAppId: string;
}

export interface LinkKey {
  officialAccountAppId: string;
  miniProgramAppId: string;
}

export type TypeName = "MiniProgramPlugin" | "OfficialAccountLink";

/** The module the dynamic resources are registered under: their type token is `pulumi-nodejs:dynamic/wechat:<TypeName>`. */
export const dynamicModule = "wechat";
export const dynamicTypePrefix = `pulumi-nodejs:dynamic/${dynamicModule}:`;

/** The native provider's package and module (provider/native/): its type tokens are `wechat:index:<TypeName>`. */
export const nativeTypePrefix = "wechat:index:";

/** A type token of ours, from either host: the dynamic resources' or the native provider's. */
export function isOwnType(type: string): boolean {
  return (type.startsWith(dynamicTypePrefix) || type.startsWith(nativeTypePrefix)) && typeNameOf(type) !== undefined;
}

/** A binding's id, `<appId>/<pluginAppId>`: also its resource name in a fleet, so that it keeps its URN in any shard. */
export function pluginId(binding: PluginKey): string {
  return `${binding.appId}/${binding.pluginAppId}`;
}

/** A link's id, `<officialAccountAppId>/<miniProgramAppId>`; its resource name in a fleet too. */
export function linkId(link: LinkKey): string {
  return `${link.officialAccountAppId}/${link.miniProgramAppId}`;
}

export function parsePluginId(id: string): PluginKey {
  const [appId, pluginAppId] = pair(id, "MiniProgramPlugin", "<appId>/<pluginAppId>");
  return { appId, pluginAppId };
}

export function parseLinkId(id: string): LinkKey {
  const [officialAccountAppId, miniProgramAppId] = pair(id, "OfficialAccountLink", "<officialAccountAppId>/<miniProgramAppId>");
  return { officialAccountAppId, miniProgramAppId };
}

function pair(id: string, type: TypeName, shape: string): [string, string] {
  const parts = id.split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new Error(`"${id}" is not ${type === "OfficialAccountLink" ? "an" : "a"} ${type} id; expected ${shape}`);
  return [parts[0], parts[1]];
}

/** The account an id or fleet resource name belongs to: its first part (the mini program, or the official account). */
export function accountOf(idOrName: string): string {
  return idOrName.split("/")[0];
}

/** Which of ours a type token is, whichever host registered it (its last part); undefined for any other type. */
export function typeNameOf(type: string): TypeName | undefined {
  const name = type.slice(type.lastIndexOf(":") + 1);
  return name === "MiniProgramPlugin" || name === "OfficialAccountLink" ? name : undefined;
}

/** A resource's name in its program: the URN's last part (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function urnName(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}
