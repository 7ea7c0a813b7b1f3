import { Code, fail, ok, stringField, type AuthenticatedRequest, type WeChatAnswer } from "./protocol";

const DEFAULT_PAGE_SIZE = 10;

/** `POST /wxa/devplugin` with the plugin's own token: the plugin developer answering mini programs' applications. */
export function devPlugin(request: AuthenticatedRequest): WeChatAnswer {
  const action = request.body.action;
  if (action === undefined) return fail(Code.dataFormatError);
  switch (action) {
    case "dev_apply_list":
      return applications(request);
    case "dev_agree":
      return answer(request, 2);
    case "dev_refuse":
      return answer(request, 3);
    case "dev_delete":
      return remove(request);
    default:
      return fail(Code.invalidArgs);
  }
}

function applications({ body, world, caller }: AuthenticatedRequest): WeChatAnswer {
  const page = body.page ?? 1;
  const num = body.num ?? DEFAULT_PAGE_SIZE;
  if (!isPositiveInteger(page) || !isPositiveInteger(num)) return fail(Code.dataFormatError);
  const items = world.bindings
    .filter((binding) => binding.pluginAppId === caller.appId)
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
}

function answer({ body, world, caller }: AuthenticatedRequest, status: 2 | 3): WeChatAnswer {
  const appId = stringField(body, "appid");
  const reason = body.reason ?? "";
  if (!appId || typeof reason !== "string") return fail(Code.dataFormatError);
  const binding = world.binding(appId, caller.appId);
  if (!binding) return fail(Code.applicationNotFound);
  if (binding.status !== 1) return fail(Code.applicationNotPending);
  binding.status = status;
  if (status === 3) binding.refusalReason = reason;
  world.markChanged();
  return ok();
}

function remove({ body, world, caller }: AuthenticatedRequest): WeChatAnswer {
  const appId = stringField(body, "appid");
  if (!appId) return fail(Code.dataFormatError);
  const binding = world.binding(appId, caller.appId);
  if (!binding) return fail(Code.applicationNotFound);
  if (binding.status !== 3 && binding.status !== 4) return fail(Code.applicationNotDeletable);
  world.removeBinding(binding);
  return ok();
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}
