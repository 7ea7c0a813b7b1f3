import { ErrCode, refuse, type WeChatRefusal } from "./codes";
import type { Binding, Token, World } from "./world";

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
  if (!miniProgram || pluginsOf(world, miniProgramAppId).length >= miniProgram.pluginLimit) return refuse(ErrCode.PluginLimitReached);
  const binding: Binding = { appId: miniProgramAppId, pluginAppId, status: plugin.requiresApproval ? 1 : 2, reason, appliedAt: now };
  world.bindings.push(binding);
  world.markChanged();
  return binding;
}

export function pluginsOf(world: World, miniProgramAppId: string): Binding[] {
  return world.bindings.filter((binding) => binding.appId === miniProgramAppId);
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
