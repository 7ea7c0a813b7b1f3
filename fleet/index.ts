/** pulumi-wechat/fleet: many accounts' plugins and links from one spec file, in one stack or sharded over many. */
export { startTokenBroker, type TokenBroker } from "./broker";
export { declareFleet, type DeclareFleetOptions, type Fleet } from "./declare";
export { discover, type DiscoverOptions } from "./discover";
export { FleetError, type FleetErrorCode } from "./errors";
export type { Counts, FleetReport, Operation, ShardReport } from "./report";
export { fleetResources, type FleetResource } from "./resources";
export { fleetSpecSchema } from "./schema";
export { type Shard, shardOf, shardSpec, shardStackName } from "./shards";
export {
  FleetSpecError,
  loadFleetSpec,
  parseFleetSpec,
  serializeFleetSpec,
  type FleetSpec,
  type FleetSpecFile,
  type LinkSpec,
  type MiniProgramEntry,
  type MiniProgramSpec,
  type OfficialAccountEntry,
  type OfficialAccountSpec,
  type PluginSpec,
} from "./spec";
