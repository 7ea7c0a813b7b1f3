import { createWriteStream, writeFileSync, type WriteStream } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";
import { type LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { EngineEvents, type ResourceOutcome } from "../drift/engine-events";
import type { ProviderConfig } from "../provider/config";
import { inPool, limiter } from "../provider/client/pool";
import { startTokenBroker } from "./broker";
import { planShard } from "./plan";
import { type Interrupted, clearInterrupted, lockHolder, recoveryOutcome } from "./recover";
import { createProviders, type Providers } from "../provider/providers";
import { type Look, lookAtShard, lookVariable } from "./look";
import { adoptStillSet, refuseSecondOwner } from "./owners";
import { Progress } from "./progress";
import { type FleetReport, type Operation, type ShardReport, changed, emptyCounts, shardOutcome } from "./report";
import { fleetResources } from "./resources";
import { shardSpecs, shardStackName } from "./shards";
import type { FleetSpec } from "./spec";
import { defaultStackPrefix, fleetStacks, openWorkspace, resolveShards, setSettings, shardsTag } from "./workspace";
import { FleetError } from "./errors";

/** One part of a CI matrix (`--only I/N`): the shards i with i % N = I - 1. */
export interface Part {
  /** From 1 to count, as CI matrices number their jobs. */
  index: number;
  count: number;
}

export interface FleetRunOptions {
  operation: Operation;
  spec: FleetSpec;
  specPath: string;
  /** The fleet's shard count; without it, the one the stacks record, or defaultShards for a new fleet. */
  shards?: number;
  only?: Part;
  /** Stacks run at once. */
  concurrency: number;
  /** The engine's parallel resource operations within one stack. */
  parallel: number;
  stackPrefix: string;
  /** Start no shard after one fails. */
  failFast: boolean;
  /** `up` may create the first stacks of a prefix while another fleet's stacks manage accounts of the spec (owners.ts). */
  newFleet?: boolean;
  /** Once aborted, start no more shards; the running ones go on (see cancel). */
  stop?: AbortSignal;
  /** Once aborted, the running operations are cancelled as Pulumi cancels on Ctrl-C: in-flight steps finish, then it stops. */
  cancel?: AbortSignal;
  /** The working folder: the user's project, where pulumi-wechat and @pulumi/pulumi are installed. */
  cwd: string;
  /** The runner's environment: Pulumi's variables, passed on; WECHAT_* credentials, kept back (see stackEnvironment). */
  env: NodeJS.ProcessEnv;
  /** The provider configuration the token broker serves the stacks with. */
  config: ProviderConfig;
  /** Where the progress goes: a live line on a terminal, plain lines otherwise. */
  progress: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * Resources per shard for a new fleet. A self-managed backend rewrites a stack's whole state after every step, so a
 * stack's time grows with the square of its size (55 s at 820 resources, 208 s at 1,640 in our benchmark), while each
 * stack also costs a few seconds to start: about 250 resources a stack keeps both small.
 */
export const resourcesPerShard = 250;

export function defaultShards(spec: FleetSpec): number {
  return Math.max(1, Math.ceil(fleetResources(spec).length / resourcesPerShard));
}

/**
 * Shards looked at at once per --concurrency slot, in drift and up: the runner's own look costs a `pulumi stack export`
 * (a fifth of a CPU-second for 250 resources) and reads that wait on WeChat.
 */
export const lookShardsPerSlot = 4;

/** Stacks at once: the CLI, the program and the provider of each stack want a core while they start. */
export function defaultConcurrency(cores = availableParallelism()): number {
  return Math.max(2, cores);
}

/**
 * The shards an `--only` part runs: every N-th one, so that each part gets shards from the whole range and the parts
 * stay even whatever the shard count, also after a reshard.
 */
export function selectShards(shards: number, only?: Part): number[] {
  return Array.from({ length: shards }, (_, i) => i).filter((i) => only === undefined || i % only.count === only.index - 1);
}

/**
 * Runs an operation on the fleet's shards, at most `concurrency` stacks at once, one shard's failure not stopping
 * the others (unless failFast), with one token broker serving every stack; returns the report.
 * - up: refresh, then update, in one `pulumi up --refresh`, so that approvals and changes made outside Pulumi are
 *   acted on; a stack that a refresh and the spec show settled is left as it is (see ShardRun.operate).
 * - drift: `pulumi refresh --preview-only` without the program, and the spec, make the plan (plan.ts); only reads.
 * - preview: `pulumi preview --refresh`; only reads.
 * - destroy: `pulumi destroy`, then the stack is removed; only stacks that exist.
 * Every operation configures the providers as the runner does now, not as at the stack's last update: the stacks
 * take their settings from the environment (stackEnvironment), and the preview, up and destroy run the program.
 */
export async function runFleet(options: FleetRunOptions): Promise<FleetReport> {
  const startedAt = new Date();
  const { operation, cwd, env, stackPrefix } = options;
  const ws = await openWorkspace(cwd, env);
  const existing = await fleetStacks(ws, stackPrefix);
  const resolved = resolveShards(existing, options.shards, defaultShards(options.spec), options.specPath);
  if ("error" in resolved) throw new FleetError("FLEET_SHARDS_MISMATCH", resolved.error);
  if (operation === "up" && existing.length === 0 && options.newFleet !== true) await refuseSecondOwner(ws, stackPrefix, options.spec, options.specPath);
  const { shards } = resolved;
  const names = new Set(existing.map((s) => s.name));
  const tagged = new Set(existing.filter((s) => s.shards === shards).map((s) => s.name));
  let selected = selectShards(shards, options.only).filter((i) => (operation !== "destroy" && operation !== "recover") || names.has(shardStackName(stackPrefix, i)));
  // A recovery runs the shards a killed run left locked or with pending operations, once these are cleared.
  let interrupted = new Map<number, Interrupted>();
  let adoptFile: string | undefined;
  if (operation === "recover") {
    const found = await clearInterrupted(ws, existing.filter((stack) => selected.includes(stack.index)));
    interrupted = new Map(found.map((stack) => [stack.index, stack]));
    selected = selected.filter((index) => interrupted.has(index));
    adoptFile = join(ws.workDir, "adopt.json");
    writeFileSync(adoptFile, JSON.stringify(found.flatMap((stack) => stack.pendingCreates.map((create) => create.name))));
  }

  const broker = await startTokenBroker(options.config);
  let stacks: Array<ShardReport | undefined>;
  try {
    const { endpoint, requestTimeoutMs, maxAttempts, adopt } = options.config;
    setSettings(ws, cwd, env, {
      wechat: { endpoint, tokenUrl: broker.url, tokenUrlSecret: broker.secret, requestTimeoutMs, maxAttempts, adopt },
      program: { specPath: options.specPath, shards, adoptFile },
    });
    const progress = new Progress(options.progress, selected.length, operation === "preview" || operation === "drift" ? "to change" : "changed");
    const look = createProviders(options.config, { client: broker.client, warn: () => undefined });
    const shard = new ShardRun(ws, options, shards, tagged, names, progress, interrupted, look, (appIds) => broker.know(appIds), limiter(options.concurrency));
    let failed = false;
    const run = async (index: number) => {
      const report = await shard.run(index);
      if (report.status === "failed") failed = true;
      return report;
    };
    // A shard the runner looks at itself costs an export and reads that wait on WeChat; only its Pulumi operations take
    // one of the --concurrency slots (a CLI, a language host, a program and a provider, each wanting a core).
    const shardsAtOnce = operation === "drift" || operation === "up" ? options.concurrency * lookShardsPerSlot : options.concurrency;
    stacks = await inPool(selected, shardsAtOnce, run, () => options.stop?.aborted === true || (options.failFast && failed));
    progress.close();
    if (operation === "up") warnAdoptStillSet(options, shard.managed);
  } finally {
    await broker.close();
  }
  return {
    operation,
    shards,
    stackPrefix,
    parts: options.only ? [`${options.only.index}/${options.only.count}`] : [],
    startedAt: startedAt.toISOString(),
    seconds: (Date.now() - startedAt.getTime()) / 1000,
    tokens: { ...broker.stats() },
    stacks: stacks.map((report, i) => report ?? skipped(stackPrefix, selected[i])),
  };
}

function skipped(prefix: string, shard: number): ShardReport {
  return { shard, stack: shardStackName(prefix, shard), status: "skipped", counts: emptyCounts(), drift: [], waiting: [], items: [], seconds: 0 };
}

/** One shard's operation: its stack, its log file, its engine events. */
class ShardRun {
  /** The resources, by name, that the stacks looked at (drift, and up's look) held before this run. */
  readonly managed = new Set<string>();
  /** Each shard's part of the spec, split once for the run. */
  private parts?: FleetSpec[];

  constructor(
    private readonly ws: LocalWorkspace,
    private readonly options: FleetRunOptions,
    private readonly shards: number,
    private readonly tagged: Set<string>,
    /** The fleet's stacks before this run; only those can be settled already. */
    private readonly existing: Set<string>,
    private readonly progress: Progress,
    /** A recovery's shards, as the killed run left them. */
    private readonly interrupted: Map<number, Interrupted>,
    /** The resources on the token broker's client, for the runner's own look (look.ts). */
    private readonly look: Providers,
    /** The broker's way to serve accounts it has no configured credential for. */
    private readonly know: (appIds: string[]) => Promise<void>,
    /** At most --concurrency Pulumi operations at once, whichever shards they are for. */
    private readonly pulumiSlot: <R>(task: () => Promise<R>) => Promise<R>,
  ) {}

  async run(shard: number): Promise<ShardReport> {
    const { operation, cwd, stackPrefix } = this.options;
    const stack = shardStackName(stackPrefix, shard);
    const logPath = join(this.ws.workDir, "logs", `${stack}.log`);
    const log = createWriteStream(logPath);
    log.write(`pulumi-wechat-fleet ${operation}, stack ${stack} (shard ${shard} of ${this.shards}), ${new Date().toISOString()}\n`);
    // The events of the shard's last Pulumi command: its errors, and its outcomes unless the plan's stand for the shard.
    let events = new EngineEvents();
    const started = Date.now();
    this.progress.start(stack, () => events.changed());
    let error: string | undefined;
    let planned: ResourceOutcome[] | undefined;
    // Filled by the look, and kept when the update that follows it fails.
    const looked: Looked = {};
    try {
      planned = await this.operate(shard, stack, log, () => (events = new EngineEvents()), looked);
    } catch (caught) {
      error = failure(events, caught, recoverCommand(this.options));
      log.write(`\n${error}\n`);
    }
    await new Promise((resolve) => log.end(resolve));
    const { engineLook, settled } = looked;
    const outcomes = planned ?? events.resources();
    const { counts, drift, waiting, items } = shardOutcome(operation, outcomes, events.warnings);
    const seconds = (Date.now() - started) / 1000;
    this.progress.finish(stack, { failed: error !== undefined, changed: changed(counts), seconds });
    const interrupted = this.interrupted.get(shard);
    const recovery = interrupted && recoveryOutcome(interrupted, outcomes, events.warnings);
    return { shard, stack, status: error === undefined ? "done" : "failed", counts, drift, waiting, items, error, seconds, log: relative(cwd, logPath), ...(recovery ? { recovery } : {}), ...(engineLook !== undefined ? { engineLook } : {}), ...(settled !== undefined ? { settled } : {}) };
  }

  /**
   * Runs the operation on the stack, each Pulumi command with the events collector `collect` returns; returns the
   * plan's outcomes when the plan stands for the shard (none when the engine's events do); says in `looked` how the
   * stack was looked at.
   * `drift`, and an `up` of a stack that has resources, look at it (look.ts, or the engine's refresh where the look
   * cannot judge) and plan from the spec (plan.ts): an up stops there when the plan finds the stack settled, as the up
   * would only rewrite the same state, once per refreshed resource (Pulumi checkpoints every step). A shard with
   * anything to do pays one more list per account for its up's own refresh.
   */
  private async operate(shard: number, name: string, log: WriteStream, collect: () => EngineEvents, looked: Looked): Promise<ResourceOutcome[] | undefined> {
    const { operation, parallel, cancel } = this.options;
    this.parts ??= shardSpecs(this.options.spec, this.shards);
    const declared = fleetResources(this.parts[shard]);
    // Only `up` makes a stack or tags it. A shard without a stack holds nothing: its drift and its preview are every
    // resource to create, and neither reads nor writes anything, so a mistyped --stack-prefix leaves the backend as it was.
    if ((operation === "drift" || operation === "preview") && !this.existing.has(name)) return planShard(declared, [], true).outcomes;
    // Selected when a Pulumi operation needs it: the runner's own look needs none.
    let selected: Stack | undefined;
    const stack = async () => {
      selected ??= operation === "up" ? await Stack.createOrSelect(name, this.ws) : await Stack.select(name, this.ws);
      if (operation === "up" && !this.tagged.has(name)) await this.ws.setTag(name, shardsTag, String(this.shards));
      return selected;
    };
    const options = (events: EngineEvents) => ({
      parallel,
      signal: cancel,
      color: "never" as const,
      onEvent: (event: Parameters<EngineEvents["add"]>[0]) => events.add(event),
      onOutput: (text: string) => log.write(text),
      onError: (text: string) => log.write(text),
    });
    const plan = async () => {
      // PULUMI_WECHAT_FLEET_LOOK=engine looks through the engine's refresh everywhere: to compare the two, or to rule the
      // runner's own look out when something seems off.
      let look: Look = this.options.env[lookVariable] === "engine" ? { engine: `${lookVariable}=engine` } : await lookAtShard(this.ws, name, this.look, this.know, parallel, this.options.spec.provider === "native");
      if ("engine" in look) {
        looked.engineLook = look.engine;
        log.write(`\nLooking through the engine's refresh (pulumi refresh --preview-only): ${look.engine}.\n`);
        const events = collect();
        await this.pulumiSlot(async () => (await stack()).previewRefresh({ ...options(events), runProgram: false }));
        look = { refreshed: events.refreshedResources(), asStored: events.refreshedAsStored() };
      }
      for (const resource of look.refreshed) this.managed.add(resource.name);
      const planned = planShard(declared, look.refreshed, look.asStored, this.options.spec.provider === "native");
      looked.settled = planned.settled;
      const changes = planned.outcomes.filter((outcome) => outcome.op !== "same");
      log.write(`\nPlanned from the look and the spec: ${changes.length === 0 ? "no change" : changes.map((c) => `\n  ${c.op} ${c.name}`).join("")}\n`);
      return planned;
    };
    if (operation === "destroy") {
      await this.pulumiSlot(async () => (await stack()).destroy({ ...options(collect()), runProgram: true, remove: true }));
    } else if (operation === "recover") {
      // Its pending operations dropped and its lock gone (recover.ts): a refresh reads back what the killed run did, then
      // an update of exactly the creates that were pending adopts what WeChat made of them and creates the rest. Nothing
      // else is applied, deleted or adopted: the next `up` (or `destroy`, if that was killed) does what it does.
      const { pendingCreates } = this.interrupted.get(shard)!;
      await this.pulumiSlot(async () => (await stack()).refresh({ ...options(collect()), runProgram: false }));
      // A pending create the spec no longer declares is left out: it is not to be made.
      const declaredNames = new Set(declared.map((resource) => resource.name));
      const targets = pendingCreates.filter((create) => declaredNames.has(create.name)).map((create) => create.urn);
      if (targets.length > 0) await this.pulumiSlot(async () => (await stack()).up({ ...options(collect()), runProgram: true, target: targets }));
    } else if (operation === "drift") {
      return (await plan()).outcomes;
    } else if (operation === "preview") {
      await this.pulumiSlot(async () => (await stack()).preview({ ...options(collect()), runProgram: true, refresh: true }));
    } else {
      if (this.existing.has(name)) {
        const { settled, outcomes } = await plan();
        if (settled) return outcomes;
        log.write("\nThe look and the spec call for changes: running the update.\n\n");
      }
      await this.pulumiSlot(async () => (await stack()).up({ ...options(collect()), runProgram: true, refresh: true }));
    }
    return undefined;
  }
}

/** How a shard's stack was looked at, for its report (see ShardRun.operate). */
interface Looked {
  /** Why the engine's refresh looked at the stack instead of the runner's own look, when it did. */
  engineLook?: string;
  /** Whether the look found nothing for an up to do. */
  settled?: boolean;
}

/**
 * Why a shard failed, in a few lines: the engine's error diagnostics (the provider's messages name the account, the
 * call and what to do), else the error lines of the command's output; the whole output is in the shard's log.
 */
export function failure(events: EngineEvents, error: unknown, recoverCommand?: string): string {
  if (events.errors.length > 0) return [...new Set(events.errors)].join("\n");
  const message = error instanceof Error ? error.message : String(error);
  const lock = lockHolder(error);
  if (lock !== undefined && recoverCommand !== undefined) {
    return (
      `the stack is locked by a run that has not ended (${lock}). If that run was killed (a cancelled CI job, a lost machine), and no other run of ` +
      `the fleet is going on, run \`${recoverCommand}\`: it removes the lock, and adopts what the killed run made at WeChat`
    );
  }
  const errorLines = message
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("error:"));
  return errorLines.length > 0 ? [...new Set(errorLines)].join("\n") : message.trim().split("\n").slice(-10).join("\n");
}

/** The command that recovers this fleet, as the run was given it. */
function recoverCommand(options: FleetRunOptions): string {
  const prefix = options.stackPrefix === defaultStackPrefix ? "" : ` --stack-prefix ${options.stackPrefix}`;
  return `pulumi-wechat-fleet recover --spec ${options.specPath}${prefix}`;
}

/** Said once per `up`: the spec's adopt: true entries for what the stacks already manage (see adoptStillSet). */
function warnAdoptStillSet(options: FleetRunOptions, managed: ReadonlySet<string>): void {
  const still = adoptStillSet(fleetResources(options.spec), managed);
  if (still.length === 0) return;
  const some = still.slice(0, 3).join(", ");
  options.progress.write(
    `pulumi-wechat-fleet: warning: ${still.length} ${still.length === 1 ? "entry" : "entries"} of ${options.specPath} say adopt: true for what the fleet's stacks ` +
      `already manage (${some}${still.length > 3 ? ", …" : ""}). adopt is read only when creating, so it changes nothing now; left in the spec, it ` +
      `would take over a binding or link that someone else makes under the same name later. Drop adopt from them now that they are adopted.\n`,
  );
}
