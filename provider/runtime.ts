import type * as pulumi from "@pulumi/pulumi";
import { WeChatClient, ClientOptions } from "./client/client";
import { PartialCreateError } from "./client/errors";
import { LinksApi } from "./client/links";
import { PluginsApi } from "./client/plugins";
import { LoadedConfig, ProviderConfig, loadConfig } from "./config";
import { Diff, Read } from "./inputs";
import { LinkResource } from "./link";
import { warn } from "./log";
import { PluginResource } from "./plugin";

/**
 * What the provider objects in each resource's state (`__provider`, see dynamic.ts) delegate to, through
 * `require("pulumi-wechat/runtime")`: the code that runs is always the installed package's, never a copy kept in the
 * state. One instance per provider process: both resource types share its connection pool, tokens and list answers
 * for the whole Pulumi run.
 */

export interface Providers {
  client: WeChatClient;
  plugin: PluginResource;
  link: LinkResource;
}

export interface ProviderOptions extends ClientOptions {
  warn?: (message: string) => void;
}

export function createProviders(config: ProviderConfig, options: ProviderOptions = {}): Providers {
  const client = new WeChatClient(config, options);
  const warnings = options.warn ?? warn;
  return {
    client,
    plugin: new PluginResource(new PluginsApi(client), client.tokens, warnings),
    link: new LinkResource(new LinksApi(client), client.tokens, warnings),
  };
}

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
    const error = new Error(`pulumi-wechat is not configured correctly:\n- ${(loaded as { problems: string[] }).problems.join("\n- ")}`);
    // The provider host prints `${error}: ${error.stack}` for a failed read or delete; the message says everything.
    error.stack = "";
    throw error;
  }
  return providers;
}

/** What runtime needs of a resource: plugin.ts's and link.ts's classes. */
interface Resource<Inputs, Outputs> {
  check(news: object): pulumi.dynamic.CheckResult<Inputs>;
  create(inputs: Inputs): Promise<pulumi.dynamic.CreateResult<Outputs>>;
  read(id: string, props: Partial<Outputs>): Promise<Read<Inputs, Outputs>>;
  update(id: string, olds: Outputs, news: Inputs): Promise<pulumi.dynamic.UpdateResult<Outputs>>;
  delete(id: string, props: Outputs): Promise<void>;
}

/** One resource type's entry points, typed with its inputs and outputs. */
function entryPoints<Inputs extends object, Outputs extends Inputs>(
  resource: (providers: Providers) => Resource<Inputs, Outputs>,
  diff: (olds: Outputs, news: Inputs) => Diff,
): pulumi.dynamic.ResourceProvider<Inputs, Outputs> {
  return {
    // Configuration problems surface as check failures, so a preview shows them before anything else runs.
    check: (_olds, news) => {
      const { loaded } = current();
      if (!loaded.ok) return Promise.resolve({ inputs: news, failures: loaded.problems.map((reason) => ({ property: "", reason })) });
      return Promise.resolve(resource(providers()).check(news));
    },
    // Diffs need no configuration: they decide from the state and the program alone.
    diff: (_id, olds, news) => {
      const { result, warnings } = diff(olds, news);
      for (const message of warnings) warn(message);
      return Promise.resolve(result);
    },
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
    read: async (id, props) => {
      const { inputs, ...read } = await resource(providers()).read(id, props ?? {});
      // Pulumi's ReadResult types `inputs` as the outputs; see `Read`.
      return { ...read, inputs: inputs as Outputs | undefined };
    },
    update: (id, olds, news) => resource(providers()).update(id, olds, news),
    delete: (id, props) => resource(providers()).delete(id, props),
  };
}

export const plugin = entryPoints((providers) => providers.plugin, PluginResource.diff);
export const link = entryPoints((providers) => providers.link, LinkResource.diff);
