import type { ServerResponse } from "node:http";
import { persist, reset, type EmulatorContext } from "../context";
import { MAX_ADVANCE_SECONDS } from "../model/clock";
import { Refusal, WeChatRefusal } from "../model/codes";
import { answerAsAdmin } from "../model/links";
import { isWeChatPath } from "../model/paths";
import { answerApplication } from "../model/plugins";
import { MAX_DAILY_LIMIT, setDailyLimit } from "../model/quotas";
import type { CallRecord } from "./calls";
import { CONSOLE_FILES, sendConsoleFile } from "./console";
import { MAX_DELAY_MS, MAX_ERRCODE, MAX_TIMES, MIN_ERRCODE, type Fault, type FaultSpec } from "./faults";
import { BadRequest, ControlFields } from "./fields";
import { describeBinding, describeConsoleWorld, describeLink, describeWorld, type ConsoleWorld, type WorldState } from "./world";

/** Where the control surface lives; WeChat's own paths never start with it. */
export const CONTROL_PREFIX = "/__emulator/";

export interface CallLogState {
  calls: CallRecord[];
  /** Per path, or `<path>#<action>` for `/wxa/plugin` and `/wxa/devplugin`. */
  counts: Record<string, number>;
}

/** JSON, or for the console's page and event stream, an answer that writes itself. */
type ControlAnswer = { status: number; body: unknown } | { respond: (response: ServerResponse) => void };

type Handler = (
  context: EmulatorContext,
  body: Record<string, unknown> | undefined,
  query: URLSearchParams,
) => ControlAnswer | Promise<ControlAnswer>;

/** The control surface under `/__emulator/`: what tests and demos use to look at and steer the emulated WeChat. */
const surface = new Map<string, Partial<Record<string, Handler>>>([
  ["health", { GET: ({ clock }) => answer({ status: "ok", now: new Date(clock.now()).toISOString() }) }],
  [
    "reset",
    {
      POST: async (context) => {
        await reset(context);
        return answer({ ok: true });
      },
    },
  ],
  [
    "state",
    {
      GET: async (context) => {
        context.world.settle(context.clock.now());
        await persist(context);
        return answer(describeWorld(context) satisfies WorldState);
      },
    },
  ],
  [
    "world",
    {
      GET: async (context, _body, query) => {
        context.world.settle(context.clock.now());
        await persist(context);
        return answer(describeConsoleWorld(context, query) satisfies ConsoleWorld);
      },
    },
  ],
  [
    "events",
    {
      GET: ({ events }, _body, query) => {
        const fields = ControlFields.query(query, ["appId", "path"]);
        const filter = { ...(fields.has("appId") ? { appId: fields.text("appId") } : {}), ...(fields.has("path") ? { path: fields.text("path") } : {}) };
        return { respond: (response) => events.open(response, filter) };
      },
    },
  ],
  ...[...CONSOLE_FILES.keys()].map((path): [string, Partial<Record<string, Handler>>] => [path, { GET: () => ({ respond: (response) => sendConsoleFile(response, path) }) }]),
  [
    "calls",
    {
      GET: ({ calls }) => answer(calls.toJSON() satisfies CallLogState),
      DELETE: ({ calls }) => {
        calls.clear();
        return answer({ ok: true });
      },
    },
  ],
  [
    "faults",
    {
      POST: ({ faults, events }, body) => {
        const fault = faults.add(readFault(body));
        if (fault instanceof Refusal) return refuse(409, fault.message);
        events.changed();
        return answer({ id: fault.id });
      },
      DELETE: ({ faults, events }) => {
        faults.clear();
        events.changed();
        return answer({ ok: true });
      },
    },
  ],
  [
    "clock",
    {
      POST: async (context, body) => {
        const seconds = ControlFields.read(body, ["advanceSeconds"]).number("advanceSeconds", { min: 0, max: MAX_ADVANCE_SECONDS });
        const refusal = context.clock.advance(seconds);
        // Out of the clock's range: a bound on the value asked for, like advanceSeconds' own.
        if (refusal) return refuse(400, refusal.message);
        context.world.settle(context.clock.now());
        await persist(context, true);
        return answer({ now: new Date(context.clock.now()).toISOString() });
      },
    },
  ],
  [
    "quotas",
    {
      POST: async (context, body) => {
        const fields = ControlFields.read(body, ["appId", "path", "dailyLimit"]);
        const path = fields.text("path");
        // A limit on a path no call takes, or on an account no call names, would limit nothing, silently.
        if (!isWeChatPath(path)) throw new BadRequest(`path ${path} is not a WeChat path the emulator serves`);
        const appId = fields.has("appId") ? fields.text("appId") : undefined;
        if (appId !== undefined && !context.world.account(appId) && context.world.accounts.component?.appId !== appId) {
          throw new BadRequest(`appId ${appId} is not an account of the seed`);
        }
        const dailyLimit = fields.number("dailyLimit", { min: 0, max: MAX_DAILY_LIMIT, integer: true });
        setDailyLimit(context.world, { ...(appId === undefined ? {} : { appId }), path, dailyLimit });
        await persist(context);
        return answer({ ok: true });
      },
    },
  ],
  [
    "links/confirm",
    {
      POST: async (context, body) => {
        const fields = ControlFields.read(body, ["officialAccountAppId", "miniProgramAppId", "by", "accept"]);
        const link = answerAsAdmin(context.world, {
          officialAccountAppId: fields.text("officialAccountAppId"),
          miniProgramAppId: fields.text("miniProgramAppId"),
          by: fields.choice("by", ["officialAccount", "miniProgram"] as const),
          accept: fields.boolean("accept"),
        });
        if (link instanceof Refusal) return refuse(409, link.message);
        await persist(context);
        return answer({ link: link && describeLink(link) });
      },
    },
  ],
  [
    "plugins/answer",
    {
      POST: async (context, body) => {
        const fields = ControlFields.read(body, ["pluginAppId", "miniProgramAppId", "accept", "reason"]);
        const pluginAppId = fields.text("pluginAppId");
        const miniProgramAppId = fields.text("miniProgramAppId");
        const accept = fields.boolean("accept");
        if (accept && fields.has("reason")) throw new BadRequest("reason is the refusal reason: it goes only with accept: false");
        const reason = fields.has("reason") ? fields.text("reason") : undefined;
        // An application left unanswered for 48 hours has timed out, and no longer waits for an answer.
        context.world.settle(context.clock.now());
        const binding = answerApplication(context.world, { pluginAppId, miniProgramAppId, accept, reason });
        await persist(context);
        if (binding instanceof WeChatRefusal) {
          return refuse(409, `no pending application from ${miniProgramAppId} for plugin ${pluginAppId}: ${binding.message} (WeChat's ${binding.code})`);
        }
        return answer({ binding: describeBinding(binding) });
      },
    },
  ],
]);

/** Answers a control request; `path` is what follows CONTROL_PREFIX. */
export async function control(
  context: EmulatorContext,
  method: string,
  path: string,
  body: Record<string, unknown> | undefined,
  query: URLSearchParams,
): Promise<ControlAnswer> {
  const handlers = surface.get(path);
  if (!handlers) return refuse(404, `${CONTROL_PREFIX}${path} is not part of the control surface`);
  const handle = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
  if (!handle) return refuse(405, `${method} is not supported on ${CONTROL_PREFIX}${path}`);
  try {
    return await handle(context, body, query);
  } catch (error) {
    if (error instanceof BadRequest) return refuse(400, error.message);
    throw error;
  }
}

const FAULT_FIELDS = [
  "path",
  "action",
  "appId",
  "errcode",
  "httpStatus",
  "delayMs",
  "dropConnection",
  "times",
  "probability",
] as const satisfies readonly (keyof FaultSpec)[];

function readFault(body: Record<string, unknown> | undefined): Omit<Fault, "id"> {
  const fields = ControlFields.read(body, FAULT_FIELDS);
  const path = fields.text("path");
  if (!path.startsWith("/")) throw new BadRequest("path must start with /");
  const errcode = fields.has("errcode") ? fields.number("errcode", { min: MIN_ERRCODE, max: MAX_ERRCODE, integer: true }) : undefined;
  if (errcode === 0) throw new BadRequest("errcode must be an error: 0 is success, which a fault that does not act cannot give");
  const drop = fields.has("dropConnection") ? fields.choice("dropConnection", [true, false, "before", "after"] as const) : false;
  const fault: Omit<Fault, "id"> = {
    path,
    action: fields.has("action") ? fields.text("action") : undefined,
    appId: fields.has("appId") ? fields.text("appId") : undefined,
    errcode,
    httpStatus: fields.has("httpStatus") ? fields.number("httpStatus", { min: 400, max: 599, integer: true }) : undefined,
    delayMs: fields.has("delayMs") ? fields.number("delayMs", { min: 0, max: MAX_DELAY_MS }) : undefined,
    dropConnection: drop === true ? "before" : drop === false ? undefined : drop,
    remaining: fields.has("times") ? fields.number("times", { min: 1, max: MAX_TIMES, integer: true }) : undefined,
    probability: fields.has("probability") ? fields.number("probability", { min: 0, max: 1 }) : 1,
  };
  if (fault.errcode === undefined && fault.httpStatus === undefined && fault.delayMs === undefined && fault.dropConnection === undefined) {
    throw new BadRequest("a fault needs errcode, httpStatus, delayMs or dropConnection");
  }
  return fault;
}

function answer(body: unknown): ControlAnswer {
  return { status: 200, body };
}

function refuse(status: number, error: string): ControlAnswer {
  return { status, body: { error } };
}
