import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { inPool } from "../provider/client/pool";
import { accountOf, urnName } from "../provider/identity";
import { FleetError } from "./errors";
import { type FleetResource, fleetResources } from "./resources";
import type { FleetSpec } from "./spec";

/**
 * One binding, one owner. A fleet's stacks own what they manage: their `destroy` unbinds it. A second set of stacks
 * managing the same accounts (a mistyped --stack-prefix with a discovered spec, whose every entry says adopt: true)
 * would silently take the whole fleet over a second time, and either set's destroy would then unbind what the other
 * still declares. These are the runner's checks against that, made before any WeChat call.
 */

/** Stacks whose state is read at once: an export each, a Pulumi process each. */
const readers = 4;

/**
 * Refuses the first `up` of a stack prefix when the backend holds another fleet's stacks (the runner's project, another
 * prefix) that manage any account of the spec, naming that fleet's prefix: `--new-fleet` says a new fleet is meant.
 */
export async function refuseSecondOwner(ws: LocalWorkspace, prefix: string, spec: FleetSpec, specPath: string): Promise<void> {
  const others = (await ws.listStacks()).map((stack) => stack.name).filter((name) => stackPrefixOf(name) !== undefined && stackPrefixOf(name) !== prefix);
  if (others.length === 0) return;
  const accounts = new Set(fleetResources(spec).map((resource) => accountOf(resource.name)));
  const managed = await inPool(others, readers, async (stack) => {
    const { deployment } = await ws.exportStack(stack);
    const resources = (deployment?.resources ?? []) as Array<{ urn: string; type: string }>;
    return { stack, accounts: resources.filter((r) => !r.type.startsWith("pulumi:")).map((r) => accountOf(urnName(r.urn))).filter((a) => accounts.has(a)) };
  });
  const byPrefix = new Map<string, { stacks: string[]; accounts: Set<string> }>();
  for (const { stack, accounts: shared } of managed.filter((entry) => entry !== undefined)) {
    if (shared.length === 0) continue;
    const other = stackPrefixOf(stack)!;
    const entry = byPrefix.get(other) ?? { stacks: [], accounts: new Set<string>() };
    entry.stacks.push(stack);
    for (const account of shared) entry.accounts.add(account);
    byPrefix.set(other, entry);
  }
  if (byPrefix.size === 0) return;
  const fleets = [...byPrefix].map(([other, { stacks, accounts: shared }]) => {
    const some = [...shared].slice(0, 3).join(", ");
    return `\`${other}\` (stacks ${stacks.sort().join(", ")}) manages ${shared.size} of its accounts (${some}${shared.size > 3 ? ", …" : ""})`;
  });
  const [first] = byPrefix.keys();
  throw new FleetError(
    "FLEET_SECOND_OWNER",
    `the stack prefix ${prefix} has no stacks yet, and this backend holds another fleet for ${specPath}: ${fleets.join("; ")}. New stacks would be ` +
      `a second owner of those plugins and links, and either fleet's destroy would unbind what the other declares; nothing was changed. ` +
      `What to do: if you meant that fleet, run with --stack-prefix ${first}; if a new fleet is meant to manage them (once the other no longer does), add --new-fleet`,
  );
}

/** The prefix of a fleet stack's name, `<prefix>-<shard>`; undefined for a name of another shape. */
function stackPrefixOf(name: string): string | undefined {
  return /^(.+)-(0|[1-9]\d*)$/.exec(name)?.[1];
}

/**
 * The spec's entries that say `adopt: true` for what the stacks already manage: harmless today (adopt is read only by a
 * create), but left in the spec it adopts again whatever another stack or a person makes under the same name later.
 */
export function adoptStillSet(declared: FleetResource[], managed: ReadonlySet<string>): string[] {
  return declared.filter((resource) => resource.inputs.adopt === true && managed.has(resource.name)).map((resource) => resource.name);
}
