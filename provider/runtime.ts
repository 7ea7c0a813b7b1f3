import type * as pulumi from "@pulumi/pulumi";
import { PartialCreateError } from "./client/errors";
import { LoadedConfig, loadConfig } from "./config";
import { Diff } from "./inputs";
import { LinkResource } from "./link";
import { warn, warnOnce } from "./log";
import { PluginResource } from "./plugin";
import { type Providers, type Resource, createProviders } from "./providers";

/**
 * What the provider objects in each resource's state (`__provider`, see dynamic/plugin.ts) delegate to, through
 * `require("pulumi-wechat/runtime")`: the code that runs is always the installed package's, never a copy kept in the
 * state. One instance per provider process: both resource types share its connection pool, tokens and list answers
 * for the whole Pulumi run.
 */

type State = { loaded: LoadedConfig; fingerprint: string; providers?: Providers };
let state: State | undefined;

/** Called by the engine once per provider type with the whole stack config (secrets in plaintext, in memory only). */
export function configure(config: { get(key: string): string | undefined }): void {
  const loaded = loadConfig((key) => config.get(key));
  const fingerprint = JSON.stringify(loaded);
  // Both resource types configure the same process; keep one client so they share tokens and list answers.
  if (state?.fingerprint === fingerprint) return;
  state = { loaded, fingerprint, providers: loaded.ok ? createProviders(loaded.config) : undefined };
}

function current(): State {
  if (!state) configure({ get: () => undefined });
  return state!;
}

function providers(): Providers {
  const { loaded, providers } = current();
  if (!loaded.ok || !providers) {
    throw new Error(`pulumi-wechat is not configured correctly:\n- ${(loaded as { problems: string[] }).problems.join("\n- ")}`);
  }
  return providers;
}

/** Check's and diff's warnings, shown once per run (see `warnOnce`). */
const warnOnceEach = warnOnce(warn);

/**
 * The dynamic-provider host answers a check, diff, read or delete that fails by printing `${error}: ${error.stack}`
 * with console.error, then returning the error to the engine, which prints it as the resource's error. Our errors
 * say everything in their message, so the first print only repeats it (with a stack trace). The lines of the errors
 * these entry points rethrow are dropped, and nothing else: any other output still reaches stderr.
 */
const hostLines = new Map<string, number>();
let hostLinesDropped = false;

async function printedOnce<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof Error) dropHostLine(`${String(error)}: ${error.stack}`);
    throw error;
  }
}

function dropHostLine(line: string): void {
  hostLines.set(line, (hostLines.get(line) ?? 0) + 1);
  if (hostLinesDropped) return;
  hostLinesDropped = true;
  const print = console.error.bind(console);
  console.error = (...args: unknown[]) => {
    const count = args.length === 1 && typeof args[0] === "string" ? hostLines.get(args[0]) : undefined;
    if (count === undefined) return print(...args);
    if (count > 1) hostLines.set(args[0] as string, count - 1);
    else hostLines.delete(args[0] as string);
  };
}

/** One resource type's entry points, typed with its inputs and outputs. */
function entryPoints<Inputs extends object, Outputs extends Inputs>(
  resource: (providers: Providers) => Resource<Inputs, Outputs>,
  diff: (olds: Outputs, news: Inputs) => Diff,
): pulumi.dynamic.ResourceProvider<Inputs, Outputs> {
  return {
    // Configuration problems surface as check failures, so a preview shows them before anything else runs. Valid inputs
    // of a new binding or link are looked up at WeChat, so that a preview warns of a create that would fail.
    check: (olds, news) =>
      printedOnce(async () => {
        const { loaded } = current();
        if (!loaded.ok) return { inputs: news, failures: loaded.problems.map((reason) => ({ property: "", reason })) };
        const checking = resource(providers());
        const checked = checking.check(news);
        if (checked.inputs && checked.failures?.length === 0) {
          const warning = await checking.existingWarning(olds, checked.inputs);
          if (warning) warnOnceEach(warning);
        }
        return checked;
      }),
    // Diffs need no configuration: they decide from the state and the program alone.
    diff: (_id, olds, news) =>
      printedOnce(() => {
        const { result, warnings } = diff(olds, news);
        for (const message of warnings) warnOnceEach(message);
        return Promise.resolve(result);
      }),
    create: async (inputs) => {
      try {
        return await resource(providers()).create(inputs);
      } catch (error) {
        // The dynamic-provider host adds `__provider` to the outputs of a create that succeeds, not to what a
        // PartialCreateError leaves in the state: without it, later operations on the resource could not load it.
        if (!(error instanceof PartialCreateError) || !("__provider" in inputs)) throw error;
        throw new PartialCreateError(error.id, { ...error.properties, __provider: inputs.__provider }, error.cause);
      }
    },
    read: (id, props) =>
      printedOnce(async () => {
        const { inputs, ...read } = await resource(providers()).read(id, props ?? {});
        // Pulumi's ReadResult types `inputs` as the outputs; see `Read`.
        return { ...read, inputs: inputs as Outputs | undefined };
      }),
    update: (id, olds, news) => resource(providers()).update(id, olds, news),
    delete: (id, props) => printedOnce(() => resource(providers()).delete(id, props)),
  };
}

export const plugin = entryPoints((providers) => providers.plugin, PluginResource.diff);
export const link = entryPoints((providers) => providers.link, LinkResource.diff);
