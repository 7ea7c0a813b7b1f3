import type { CallLog } from "./calls";
import type { Clock } from "./clock";
import type { Faults } from "./faults";
import type { Persistence } from "./state-file";
import type { World } from "./world";

/** Everything a running emulator holds; the HTTP layer and the control surface share it. */
export interface EmulatorContext {
  world: World;
  clock: Clock;
  faults: Faults;
  calls: CallLog;
  persistence: Persistence;
  /** Added to every WeChat answer, to look like a real network. */
  latencyMs: number;
  /**
   * Counts resets. A call still waiting out its latency or delay when a reset comes belongs to the world before it:
   * it is dropped unanswered and does not act on the new world; no call that arrived before a reset enters the new
   * call log. A test that resets between cases never sees the calls of the case before (a killed run's held calls).
   */
  resets: number;
}

/** Back to the seed: no bindings, links or tokens, no faults, an empty call log and the machine's time. */
export async function reset(context: EmulatorContext): Promise<void> {
  context.resets++;
  context.world.clear();
  context.clock.offsetMs = 0;
  context.faults.clear();
  context.calls.clear();
  await persist(context, true);
}

/** Writes the state file when the world changed, or always when the clock moved (its offset is part of the state). */
export async function persist({ world, persistence }: EmulatorContext, always = false): Promise<void> {
  if (world.takeChanged() || always) await persistence.save();
}
