import { linkId, pluginId } from "../provider/identity";
import { type Shard, shardSpec } from "./shards";
import type { FleetSpec, LinkSpec, PluginSpec } from "./spec";

/** What declareFleet declares for one plugin or link: the resource's type, its name and its inputs. */
export type FleetResource =
  | { type: "MiniProgramPlugin"; name: string; inputs: PluginSpec & { appId: string } }
  | { type: "OfficialAccountLink"; name: string; inputs: LinkSpec & { officialAccountAppId: string } };

/**
 * The resources of a spec, or of one shard of it. Names are the resources' WeChat ids (`<appId>/<pluginAppId>`,
 * `<officialAccountAppId>/<miniProgramAppId>`), never positions or shard numbers, so a resource keeps its URN in
 * whichever stack holds it and a moved account's state can be imported as it is.
 */
export function fleetResources(spec: FleetSpec, shard?: Shard): FleetResource[] {
  const { miniPrograms, officialAccounts } = shard ? shardSpec(spec, shard.index, shard.count) : spec;
  return [
    ...miniPrograms.flatMap(({ appId, plugins }) =>
      plugins.map((plugin): FleetResource => ({ type: "MiniProgramPlugin", name: pluginId({ appId, pluginAppId: plugin.pluginAppId }), inputs: { appId, ...plugin } })),
    ),
    ...officialAccounts.flatMap(({ appId, links }) =>
      links.map((link): FleetResource => ({ type: "OfficialAccountLink", name: linkId({ officialAccountAppId: appId, miniProgramAppId: link.miniProgramAppId }), inputs: { officialAccountAppId: appId, ...link } })),
    ),
  ];
}
