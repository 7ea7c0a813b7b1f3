import type { Accounts, ExistingPluginStatus, Plugin } from "./accounts";
import { ErrCode, refuse, type WeChatRefusal } from "./codes";
import { inTurn, type Binding, type PluginStatus, type Token, type World } from "./world";

// WeChat's rules for plugins, from both sides: the mini program applying for, updating and unbinding a plugin
// (`/wxa/plugin`), and the plugin's developer answering applications (`/wxa/devplugin`, and the control surface's
// `plugins/answer`, which plays the developer through the same decision).

/** Pending (1) when the plugin needs its developer's approval, otherwise approved (2) at once. */
export function applyForPlugin(world: World, miniProgramAppId: string, pluginAppId: string, reason: string, now: number): Binding | WeChatRefusal {
  const plugin = world.accounts.plugins.get(pluginAppId);
  if (!plugin) return refuse(ErrCode.PluginDoesNotExist);
  if (world.binding(miniProgramAppId, pluginAppId)) return refuse(ErrCode.PluginAlreadyApplied);
  const miniProgram = world.accounts.miniPrograms.get(miniProgramAppId);
  // Entries of every status count towards the limit, rejected and timed-out ones too.
  if (!miniProgram || world.bindingsOf(miniProgramAppId).length >= miniProgram.pluginLimit) return refuse(ErrCode.PluginLimitReached);
  const binding: Binding = { appId: miniProgramAppId, pluginAppId, status: plugin.requiresApproval ? 1 : 2, reason, appliedAt: now };
  world.addBinding(binding);
  return binding;
}

/** A pending application cannot be withdrawn: it waits for the developer or the 48-hour timeout. */
export function unbindPlugin(world: World, miniProgramAppId: string, pluginAppId: string): WeChatRefusal | undefined {
  const binding = world.binding(miniProgramAppId, pluginAppId);
  if (!binding) return refuse(ErrCode.PluginNotInList);
  if (binding.status === 1) return refuse(ErrCode.PluginApplicationPending);
  world.removeBinding(binding);
  return undefined;
}

/** Quick updates are a third-party platform's privilege; WeChat checks the token's kind before it reads the request. */
export function refuseUnlessAuthorizer(caller: Token): WeChatRefusal | undefined {
  return caller.kind === "authorizer" ? undefined : refuse(ErrCode.NotAuthorizerToken);
}

/** Only an approved entry can be updated; anything pending, rejected or timed out is "not in the list". */
export function quickUpdate(world: World, miniProgramAppId: string, pluginAppId: string, version: string): Binding | WeChatRefusal {
  const binding = world.binding(miniProgramAppId, pluginAppId);
  if (!binding || binding.status !== 2) return refuse(ErrCode.PluginNotInList);
  if (world.accounts.miniPrograms.get(miniProgramAppId)?.grayRelease) return refuse(ErrCode.GrayReleaseInProgress);
  if (!world.accounts.plugins.get(pluginAppId)?.versions.get(version)?.quickUpdate) return refuse(ErrCode.VersionNotQuickUpdatable);
  binding.version = version;
  world.markChanged();
  return binding;
}

/** Every application for the plugin, whatever its status, oldest first. */
export function applicationsFor(world: World, pluginAppId: string): Binding[] {
  return world.bindings.filter((binding) => binding.pluginAppId === pluginAppId);
}

/** The plugin developer's answer to a mini program's application. */
export interface DeveloperAnswer {
  pluginAppId: string;
  miniProgramAppId: string;
  /** true approves (status 2), false refuses (status 3). */
  accept: boolean;
  /** The refusal reason, kept apart from the mini program's own reason; only with `accept: false`. */
  reason?: string;
}

/** Only a pending application (status 1) can be answered. */
export function answerApplication(world: World, answer: DeveloperAnswer): Binding | WeChatRefusal {
  const binding = world.binding(answer.miniProgramAppId, answer.pluginAppId);
  if (!binding) return refuse(ErrCode.ApplicationNotFound);
  if (binding.status !== 1) return refuse(ErrCode.ApplicationNotPending);
  binding.status = answer.accept ? 2 : 3;
  if (!answer.accept) binding.refusalReason = answer.reason ?? "";
  world.markChanged();
  return binding;
}

/** The developer may clear only applications that ended without approval (rejected or timed out). */
export function deleteApplication(world: World, pluginAppId: string, miniProgramAppId: string): WeChatRefusal | undefined {
  const binding = world.binding(miniProgramAppId, pluginAppId);
  if (!binding) return refuse(ErrCode.ApplicationNotFound);
  if (binding.status !== 3 && binding.status !== 4) return refuse(ErrCode.ApplicationNotDeletable);
  world.removeBinding(binding);
  return undefined;
}

const existingStatus: Record<ExistingPluginStatus, PluginStatus> = { approved: 2, applying: 1, rejected: 3, expired: 4 };
/** Entries other than pending ones were made before the world began: long enough ago for an expired one to have timed out. */
const EXISTING_AGE_MS = 72 * 3600 * 1000;

/**
 * The plugin entries the generated mini programs start with (the seed's `generate.existing`). Statuses take turns
 * across all entries, mini program after mini program, as the seed's weights say, so one seed always makes one world.
 * WeChat approves a plugin that needs no approval at once, so only one that needs it can be applying, rejected or
 * expired: those turns take such plugins first, and when a mini program has none left the turn is approved instead.
 * Mini program n's plugins are the seed's, from the n-th on (wrapping round), never more than its plugin limit.
 */
export function existingBindings(accounts: Accounts, now: number): Binding[] {
  const existing = accounts.existing;
  const plugins = [...accounts.plugins.values()];
  if (!existing || plugins.length === 0) return [];
  const statuses = inTurn(existing.pluginStatuses);
  if (statuses.length === 0) return [];
  const bindings: Binding[] = [];
  let turn = 0;
  existing.miniProgramAppIds.forEach((appId, index) => {
    const limit = accounts.miniPrograms.get(appId)?.pluginLimit ?? 0;
    const amount = Math.min(existing.pluginsPerMiniProgram, limit, plugins.length);
    const start = index % plugins.length;
    const free = [...plugins.slice(start), ...plugins.slice(0, start)];
    const take = (fits: (plugin: Plugin) => boolean): Plugin | undefined => {
      const at = free.findIndex(fits);
      return at === -1 ? undefined : free.splice(at, 1)[0];
    };
    const wanted = Array.from({ length: amount }, () => existingStatus[statuses[turn++ % statuses.length]]);
    const awaitingApproval = wanted.map((status) => (status === 2 ? undefined : take((plugin) => plugin.requiresApproval)));
    wanted.forEach((status, slot) => {
      const plugin = awaitingApproval[slot] ?? take(() => true)!;
      const final = awaitingApproval[slot] ? status : 2;
      const binding: Binding = { appId, pluginAppId: plugin.appId, status: final, reason: "", appliedAt: final === 1 ? now : now - EXISTING_AGE_MS };
      if (final === 3) binding.refusalReason = "refused before the world began (the seed's generate.existing)";
      bindings.push(binding);
    });
  });
  return bindings;
}
