import type * as pulumi from "@pulumi/pulumi";
import { MiniProgramPlugin, OfficialAccountLink } from "../provider/index";
import { fleetResources } from "./resources";
import type { Shard } from "./shards";
import type { FleetSpec } from "./spec";

export interface DeclareFleetOptions {
  /** Declare only this shard's accounts (see shardOf); without it, every account of the spec. */
  shard?: Shard;
  /**
   * Options for every resource, e.g. `retainOnDelete` while accounts move between shards, so that the stack an
   * account leaves does not unbind its plugins before the stack it joins has taken it over.
   */
  resourceOptions?: pulumi.CustomResourceOptions;
  /** Resources, by name, that adopt what WeChat has whatever the spec says: a recovery's interrupted creates. */
  adopt?: ReadonlySet<string>;
}

/** The declared resources, by resource name. */
export interface Fleet {
  plugins: Map<string, MiniProgramPlugin>;
  links: Map<string, OfficialAccountLink>;
}

/** Declares the plugins and links of a spec (see parseFleetSpec), or of one shard of it, in the running Pulumi program. */
export function declareFleet(spec: FleetSpec, options: DeclareFleetOptions = {}): Fleet {
  const fleet: Fleet = { plugins: new Map(), links: new Map() };
  for (const resource of fleetResources(spec, options.shard)) {
    const adopt = options.adopt?.has(resource.name) ? { adopt: true } : {};
    if (resource.type === "MiniProgramPlugin") fleet.plugins.set(resource.name, new MiniProgramPlugin(resource.name, { ...resource.inputs, ...adopt }, options.resourceOptions));
    else fleet.links.set(resource.name, new OfficialAccountLink(resource.name, { ...resource.inputs, ...adopt }, options.resourceOptions));
  }
  return fleet;
}
