import { open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { StateFileError } from "./errors";
import { isValidOffset, MAX_OFFSET_MS, type Clock } from "./model/clock";
import type { Dynamic, World } from "./model/world";

/** Where the world goes after each change: nowhere (in memory) or a state file. */
export interface Persistence {
  save(): Promise<void>;
}

export const inMemory: Persistence = { save: () => Promise.resolve() };

const FORMAT = "pulumi-wechat-emulator-state";
/** Version 2 added the quotas (`quotaLimits`, `quotaUse`); a version 1 file reads as a world without them. */
const VERSION = 2;

interface StateDocument extends Dynamic {
  format: typeof FORMAT;
  version: typeof VERSION;
  clockOffsetMs: number;
}

/**
 * Keeps the world in a JSON file across restarts. Every write goes to a temporary file that is synced and then renamed
 * over the old one, so a crash or a kill at any moment leaves either the old or the new state, never half of one.
 */
export class StateFile implements Persistence {
  private tail: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;

  private constructor(
    private readonly path: string,
    private readonly world: World,
    private readonly clock: Clock,
  ) {}

  /** Loads the file into the world if it exists, otherwise writes the seed's world to it. */
  static async open(path: string, world: World, clock: Clock): Promise<StateFile> {
    const file = new StateFile(path, world, clock);
    let text: string | undefined;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new StateFileError("EMULATOR_STATE_UNREADABLE", `cannot read state file ${path}: ${(error as Error).message}`, { cause: error });
      }
    }
    if (text === undefined) {
      await file.save().catch((error: unknown) => {
        throw new StateFileError("EMULATOR_STATE_UNWRITABLE", `cannot write state file ${path}: ${(error as Error).message}`, { cause: error });
      });
    } else {
      const document = parse(text, path);
      world.restore(document);
      world.takeChanged();
      clock.offsetMs = document.clockOffsetMs;
    }
    return file;
  }

  /** Resolves once a write that includes every change made before the call is on disk. */
  save(): Promise<void> {
    // A write that has not started yet takes its snapshot when it starts, so it covers this change too.
    if (this.queued) return this.queued;
    const write = this.tail.then(() => {
      this.queued = undefined;
      return writeAtomically(this.path, this.document());
    });
    this.queued = write;
    this.tail = write.catch(() => undefined);
    return write;
  }

  /** The state file's text, taken from the world as it is now. */
  private document(): string {
    const document: StateDocument = { format: FORMAT, version: VERSION, clockOffsetMs: this.clock.offsetMs, ...this.world.snapshot() };
    return `${JSON.stringify(document, null, 2)}\n`;
  }
}

function parse(text: string, path: string): StateDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StateFileError("EMULATOR_STATE_INVALID", `state file ${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const document = value as (Omit<Partial<StateDocument>, "version"> & { version?: unknown }) | null;
  const version1 = document?.version === 1;
  if (
    typeof document !== "object" ||
    document === null ||
    document.format !== FORMAT ||
    (document.version !== VERSION && !version1) ||
    typeof document.clockOffsetMs !== "number" ||
    !Array.isArray(document.bindings) ||
    !Array.isArray(document.links) ||
    !Array.isArray(document.tokens) ||
    (!version1 && (!Array.isArray(document.quotaLimits) || !Array.isArray(document.quotaUse)))
  ) {
    throw new StateFileError("EMULATOR_STATE_INVALID", `${path} is not a state file written by this emulator (expected "format": "${FORMAT}", "version": 1 or ${VERSION})`);
  }
  // Written by an emulator that let the clock run past any valid date: every call would fail until a reset.
  if (!isValidOffset(document.clockOffsetMs)) {
    throw new StateFileError(
      "EMULATOR_STATE_INVALID",
      `state file ${path} has a clock offset of ${document.clockOffsetMs} ms, outside 0 to ${MAX_OFFSET_MS}; delete the file to start afresh`,
    );
  }
  return version1 ? { ...(document as StateDocument), version: VERSION, quotaLimits: [], quotaUse: [] } : (document as StateDocument);
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, "w");
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  // Syncing the directory makes the rename itself durable; platforms that cannot open a directory only lose that extra.
  await syncDirectory(dirname(path)).catch(() => undefined);
}

async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
