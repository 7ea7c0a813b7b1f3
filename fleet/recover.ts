import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { type LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import type { ResourceOutcome } from "../drift/engine-events";
import { saidAdopted } from "../drift/report";
import { urnName } from "../provider/identity";
import { inPool } from "../provider/client/pool";
import { FleetError } from "./errors";
import type { FleetStack } from "./workspace";

/**
 * What a run killed in the middle of `up` or `destroy` leaves in a stack, and its clearing. A killed `pulumi up`
 * leaves its stack locked, and the creates it had in flight as pending operations, some of which WeChat may have acted
 * on. `recover` clears both through Pulumi (the stack's state exported, its pending operations dropped, imported
 * again; the lock of a run that is no more removed), then updates each such stack with a refresh, adopting at WeChat
 * exactly the resources whose create was pending: what WeChat did for them is taken as it is, the others are created
 * once. Nothing else is adopted, so a binding that another stack or a person made still fails as ever.
 */

/** A stack a killed run left behind. */
export interface Interrupted {
  stack: string;
  index: number;
  /** Who held the lock, in Pulumi's words (`root@ci-7 (pid 4242) at 2026-12-06T02:00:00Z`), when it was locked. */
  lock?: string;
  /** The resources whose create was in flight: adopted by the recovery's update. */
  pendingCreates: Array<{ name: string; urn: string }>;
  /** Other operations in flight (updates, deletes): the recovery's refresh settles them. */
  pendingOthers: string[];
}

/** Stacks examined at once: each is an export and an import, a Pulumi process each. */
const examiners = 4;

/**
 * The fleet's stacks that a killed run left locked or with pending operations, each cleared: its pending operations
 * dropped from its state and a dead run's lock removed. A lock held by a process still running on this machine is a run
 * going on: refused, and nothing is cleared.
 */
export async function clearInterrupted(ws: LocalWorkspace, stacks: FleetStack[], isRunning: (lock: string) => boolean = lockHolderRuns): Promise<Interrupted[]> {
  const found = await inPool(stacks, examiners, async (stack): Promise<Interrupted | undefined> => {
    const state = await ws.exportStack(stack.name);
    const pending = (state.deployment?.pending_operations ?? []) as Array<{ type: string; resource: { urn: string } }>;
    const interrupted: Interrupted = {
      stack: stack.name,
      index: stack.index,
      pendingCreates: pending.filter((op) => op.type === "creating").map((op) => ({ name: urnName(op.resource.urn), urn: op.resource.urn })),
      pendingOthers: pending.filter((op) => op.type !== "creating").map((op) => `${op.type.replace(/ing$/, "")} ${urnName(op.resource.urn)}`),
    };
    // The import is how a lock shows through Pulumi on every backend: it takes the stack's lock, and fails while
    // another holds it. Without pending operations it writes the state as it was.
    const cleared = { ...state, deployment: { ...state.deployment, pending_operations: [] } };
    try {
      await ws.importStack(stack.name, cleared);
    } catch (error) {
      const lock = lockHolder(error);
      if (lock === undefined) throw error;
      if (isRunning(lock)) {
        throw new FleetError(
          "FLEET_RUN_IN_PROGRESS",
          `stack ${stack.name} is locked by a run still going on this machine (${lock}): let it end, or stop it, then run recover again; nothing was changed`,
        );
      }
      interrupted.lock = lock;
      await (await Stack.select(stack.name, ws)).cancel();
      await ws.importStack(stack.name, cleared);
    }
    return interrupted.lock !== undefined || pending.length > 0 ? interrupted : undefined;
  });
  return found.filter((stack): stack is Interrupted => stack !== undefined);
}

/** Who holds a stack's lock, from Pulumi's "currently locked" error; undefined for any other error. */
export function lockHolder(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (!message.includes("is currently locked by")) return undefined;
  return /created by (\S+ \(pid \d+\) at \S+)/.exec(message)?.[1] ?? "an unknown process";
}

/** Whether the lock's holder is a process alive on this machine (`user@host (pid N) at …`). */
function lockHolderRuns(lock: string): boolean {
  const match = /^[^@\s]+@(\S+) \(pid (\d+)\)/.exec(lock);
  if (!match || match[1] !== hostname()) return false;
  const pid = Number(match[2]);
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  // A killed process that its parent has not reaped yet (a zombie: its parent was killed too, as a CI runner kills a
  // job's process group, and whoever adopted it reaps when it will) answers signal 0, and runs nothing.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch (error) {
    // Gone since the signal; or no /proc (not Linux), where signal 0's answer stands.
    return (error as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

/** What a recovery did for a stack, in its report. */
export interface Recovery {
  /** The lock of the killed run it removed (who held it), if the stack was locked. */
  lock?: string;
  /** Interrupted creates that WeChat had acted on: taken as WeChat has them, not made again. */
  adopted: string[];
  /** Interrupted creates that WeChat had not acted on: made now, once. */
  created: string[];
  /** Interrupted creates that failed again (the shard's error says why). */
  failed: string[];
  /** Other interrupted operations, which the refresh settled. */
  settled: string[];
}

/** A recovered stack's report, from its update's outcomes and the provider's warnings (which say what it adopted). */
export function recoveryOutcome(interrupted: Interrupted, outcomes: ResourceOutcome[], warnings: readonly string[]): Recovery {
  const recovery: Recovery = { adopted: [], created: [], failed: [], settled: interrupted.pendingOthers, ...(interrupted.lock ? { lock: interrupted.lock } : {}) };
  const byName = new Map(outcomes.map((outcome) => [outcome.name, outcome]));
  for (const { name } of interrupted.pendingCreates) {
    const outcome = byName.get(name);
    if (outcome === undefined || outcome.failed) recovery.failed.push(name);
    else if (saidAdopted(outcome, warnings)) recovery.adopted.push(name);
    else recovery.created.push(name);
  }
  return recovery;
}
