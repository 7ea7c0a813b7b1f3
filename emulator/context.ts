import type { CallLog } from "./http/calls";
import type { EventStreams } from "./http/events";
import type { Faults } from "./http/faults";
import type { Clock } from "./model/clock";
import type { World } from "./model/world";
import type { Persistence } from "./state-file";

/** Everything a running emulator holds; the WeChat handlers and the control surface share it. */
export interface EmulatorContext {
  world: World;
  clock: Clock;
  faults: Faults;
  calls: CallLog;
  /** The console's open event streams. */
  events: EventStreams;
  persistence: Persistence;
  /** Added to every WeChat answer, to look like a real network. */
  latencyMs: number;
  /**
   * Aborted by a reset (then replaced) and by close. A call still waiting out its latency or delay belongs to the
   * world before the reset: it is dropped unanswered at once and does not act on the new world; no call that arrived
   * before a reset enters the new call log. A test that resets between cases never sees the calls of the case before
   * (a killed run's held calls).
   */
  epoch: AbortController;
}

/**
 * Back to the seed: the machine's time, the seed's existing entries (none unless its `generate.existing` says) and
 * no other binding or link, no tokens or quota counters, the seed's quotas, no faults and an empty call log.
 */
export async function reset(context: EmulatorContext): Promise<void> {
  context.epoch.abort();
  context.epoch = new AbortController();
  context.clock.offsetMs = 0;
  context.world.clear(context.clock.now());
  context.faults.clear();
  context.calls.clear();
  await persist(context, true);
}

/**
 * Writes the state file when the world changed, or always when the clock moved (its offset is part of the state), and
 * tells the console's event streams: every change of the world or the clock passes here.
 */
export async function persist({ world, persistence, events }: EmulatorContext, always = false): Promise<void> {
  if (world.takeChanged() || always) {
    events.changed();
    await persistence.save();
  }
}
