import type { AddressInfo } from "node:net";
import { reset, type EmulatorContext } from "./context";
import { CallLog } from "./http/calls";
import { EventStreams } from "./http/events";
import { Faults, MAX_DELAY_MS } from "./http/faults";
import { createEmulatorServer } from "./http/server";
import { Clock } from "./model/clock";
import { existingLinks } from "./model/links";
import { existingBindings } from "./model/plugins";
import { World } from "./model/world";
import { defaultSeed, loadSeed, type Seed } from "./seed";
import { inMemory, StateFile } from "./state-file";

export { EmulatorError, SeedError, StateFileError, type EmulatorErrorCode } from "./errors";
export { defaultSeed, fleetSeed, generatedAccounts } from "./seed";
export type {
  ComponentSeed,
  ExistingSeed,
  GeneratedAccounts,
  GenerateSeed,
  MiniProgramSeed,
  OfficialAccountSeed,
  PluginSeed,
  PluginVersionSeed,
  Seed,
} from "./seed";

export interface EmulatorOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default "127.0.0.1". */
  host?: string;
  /** A seed object or the path of a JSON seed file. Default: the built-in seed (`defaultSeed`). */
  seed?: Seed | string;
  /** Keeps the world in this file across restarts. Default: in memory only. */
  stateFile?: string;
  /** Delay added to every WeChat answer, in milliseconds, at most 300000 (as a fault's delayMs). Default 0. */
  latencyMs?: number;
}

export interface RunningEmulator {
  /** The base URL, e.g. `http://127.0.0.1:8787`; WeChat paths go right after it. */
  url: string;
  /** Stops listening, drops open connections and waits for the last state write. */
  close(): Promise<void>;
  /** Back to the seed, as `POST /__emulator/reset` does. */
  reset(): Promise<void>;
}

/**
 * Starts an emulated WeChat API; rejects with a `SeedError` naming the field if the seed is malformed, or a
 * `StateFileError` if the state file cannot be used (both are `EmulatorError`s, whose `code` says which problem).
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? "127.0.0.1";
  const latencyMs = options.latencyMs ?? 0;
  if (!(latencyMs >= 0 && latencyMs <= MAX_DELAY_MS)) throw new RangeError(`latencyMs must be a number from 0 to ${MAX_DELAY_MS}, got ${latencyMs}`);
  const accounts = loadSeed(options.seed ?? defaultSeed);
  const clock = new Clock();
  const world = new World(accounts, clock.now(), (now) => ({ bindings: existingBindings(accounts, now), links: existingLinks(accounts) }));
  const persistence = options.stateFile ? await StateFile.open(options.stateFile, world, clock) : inMemory;
  const calls = new CallLog();
  const context: EmulatorContext = {
    world,
    clock,
    faults: new Faults(),
    calls,
    events: new EventStreams(calls),
    persistence,
    latencyMs,
    epoch: new AbortController(),
  };

  const server = createEmulatorServer(context);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  return {
    url,
    reset: () => reset(context),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections and the console's event streams would otherwise hold close() open, and calls waiting
      // out a delay would keep the process alive until it ends.
      context.events.close();
      server.closeAllConnections();
      context.epoch.abort();
      await closed;
      await persistence.save();
    },
  };
}

export { EmulatorClient, EmulatorControlError } from "./client";
export type {
  BindingState,
  CallLogState,
  CallRecord,
  ConsoleWorld,
  FaultSpec,
  LinkAnswer,
  LinkState,
  PluginAnswer,
  QuotaSpec,
  WorldQuery,
  WorldState,
} from "./client";
