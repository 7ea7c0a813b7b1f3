import type * as pulumi from "@pulumi/pulumi";
import { ClientOptions, WeChatClient } from "./client/client";
import { LinksApi } from "./client/links";
import { PluginsApi } from "./client/plugins";
import type { ProviderConfig } from "./config";
import type { TypeName } from "./identity";
import type { Diff, Field, Read } from "./inputs";
import { LinkResource, linkInputFields } from "./link";
import { warn } from "./log";
import { PluginResource, pluginInputFields } from "./plugin";

/**
 * The resources wired to one WeChat client, whichever host runs them: the dynamic-provider host (runtime.ts), or the
 * fleet runner's own look at its stacks (fleet/look.ts), which reads WeChat in-process with its token broker's client.
 */
export interface Providers {
  client: WeChatClient;
  plugin: PluginResource;
  link: LinkResource;
}

export interface ProviderOptions extends ClientOptions {
  warn?: (message: string) => void;
  /** A client to share (its connections, tokens and list answers) instead of a new one. */
  client?: WeChatClient;
}

export function createProviders(config: ProviderConfig, options: ProviderOptions = {}): Providers {
  const client = options.client ?? new WeChatClient(config, options);
  const warnings = options.warn ?? warn;
  return {
    client,
    plugin: new PluginResource(new PluginsApi(client), client.tokens, warnings, config.adopt),
    link: new LinkResource(new LinksApi(client), client.tokens, warnings, config.adopt),
  };
}

/** What a host adapter (runtime.ts, native/server.ts) needs of a resource: plugin.ts's and link.ts's classes. */
export interface Resource<Inputs, Outputs> {
  check(news: object): pulumi.dynamic.CheckResult<Inputs>;
  existingWarning(olds: Partial<Inputs>, news: Inputs): Promise<string | undefined>;
  create(inputs: Inputs): Promise<pulumi.dynamic.CreateResult<Outputs>>;
  read(id: string, props: Partial<Outputs>): Promise<Read<Inputs, Outputs>>;
  update(id: string, olds: Outputs, news: Inputs): Promise<pulumi.dynamic.UpdateResult<Outputs>>;
  delete(id: string, props: Outputs): Promise<void>;
}

type Values = Record<string, unknown>;

/**
 * Each resource type's parts, by its type name, for the code that handles both untyped (the native provider's
 * service, the fleet's plan and look): its resource object among the providers, its inputs as `check` passes them on,
 * its diff, the inputs WeChat has from a state's outputs, and its input fields.
 */
export interface ResourceType {
  resource: (providers: Providers) => Resource<object, object>;
  inputs: (news: object) => Values;
  diff: (olds: Values, news: Values) => Diff;
  liveInputs: (outputs: Values) => Values;
  fields: Field[];
}

export const resourceTypes: Record<TypeName, ResourceType> = {
  MiniProgramPlugin: {
    resource: (providers) => providers.plugin,
    inputs: (news) => ({ ...PluginResource.inputs(news) }),
    diff: PluginResource.diff as unknown as ResourceType["diff"],
    liveInputs: (outputs) => ({ ...PluginResource.liveInputs(outputs) }),
    fields: pluginInputFields,
  },
  OfficialAccountLink: {
    resource: (providers) => providers.link,
    inputs: (news) => ({ ...LinkResource.inputs(news) }),
    diff: LinkResource.diff as unknown as ResourceType["diff"],
    liveInputs: (outputs) => ({ ...LinkResource.liveInputs(outputs) }),
    fields: linkInputFields,
  },
};
