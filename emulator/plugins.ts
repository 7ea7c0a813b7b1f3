import { Code, fail, ok, stringField, type AuthenticatedRequest, type WeChatAnswer } from "./protocol";

/** `POST /wxa/plugin` with a mini program's token: the mini program's side of plugin use. */
export function plugin(request: AuthenticatedRequest): WeChatAnswer {
  const action = request.body.action;
  if (action === undefined) return fail(Code.dataFormatError);
  switch (action) {
    case "apply":
      return apply(request);
    case "list":
      return list(request);
    case "unbind":
      return unbind(request);
    case "update":
      return quickUpdate(request);
    default:
      return fail(Code.invalidArgs);
  }
}

function apply({ body, world, now, caller }: AuthenticatedRequest): WeChatAnswer {
  const pluginAppId = stringField(body, "plugin_appid");
  const reason = body.reason ?? "";
  if (!pluginAppId || typeof reason !== "string") return fail(Code.dataFormatError);
  const plugin = world.accounts.plugins.get(pluginAppId);
  if (!plugin) return fail(Code.pluginDoesNotExist);
  if (world.binding(caller.appId, pluginAppId)) return fail(Code.pluginAlreadyAdded);
  const miniProgram = world.accounts.miniPrograms.get(caller.appId);
  const entries = world.bindings.filter((binding) => binding.appId === caller.appId).length;
  if (!miniProgram || entries >= miniProgram.pluginLimit) return fail(Code.pluginLimitReached);
  world.bindings.push({
    appId: caller.appId,
    pluginAppId,
    status: plugin.requiresApproval ? 1 : 2,
    reason,
    appliedAt: now,
  });
  world.markChanged();
  return ok();
}

function list({ world, caller }: AuthenticatedRequest): WeChatAnswer {
  const plugins = world.accounts.plugins;
  const pluginList = world.bindings
    .filter((binding) => binding.appId === caller.appId)
    .map((binding) => ({
      appid: binding.pluginAppId,
      status: binding.status,
      nickname: plugins.get(binding.pluginAppId)?.nickname ?? "",
      headimgurl: plugins.get(binding.pluginAppId)?.headImgUrl ?? "",
      reason: binding.reason,
    }));
  // WeChat never reports the version a quick update set, so neither does the emulator.
  return ok({ plugin_list: pluginList, apply_list: [] });
}

function unbind({ body, world, caller }: AuthenticatedRequest): WeChatAnswer {
  const pluginAppId = stringField(body, "plugin_appid");
  if (!pluginAppId) return fail(Code.dataFormatError);
  const binding = world.binding(caller.appId, pluginAppId);
  if (!binding) return fail(Code.pluginNotAdded);
  if (binding.status === 1) return fail(Code.pluginPending);
  world.removeBinding(binding);
  return ok();
}

function quickUpdate({ body, world, caller }: AuthenticatedRequest): WeChatAnswer {
  if (caller.kind !== "authorizer") return fail(Code.notAuthorizerToken);
  const pluginAppId = stringField(body, "plugin_appid");
  const version = stringField(body, "user_version");
  if (!pluginAppId || !version) return fail(Code.dataFormatError);
  const binding = world.binding(caller.appId, pluginAppId);
  if (!binding || binding.status !== 2) return fail(Code.pluginNotAdded);
  if (world.accounts.miniPrograms.get(caller.appId)?.grayRelease) return fail(Code.grayReleaseInProgress);
  if (!world.accounts.plugins.get(pluginAppId)?.versions.get(version)?.quickUpdate) return fail(Code.versionNotQuickUpdatable);
  binding.version = version;
  world.markChanged();
  return ok();
}
