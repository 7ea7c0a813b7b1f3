import { isDeepStrictEqual } from "node:util";
import { urnName } from "../provider/identity";

/**
 * What a Pulumi operation did to each resource, read from the engine's events: the stream that
 * `pulumi preview --json` prints with PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true, and that the Automation API hands
 * to `onEvent`. The one-document `--json` output cannot serve: its refresh steps carry no refreshed outputs, so a
 * plugin still waiting for its developer could not be told from one that was approved.
 */

/** The parts of an engine event this project reads; the engine sends many more fields. */
export interface EngineEvent {
  resourcePreEvent?: { metadata: StepMetadata };
  resOutputsEvent?: { metadata: StepMetadata };
  resOpFailedEvent?: { metadata: StepMetadata };
  diagnosticEvent?: { urn?: string; message?: string; severity?: string };
}

interface StepState {
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  /** Marked for replacement (`pulumi state taint`): the engine replaces it whatever its diff says. */
  taint?: boolean;
}

interface StepMetadata {
  op: string;
  urn: string;
  type: string;
  old?: StepState | null;
  new?: StepState | null;
  keys?: string[] | null;
  diffs?: string[] | null;
}

/** One resource of the stack, as the operation left it. */
export interface ResourceOutcome {
  urn: string;
  /** The type token, e.g. `pulumi-nodejs:dynamic/wechat:MiniProgramPlugin`. */
  type: string;
  /** The resource's name in the program. */
  name: string;
  /** What the engine does (or would do) with it: same, create, update, replace, delete… Refreshes are not steps. */
  op: string;
  /** The program's inputs, or the state's for a resource the program no longer declares. */
  inputs: Record<string, unknown>;
  /** The outputs as WeChat reported them in the refresh, or as stored when there was no refresh. */
  outputs: Record<string, unknown>;
  /** The properties that force a replacement, then those that differ. */
  reasons: string[];
  failed: boolean;
}

/**
 * One resource of a stack as a refresh that changes nothing (`pulumi refresh --preview-only`) found it: what the
 * state holds and what the provider's read returned, which is null when the resource is gone.
 */
export interface RefreshedResource {
  urn: string;
  type: string;
  name: string;
  state: { inputs: Record<string, unknown>; outputs: Record<string, unknown> };
  read: Record<string, unknown> | null;
  taint: boolean;
}

/** The operations that change a resource, as counted in reports and on the progress line. */
const changes = new Set(["create", "update", "replace", "delete"]);

/** Whether an outcome counts as a change: a failed step changed nothing. */
const counted = (outcome: ResourceOutcome) => !outcome.failed && changes.has(outcome.op);

/** Collects engine events into one outcome per resource and the errors reported. */
export class EngineEvents {
  private readonly outcomes = new Map<string, ResourceOutcome>();
  private readonly refreshed = new Map<string, Record<string, unknown>>();
  /** Resources whose refresh read other outputs than the state held. */
  private readonly refreshChanged = new Set<string>();
  /** Resources whose refresh has begun and not ended. */
  private readonly refreshing = new Set<string>();
  /** What a refresh that runs no program (`pulumi refresh`) found, by URN. */
  private readonly refreshResults = new Map<string, RefreshedResource>();
  /** Outcomes whose op is a change: kept as events arrive, for the progress line, which asks every second. */
  private changing = 0;
  readonly errors: string[] = [];
  /**
   * The warnings reported. A dynamic provider's are attached to the stack, not to their resource (Pulumi's dynamic
   * providers are not connected to the engine's logging), so they are kept as they come: each names its resource.
   */
  readonly warnings: string[] = [];

  add(event: EngineEvent): void {
    const diagnostic = event.diagnosticEvent;
    if (diagnostic?.severity === "error" && diagnostic.message) this.errors.push(diagnostic.message.trim());
    // The provider writes its warnings to its stderr as `warning: …` (provider/log.ts), which the engine passes on as info.
    const said = diagnostic?.message?.trim().replace(/^warning: /, "");
    if (said && (diagnostic?.severity === "warning" || diagnostic?.message?.trim().startsWith("warning: "))) this.warnings.push(said);
    const failed = event.resOpFailedEvent?.metadata;
    if (failed) {
      const outcome = this.outcomes.get(failed.urn);
      if (outcome && counted(outcome)) this.changing -= 1;
      if (outcome) outcome.failed = true;
    }
    const step = event.resourcePreEvent?.metadata ?? event.resOutputsEvent?.metadata;
    if (!step || step.urn.endsWith("::") || step.type.startsWith("pulumi:")) return;
    if (step.op === "refresh" && event.resourcePreEvent) {
      this.refreshing.add(step.urn);
      return;
    }
    const refreshEnded = this.refreshing.delete(step.urn);
    if (step.op === "refresh" || refreshEnded) {
      // The outputs event of a refresh carries what the provider's read returned (WeChat's view) beside the state's,
      // and its op is "refresh" within an update or preview, or what the refresh does to the state (same, update,
      // delete) in `pulumi refresh`, where no step of the program follows. That op comes from the provider's diff of
      // the two, so the outputs themselves are compared.
      if (!isDeepStrictEqual(step.old?.outputs ?? null, step.new?.outputs ?? null)) this.refreshChanged.add(step.urn);
      if (step.op === "refresh") {
        if (step.new?.outputs) this.refreshed.set(step.urn, step.new.outputs);
      } else {
        const state = { inputs: step.old?.inputs ?? {}, outputs: step.old?.outputs ?? {} };
        const taint = Boolean(step.old?.taint);
        this.refreshResults.set(step.urn, { urn: step.urn, type: step.type, name: urnName(step.urn), state, read: step.new?.outputs ?? null, taint });
      }
      return;
    }
    // A replacement shows as several steps (replace, create-replacement, delete-replaced): they make one outcome.
    const replacing = ["replace", "create-replacement", "delete-replaced"].includes(step.op);
    const previous = this.outcomes.get(step.urn);
    const merged = replacing && previous?.op === "replace" ? previous : undefined;
    if (previous && counted(previous)) this.changing -= 1;
    const outcome: ResourceOutcome = {
      urn: step.urn,
      type: step.type,
      name: urnName(step.urn),
      op: replacing ? "replace" : step.op,
      inputs: step.new?.inputs ?? merged?.inputs ?? step.old?.inputs ?? {},
      outputs: step.old?.outputs ?? merged?.outputs ?? {},
      reasons: [...new Set([...(merged?.reasons ?? []), ...(step.keys ?? []), ...(step.diffs ?? [])])],
      failed: previous?.failed ?? false,
    };
    if (counted(outcome)) this.changing += 1;
    this.outcomes.set(step.urn, outcome);
  }

  /** Every resource the operation touched or looked at, with the refreshed outputs where there was a refresh. */
  resources(): ResourceOutcome[] {
    return [...this.outcomes.values()].map((outcome) => ({ ...outcome, outputs: this.refreshed.get(outcome.urn) ?? outcome.outputs }));
  }

  /** The stack's resources as `pulumi refresh --preview-only` found them. */
  refreshedResources(): RefreshedResource[] {
    return [...this.refreshResults.values()];
  }

  /** Whether every refresh read what the state holds. */
  refreshedAsStored(): boolean {
    return this.refreshChanged.size === 0;
  }

  /** Resources created, updated, replaced or deleted so far (or to be, in a preview). */
  changed(): number {
    return this.changing;
  }

  /** Reads newline-delimited JSON events; lines that are not events (none are expected) are skipped. */
  static parse(text: string): EngineEvents {
    const events = new EngineEvents();
    for (const line of text.split("\n")) {
      if (!line.startsWith("{")) continue;
      try {
        events.add(JSON.parse(line) as EngineEvent);
      } catch {
        // A line cut short by a killed CLI: the rest of the stream still counts.
      }
    }
    return events;
  }
}
