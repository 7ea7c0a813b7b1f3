import { createWriteStream } from "node:fs";
import { join, relative } from "node:path";
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { isAppId } from "../provider/config";
import { accountOf as accountOfName, isOwnType, urnName } from "../provider/identity";
import { shardOf, shardStackName } from "./shards";
import { type FleetStack, fleetStacks, openWorkspace, runPulumi, shardsTag } from "./workspace";
import { FleetError } from "./errors";

/**
 * Resharding moves resources between the fleet's stacks with `pulumi state move`, which edits states only: no
 * WeChat call, no replace. Deleting an account's resources in one stack and creating them in another would unbind
 * its plugins and apply again, losing the developers' approvals.
 *
 * What `pulumi state move` does (CLI 3.274, cmd/pulumi/state/state_move.go): it appends the resources to the
 * destination's state with the stack part of their URNs rewritten, then saves the source without them (destination
 * first, so a failure in between leaves a resource in both, never in neither). The default provider the resources
 * use stays in the source and is copied to the destination, unless the destination has one of that URN already with
 * the same id or the same inputs, which it then uses; other inputs make the move fail ("provider … already exists in
 * destination stack"). A dynamic provider's inputs are the whole stack config, which is why the runner keeps the
 * config of every fleet stack empty (see workspace.ts). A dynamic resource's `__provider` is an input like any other
 * and moves as it is.
 */

/** A resource in a stack's state, as `pulumi stack export` shows it. */
export interface StateResource {
  urn: string;
  type: string;
  id?: string;
}

export interface StackState {
  stack: string;
  index: number;
  resources: StateResource[];
}

export interface Move {
  source: string;
  dest: string;
  urns: string[];
}

export interface ReshardPlan {
  moves: Move[];
  /**
   * Copies left in a stack by a move that stopped between saving the destination and the source: the resource is in
   * its destination already, with the same id, so the copy leaves the state (`pulumi state delete`), not WeChat.
   */
  forget: Array<{ stack: string; urn: string }>;
  /** Stacks to create (shards below `to` that have no stack). */
  create: string[];
  /** Stacks above the new count, emptied by the moves, then removed. */
  remove: string[];
}

/** The account a fleet resource belongs to: the first part of its name (`<appId>/<pluginAppId>`, `<officialAccountAppId>/<miniProgramAppId>`). */
function accountOf(resource: StateResource): string {
  const account = accountOfName(urnName(resource.urn));
  if (!isAppId(account)) throw new FleetError("FLEET_RESHARD_REFUSED", `${resource.urn} is not named <appId>/…: its shard cannot be told, so nothing was moved`);
  return account;
}

/**
 * Which resources go from which stack to which, for `to` shards: every fleet resource to the stack of its account's
 * shard. It reads where each resource is, not where the spec says it should be, so a reshard that stopped half-way
 * is finished by running it again.
 */
export function planReshard(states: StackState[], to: number, prefix: string): ReshardPlan {
  const where = new Map<string, Array<{ stack: string; resource: StateResource }>>();
  for (const { stack, resources } of states) {
    for (const resource of resources) {
      if (resource.type.startsWith("pulumi:")) continue;
      if (!isOwnType(resource.type)) throw new FleetError("FLEET_RESHARD_REFUSED", `stack ${stack} holds ${resource.urn}, which is not a fleet resource; move or delete it first, so nothing was moved`);
      const name = urnName(resource.urn);
      where.set(name, [...(where.get(name) ?? []), { stack, resource }]);
    }
  }
  const moves = new Map<string, Move>();
  const forget: ReshardPlan["forget"] = [];
  for (const [name, copies] of where) {
    const dest = shardStackName(prefix, shardOf(accountOf(copies[0].resource), to));
    let moving = copies;
    if (copies.length > 1) {
      const atDest = copies.find((c) => c.stack === dest);
      if (!atDest || copies.some((c) => c.resource.id !== atDest.resource.id)) {
        throw new FleetError("FLEET_RESHARD_REFUSED", `${name} is in stacks ${copies.map((c) => c.stack).join(" and ")}, with different ids or none in ${dest}; settle it by hand (pulumi state delete) before resharding`);
      }
      moving = [];
      for (const copy of copies) if (copy !== atDest) forget.push({ stack: copy.stack, urn: copy.resource.urn });
    }
    for (const { stack, resource } of moving) {
      if (stack === dest) continue;
      const key = `${stack}\n${dest}`;
      const move = moves.get(key) ?? { source: stack, dest, urns: [] };
      move.urns.push(resource.urn);
      moves.set(key, move);
    }
  }
  const existing = new Set(states.map((s) => s.stack));
  return {
    moves: [...moves.values()].sort((a, b) => a.source.localeCompare(b.source) || a.dest.localeCompare(b.dest)),
    forget,
    create: Array.from({ length: to }, (_, i) => shardStackName(prefix, i)).filter((stack) => !existing.has(stack)),
    remove: states.filter((s) => s.index >= to).map((s) => s.stack),
  };
}

/** Splits URNs into batches whose command line stays far below the kernel's limit on one command's arguments. */
export function batches(urns: string[], maxChars = 100_000): string[][] {
  const result: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const urn of urns) {
    if (current.length > 0 && size + urn.length + 1 > maxChars) {
      result.push(current);
      current = [];
      size = 0;
    }
    current.push(urn);
    size += urn.length + 1;
  }
  if (current.length > 0) result.push(current);
  return result;
}

/** The stacks a reshard from `from` to `to` may find: numbered below both counts' maximum, recording either count or none. */
export function checkReshardable(stacks: FleetStack[], from: number, to: number, prefix: string): string | undefined {
  if (stacks.length === 0) return `there are no stacks ${prefix}-<i> to reshard (the backend is PULUMI_BACKEND_URL, or .pulumi-state/ in the working folder)`;
  const limit = Math.max(from, to);
  const beyond = stacks.filter((s) => s.index >= limit);
  if (beyond.length > 0) return `stacks ${beyond.map((s) => s.name).join(", ")} are beyond ${limit} shards: the fleet is not sharded ${from} ways`;
  const other = stacks.filter((s) => s.shards !== undefined && s.shards !== from && s.shards !== to);
  if (other.length > 0) return `stacks ${other.map((s) => `${s.name} (${s.shards})`).join(", ")} record another shard count than ${from} or ${to}: the fleet is not sharded ${from} ways`;
  return undefined;
}

export interface ReshardOptions {
  from: number;
  to: number;
  stackPrefix: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface ReshardResult {
  moves: Array<{ source: string; dest: string; resources: number }>;
  forgotten: number;
  created: string[];
  removed: string[];
  /** Pulumi's output, relative to the working folder. */
  log: string;
}

/**
 * Moves the fleet's resources from `from` to `to` shards: creates the stacks the new count adds, moves each resource
 * to its new shard's stack, removes the emptied stacks beyond the new count, and tags every stack with the new count.
 * Stops at the first failure; running it again carries on from where the states are.
 */
export async function reshard(options: ReshardOptions): Promise<ReshardResult> {
  const { from, to, stackPrefix, cwd, env } = options;
  const ws = await openWorkspace(cwd, env);
  const stacks = await fleetStacks(ws, stackPrefix);
  const problem = checkReshardable(stacks, from, to, stackPrefix);
  if (problem) throw new FleetError("FLEET_RESHARD_REFUSED", problem);
  const states = await Promise.all(stacks.map((stack) => readState(ws, stack)));
  const plan = planReshard(states, to, stackPrefix);
  const logPath = join(ws.workDir, "logs", "reshard.log");
  const log = createWriteStream(logPath);
  try {
    log.write(`pulumi-wechat-fleet reshard ${from} → ${to}, ${new Date().toISOString()}\n`);
    for (const stack of plan.create) {
      await ws.createStack(stack);
      await ws.setTag(stack, shardsTag, String(to));
    }
    for (const { stack, urn } of plan.forget) await runPulumi(ws, ["state", "delete", "--stack", stack, "--yes", urn], log);
    for (const move of plan.moves) {
      for (const urns of batches(move.urns)) await runPulumi(ws, ["state", "move", "--source", move.source, "--dest", move.dest, "--yes", ...urns], log);
    }
    for (const stack of plan.remove) {
      const left = (await readState(ws, stacks.find((s) => s.name === stack)!)).resources.filter((r) => !r.type.startsWith("pulumi:"));
      if (left.length > 0) throw new FleetError("FLEET_RESHARD_REFUSED", `stack ${stack} still holds ${left.length} resources after the moves; it was kept`);
      // --force: the default provider and the stack resource stay behind in an emptied stack.
      await ws.removeStack(stack, { force: true });
    }
    for (const stack of stacks) if (stack.index < to && stack.shards !== to) await ws.setTag(stack.name, shardsTag, String(to));
  } finally {
    await new Promise((resolve) => log.end(resolve));
  }
  return {
    moves: plan.moves.map((m) => ({ source: m.source, dest: m.dest, resources: m.urns.length })),
    forgotten: plan.forget.length,
    created: plan.create,
    removed: plan.remove,
    log: relative(cwd, logPath),
  };
}

async function readState(ws: LocalWorkspace, stack: FleetStack): Promise<StackState> {
  const { deployment } = await ws.exportStack(stack.name);
  if ((deployment?.pending_operations ?? []).length > 0) {
    throw new FleetError("FLEET_RESHARD_REFUSED", `stack ${stack.name} has operations that an interrupted run left pending: run \`pulumi-wechat-fleet recover\` (with the current --stack-prefix) to settle them before resharding`);
  }
  return { stack: stack.name, index: stack.index, resources: (deployment?.resources ?? []) as StateResource[] };
}

