import * as pulumi from "@pulumi/pulumi";
// Namespace imports: compiled, they are the modules' own exports (an ES module's, which TypeScript's interop hands on
// as they are), which Pulumi's serializer must find to store a require of the module (see dynamic/plugin.ts).
import * as linkProvider from "./dynamic/link";
import * as pluginProvider from "./dynamic/plugin";
import { dynamicModule } from "./identity";
import type { OnRejected } from "./inputs";
import type { LinkStatus } from "./link";
import type { PluginStatus } from "./plugin";

export type { LinkStatus, OnRejected, PluginStatus };

export interface MiniProgramPluginArgs {
  /** The mini program's app id (wx + 16 hex digits). */
  appId: pulumi.Input<string>;
  /** The plugin's app id. */
  pluginAppId: pulumi.Input<string>;
  /** The plugin version to run (x.y.z), set by quick update once the plugin is approved. */
  version?: pulumi.Input<string>;
  /** Shown to the plugin developer with the application. */
  reason?: pulumi.Input<string>;
  /**
   * Bring a binding that already exists at WeChat under this stack's management instead of failing. Default false:
   * a create that finds the binding fails, so that no stack silently takes over (and later unbinds) another's.
   */
  adopt?: pulumi.Input<boolean>;
  /**
   * What to do with an application the plugin developer rejected: "reapply" (the default) unbinds it and applies
   * again on the next `up` after a refresh; "keep" leaves it rejected (status "rejected") and proposes nothing. An
   * expired application is applied for again either way. A change of it alone changes nothing at WeChat.
   */
  onRejected?: pulumi.Input<OnRejected>;
}

/** A plugin a mini program uses: applied for on create, version set by quick update, unbound on delete. */
export class MiniProgramPlugin extends pulumi.dynamic.Resource {
  declare readonly appId: pulumi.Output<string>;
  declare readonly pluginAppId: pulumi.Output<string>;
  declare readonly version: pulumi.Output<string | undefined>;
  declare readonly reason: pulumi.Output<string | undefined>;
  declare readonly onRejected: pulumi.Output<OnRejected | undefined>;
  declare readonly status: pulumi.Output<PluginStatus>;
  declare readonly statusCode: pulumi.Output<number>;
  declare readonly nickname: pulumi.Output<string>;
  declare readonly headImgUrl: pulumi.Output<string>;
  /** The version last set through quick update (WeChat never reports it back). */
  declare readonly appliedVersion: pulumi.Output<string | undefined>;
  /** When this stack applied for the plugin (ISO time); absent for an adopted binding. */
  declare readonly appliedAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: MiniProgramPluginArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = { status: undefined, statusCode: undefined, nickname: undefined, headImgUrl: undefined, appliedVersion: undefined, appliedAt: undefined };
    super(pluginProvider, name, { ...args, ...outputs }, opts, dynamicModule, "MiniProgramPlugin");
  }

  /** Reads a binding by its id, `<appId>/<pluginAppId>`, without managing it. */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): MiniProgramPlugin {
    return new MiniProgramPlugin(name, {} as MiniProgramPluginArgs, { ...opts, id });
  }
}

export interface OfficialAccountLinkArgs {
  /** The official account's app id. */
  officialAccountAppId: pulumi.Input<string>;
  /** The mini program's app id. */
  miniProgramAppId: pulumi.Input<string>;
  /** Notify the account's followers when the link is made (only used when inviting). Default false. */
  notifyUsers?: pulumi.Input<boolean>;
  /** Show the mini program on the account's profile. WeChat cannot change it later: a change relinks. Default false. */
  showProfile?: pulumi.Input<boolean>;
  /** The mini program's original id (gh_…); needed only when WeChat's list omits app ids and no third-party platform is configured. */
  miniProgramUsername?: pulumi.Input<string>;
  /**
   * Bring a link or invitation that already exists at WeChat under this stack's management instead of failing.
   * Default false: a create that finds it fails, so that no stack silently takes over (and later unlinks) another's.
   */
  adopt?: pulumi.Input<boolean>;
}

/** A mini program linked to an official account: invited on create, unlinked on delete. */
export class OfficialAccountLink extends pulumi.dynamic.Resource {
  declare readonly officialAccountAppId: pulumi.Output<string>;
  declare readonly miniProgramAppId: pulumi.Output<string>;
  declare readonly notifyUsers: pulumi.Output<boolean>;
  declare readonly showProfile: pulumi.Output<boolean>;
  declare readonly miniProgramUsername: pulumi.Output<string | undefined>;
  declare readonly status: pulumi.Output<LinkStatus>;
  declare readonly statusCode: pulumi.Output<number>;
  declare readonly username: pulumi.Output<string>;
  declare readonly nickname: pulumi.Output<string>;
  declare readonly released: pulumi.Output<boolean>;
  declare readonly selected: pulumi.Output<boolean>;

  constructor(name: string, args: OfficialAccountLinkArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = { status: undefined, statusCode: undefined, username: undefined, nickname: undefined, released: undefined, selected: undefined };
    super(linkProvider, name, { ...args, ...outputs }, opts, dynamicModule, "OfficialAccountLink");
  }

  /** Reads a link by its id, `<officialAccountAppId>/<miniProgramAppId>`, without managing it. */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): OfficialAccountLink {
    return new OfficialAccountLink(name, {} as OfficialAccountLinkArgs, { ...opts, id });
  }
}
