import type { RefreshedResource, ResourceOutcome } from "../cli/engine-events";
import type { Diff } from "../provider/inputs";
import { LinkResource } from "../provider/link";
import { PluginResource } from "../provider/plugin";
import type { FleetResource } from "./resources";

/**
 * What `pulumi up` would do to a shard's stack, decided from the spec and from a refresh that runs no program and
 * changes nothing (`pulumi refresh --preview-only --run-program=false`), for `drift` and for `up`'s look before it
 * writes. Running the program, and the engine's check and diff of every resource it declares, cost a shard twice the
 * CPU time of the refresh alone (README, Performance → Fleets), while the refresh reads WeChat exactly as an up's
 * would. The decision is the engine's for the fleet's program: it declares each resource with no options, parents or
 * dependencies, so the engine's step is a create for a resource the refreshed state lacks, a delete for one the spec
 * no longer declares, and otherwise what the resource's own diff makes of the refreshed outputs and the spec's inputs
 * as `check` passes them on. The refresh runs the providers as the runner configures them now: the fleet's stacks
 * take their provider settings from WECHAT_* variables, never from stack config (see workspace.ts).
 */
export interface ShardPlan {
  /** One per resource that the spec declares or the refreshed state holds, with its op as `pulumi preview` names it. */
  outcomes: ResourceOutcome[];
  /** Nothing for an up to do: every resource stays as it is and the refresh read what the state holds. */
  settled: boolean;
}

/** Each resource type's inputs as `check` makes them and its diff, by the type name the spec's resources carry. */
const resourceTypes: Record<FleetResource["type"], { inputs: (news: object) => object; diff: (olds: never, news: never) => Diff }> = {
  MiniProgramPlugin: { inputs: PluginResource.inputs, diff: PluginResource.diff },
  OfficialAccountLink: { inputs: LinkResource.inputs, diff: LinkResource.diff },
};

/** A resource's identity within a stack: its type name (the type token's last part) and its name. */
const key = (type: string, name: string) => `${type.split(":").pop()}::${name}`;

/**
 * @param declared the shard's resources (fleetResources)
 * @param refreshed what the refresh found (EngineEvents.refreshedResources)
 * @param readAsStored whether every refresh read what the state holds (EngineEvents.refreshedAsStored)
 */
export function planShard(declared: FleetResource[], refreshed: RefreshedResource[], readAsStored: boolean): ShardPlan {
  const found = new Map(refreshed.map((resource) => [key(resource.type, resource.name), resource]));
  const outcomes: ResourceOutcome[] = [];
  for (const resource of declared) {
    const { inputs: checked, diff } = resourceTypes[resource.type];
    const inputs = checked(resource.inputs) as Record<string, unknown>;
    const current = found.get(key(resource.type, resource.name));
    found.delete(key(resource.type, resource.name));
    const outcome = { name: resource.name, inputs, failed: false };
    if (!current?.read) {
      // The type token Pulumi gives a dynamic resource of the module "wechat" (provider/index.ts).
      outcomes.push({ ...outcome, urn: current?.urn ?? "", type: current?.type ?? `pulumi-nodejs:dynamic/wechat:${resource.type}`, op: "create", outputs: {}, reasons: [] });
      continue;
    }
    const { result } = diff(current.read as never, inputs as never);
    const replaces = result.replaces ?? [];
    // Like the engine's step: the properties that force a replacement, then the inputs that differ from the outputs.
    const differing = Object.keys(inputs).filter((name) => !replaces.includes(name) && inputs[name] !== current.read![name]);
    const op = replaces.length > 0 ? "replace" : result.changes ? "update" : "same";
    outcomes.push({ ...outcome, urn: current.urn, type: current.type, op, outputs: current.read, reasons: op === "same" ? [] : [...replaces, ...differing] });
  }
  // What the state holds and the spec no longer declares: an up deletes it, or only forgets it when it is gone.
  for (const resource of found.values()) {
    if (resource.read) outcomes.push({ urn: resource.urn, type: resource.type, name: resource.name, op: "delete", inputs: resource.state.inputs, outputs: resource.read, reasons: [], failed: false });
  }
  return { outcomes, settled: readAsStored && outcomes.every((outcome) => outcome.op === "same") };
}
