import type { RefreshedResource, ResourceOutcome } from "../drift/engine-events";
import { dynamicTypePrefix, nativeTypePrefix, typeNameOf } from "../provider/identity";
import { resourceTypes } from "../provider/providers";
import type { FleetResource } from "./resources";

/**
 * What `pulumi up` would do to a shard's stack, decided from the spec and from a refresh that runs no program and
 * changes nothing (`pulumi refresh --preview-only --run-program=false`), for `drift` and for `up`'s look before it
 * writes. Running the program, and the engine's check and diff of every resource it declares, cost a shard twice the
 * CPU time of the refresh alone (README, Performance → Fleets), while the refresh reads WeChat exactly as an up's
 * would. The decision is the engine's for the fleet's program, which declares each resource with no options, parents
 * or dependencies: a create for a resource the refreshed state lacks, a delete for one the spec no longer declares, a
 * replacement for one marked for it (`pulumi state taint`), and otherwise what the resource's own diff makes of the
 * refreshed outputs (the olds the engine gives a provider's diff) and the spec's inputs as `check` passes them on.
 * The refresh runs the providers as the runner configures them now: the fleet's stacks take their provider settings
 * from WECHAT_* variables, never from stack config (see workspace.ts).
 * A replacement that deletes first and was interrupted between its delete and its create is left to the resource's
 * diff: the output that called for it (a rejected status, another showProfile) is still in the state.
 */
export interface ShardPlan {
  /** One per resource that the spec declares or the refreshed state holds, with its op as `pulumi preview` names it. */
  outcomes: ResourceOutcome[];
  /**
   * Nothing for an up to do: every resource stays as it is, of the type the spec's provider declares (a resource an up
   * moves to the other provider is not settled, though the move changes nothing at WeChat), and the refresh read what
   * the state holds.
   */
  settled: boolean;
}

/** A resource's identity within a stack: its type name (the type token's last part) and its name. */
const key = (type: string, name: string) => `${typeNameOf(type) ?? type}::${name}`;

/**
 * @param declared the shard's resources (fleetResources)
 * @param refreshed what the refresh found (EngineEvents.refreshedResources)
 * @param refreshedAsStored whether every refresh read what the state holds (EngineEvents.refreshedAsStored)
 * @param native the spec declares the resources on the native provider (its type tokens), not the dynamic ones
 */
export function planShard(declared: FleetResource[], refreshed: RefreshedResource[], refreshedAsStored: boolean, native = false): ShardPlan {
  const typePrefix = native ? nativeTypePrefix : dynamicTypePrefix;
  const found = new Map(refreshed.map((resource) => [key(resource.type, resource.name), resource]));
  const outcomes: ResourceOutcome[] = [];
  for (const resource of declared) {
    const { inputs: checked, diff } = resourceTypes[resource.type];
    const inputs = checked(resource.inputs);
    const current = found.get(key(resource.type, resource.name));
    found.delete(key(resource.type, resource.name));
    const outcome = { name: resource.name, inputs, failed: false };
    if (!current?.read) {
      // A new resource has no URN until the engine registers it; reports name resources by their names.
      outcomes.push({ ...outcome, urn: current?.urn ?? "", type: current?.type ?? `${typePrefix}${resource.type}`, op: "create", outputs: {}, reasons: [] });
      continue;
    }
    // The engine names only the properties that force a replacement: the provider's diff lists no others.
    const { result } = diff(current.read, inputs);
    const replaces = result.replaces ?? [];
    const op = current.taint || replaces.length > 0 ? "replace" : result.changes ? "update" : "same";
    outcomes.push({ ...outcome, urn: current.urn, type: current.type, op, outputs: current.read, reasons: replaces });
  }
  // What the state holds and the spec no longer declares: an up deletes it, or only forgets it when it is gone.
  for (const resource of found.values()) {
    if (resource.read) outcomes.push({ urn: resource.urn, type: resource.type, name: resource.name, op: "delete", inputs: resource.state.inputs, outputs: resource.read, reasons: [], failed: false });
  }
  const asDeclared = refreshed.every((resource) => resource.type.startsWith(typePrefix));
  return { outcomes, settled: refreshedAsStored && asDeclared && outcomes.every((outcome) => outcome.op === "same") };
}
