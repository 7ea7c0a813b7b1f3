import { ErrCode } from "../model/codes";
import {
  answerApplication,
  applicationsFor,
  applyForPlugin,
  deleteApplication,
  quickUpdate,
  refuseUnlessAuthorizer,
  unbindPlugin,
} from "../model/plugins";
import { fail, isWholeNumber, ok, reply, stringField, type AuthenticatedRequest, type WeChatAnswer } from "./protocol";

const DEFAULT_PAGE_SIZE = 10;

type Action = (request: AuthenticatedRequest) => WeChatAnswer;

/** `POST /wxa/plugin` with a mini program's token: the mini program's side of plugin use. */
export const plugin = byAction({
  apply: ({ body, world, now, caller }) => {
    const pluginAppId = stringField(body, "plugin_appid");
    const reason = body.reason ?? "";
    if (!pluginAppId || typeof reason !== "string") return fail(ErrCode.DataFormatError);
    return reply(applyForPlugin(world, caller.appId, pluginAppId, reason, now));
  },
  list: ({ world, caller }) => {
    const plugins = world.accounts.plugins;
    const pluginList = world.bindingsOf(caller.appId).map((binding) => ({
      appid: binding.pluginAppId,
      status: binding.status,
      nickname: plugins.get(binding.pluginAppId)?.nickname ?? "",
      headimgurl: plugins.get(binding.pluginAppId)?.headImgUrl ?? "",
      reason: binding.reason,
    }));
    // WeChat never reports the version a quick update set, so neither does the emulator.
    return ok({ plugin_list: pluginList, apply_list: [] });
  },
  unbind: ({ body, world, caller }) => {
    const pluginAppId = stringField(body, "plugin_appid");
    if (!pluginAppId) return fail(ErrCode.DataFormatError);
    return reply(unbindPlugin(world, caller.appId, pluginAppId));
  },
  update: ({ body, world, caller }) => {
    const notAuthorizer = refuseUnlessAuthorizer(caller);
    if (notAuthorizer) return fail(notAuthorizer);
    const pluginAppId = stringField(body, "plugin_appid");
    const version = stringField(body, "user_version");
    if (!pluginAppId || !version) return fail(ErrCode.DataFormatError);
    return reply(quickUpdate(world, caller.appId, pluginAppId, version));
  },
});

/** `POST /wxa/devplugin` with the plugin's own token: the plugin developer answering mini programs' applications. */
export const devPlugin = byAction({
  dev_apply_list: ({ body, world, caller }) => {
    const page = body.page ?? 1;
    const num = body.num ?? DEFAULT_PAGE_SIZE;
    if (!isWholeNumber(page, 1) || !isWholeNumber(num, 1)) return fail(ErrCode.DataFormatError);
    const items = applicationsFor(world, caller.appId)
      .slice((page - 1) * num, page * num)
      .map((binding) => {
        const miniProgram = world.accounts.miniPrograms.get(binding.appId);
        return {
          appid: binding.appId,
          status: binding.status,
          nickname: miniProgram?.nickname ?? "",
          headimgurl: miniProgram?.headImgUrl ?? "",
          reason: binding.reason,
          apply_url: "",
          create_time: Math.floor(binding.appliedAt / 1000),
          categories: [],
        };
      });
    return ok({ apply_list: items });
  },
  dev_agree: (request) => developerAnswer(request, true),
  dev_refuse: (request) => developerAnswer(request, false),
  dev_delete: ({ body, world, caller }) => {
    const appId = stringField(body, "appid");
    if (!appId) return fail(ErrCode.DataFormatError);
    return reply(deleteApplication(world, caller.appId, appId));
  },
});

function developerAnswer({ body, world, caller }: AuthenticatedRequest, accept: boolean): WeChatAnswer {
  const miniProgramAppId = stringField(body, "appid");
  const reason = body.reason ?? "";
  if (!miniProgramAppId || typeof reason !== "string") return fail(ErrCode.DataFormatError);
  return reply(answerApplication(world, { pluginAppId: caller.appId, miniProgramAppId, accept, reason }));
}

/** One path, several operations named by the body's `action`: a missing one is 47001, an unknown one 40097. */
function byAction(actions: Record<string, Action>): Action {
  return (request) => {
    const action = request.body.action;
    if (action === undefined) return fail(ErrCode.DataFormatError);
    const handle = typeof action === "string" && Object.hasOwn(actions, action) ? actions[action] : undefined;
    return handle ? handle(request) : fail(ErrCode.InvalidArgs);
  };
}
