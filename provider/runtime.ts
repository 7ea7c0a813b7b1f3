import type * as pulumi from "@pulumi/pulumi";
import { WeChatClient, ClientOptions } from "./client/client";
import { LinksApi } from "./client/links";
import { PluginsApi } from "./client/plugins";
import { LoadedConfig, ProviderConfig, loadConfig } from "./config";
import { LinkResource } from "./link";
import { warn as pulumiWarn } from "./log";
import { PluginResource } from "./plugin";

/**
 * What the serialized provider objects delegate to (`require("pulumi-wechat/runtime")`), so the code that runs is
 * always the installed package's, never a copy frozen in the state. One instance per provider process: both
 * resource types share its connection pool, tokens and list answers for the whole Pulumi run.
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
  const warn = options.warn ?? pulumiWarn;
  return {
    client,
    plugin: new PluginResource(new PluginsApi(client), client.tokens, warn),
    link: new LinkResource(new LinksApi(client), client.tokens, warn),
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

/** Configuration problems surface as check failures, so a preview shows them before anything else runs. */
function configFailures(): pulumi.dynamic.CheckFailure[] {
  const { loaded } = current();
  return loaded.ok ? [] : loaded.problems.map((reason) => ({ property: "", reason }));
}

async function check(kind: "plugin" | "link", olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  const failures = configFailures();
  if (failures.length > 0) return { inputs: news, failures };
  return providers()[kind].check(olds, news);
}

/**
 * A create that fails after WeChat acted throws with `id` and `properties`, which the engine records as the
 * resource's state. The dynamic-provider host adds `__provider` to the outputs of a create that succeeds, not to
 * these: without it, the next refresh, update or delete of the resource could not load its provider at all.
 */
async function create(kind: "plugin" | "link", inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  try {
    return await providers()[kind].create(inputs as never);
  } catch (error) {
    const partial = error as { properties?: Record<string, unknown> };
    if (partial.properties) partial.properties = { ...partial.properties, __provider: inputs.__provider };
    throw error;
  }
}

export const plugin = {
  check: (olds: unknown, news: Record<string, unknown>) => check("plugin", olds, news),
  diff: (id: string, olds: never, news: never) => providers().plugin.diff(id, olds, news),
  create: (inputs: Record<string, unknown>) => create("plugin", inputs),
  read: (id: string, props: never) => providers().plugin.read(id, props),
  update: (id: string, olds: never, news: never) => providers().plugin.update(id, olds, news),
  delete: (id: string, props: never) => providers().plugin.delete(id, props),
};

export const link = {
  check: (olds: unknown, news: Record<string, unknown>) => check("link", olds, news),
  diff: (id: string, olds: never, news: never) => providers().link.diff(id, olds, news),
  create: (inputs: Record<string, unknown>) => create("link", inputs),
  read: (id: string, props: never) => providers().link.read(id, props),
  update: (id: string, olds: never, news: never) => providers().link.update(id, olds, news),
  delete: (id: string, props: never) => providers().link.delete(id, props),
};
