// A bounded fuzz of the emulator's whole HTTP surface, WeChat's paths and the control surface. Each request starts
// well formed (the right fields, values that get past the first checks, a token of the right kind) and is then
// mutated: fields dropped, swapped for junk or for values just beyond a bound, unknown fields added, another method,
// another token, a body that is not JSON. The sequence comes from a seeded generator: a failure names the seed and
// the request's number, and FUZZ_SEED=<seed> replays it.
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { defaultSeed } from "../../emulator/index";
import { COFFEE, COMPONENT, HARBOUR, STORE_LOCATOR, expectOk, startHarness, type Harness, type Json } from "./harness";

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const REQUESTS = 3000;

/** mulberry32: tiny and good enough to pick requests; what matters is that a seed replays its sequence. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = generator(SEED);
const chance = (p: number) => random() < p;
const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

type Kind = "miniProgram" | "officialAccount" | "plugin" | "component";
const miniPrograms = defaultSeed.miniPrograms;
const plugins = defaultSeed.plugins ?? [];
const officialAccounts = defaultSeed.officialAccounts ?? [];
const component = defaultSeed.component!;
const accounts: Array<{ appId: string; secret: string; kind: Kind }> = [
  ...miniPrograms.map((account) => ({ ...account, kind: "miniProgram" as const })),
  ...officialAccounts.map((account) => ({ ...account, kind: "officialAccount" as const })),
  ...plugins.map((account) => ({ ...account, kind: "plugin" as const })),
];
const authorizers = Object.keys(component.authorizerRefreshTokens ?? {});
const appIds = [...accounts.map((account) => account.appId), COMPONENT, "wx0000000000000000"];
const versions = [...new Set(plugins.flatMap((plugin) => (plugin.versions ?? []).map((entry) => entry.version))), "9.9.9"];

// No fraction between 0 and 1: as a fault's probability it would make the emulator draw, and a seed no longer replay.
const junk: unknown[] = ["", "x".repeat(300), "__proto__", "constructor", "é中文🙂", 0, -1, 1, 2, 1.5, 500, 501, 1e20, -1e20, 1e308, true, false, null, [], [1], {}, { a: [null] }];
/** Values just beyond (or at) the control surface's documented bounds. */
const edges: unknown[] = [-1, 0, 1, 599, 600, 300_000, 300_001, 1_000_000, 1_000_001, 9_999_999, 10_000_000, 10_000_001, 31_536_000, 31_536_001, 1e20, "x".repeat(257)];

interface Request {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown> | string | undefined;
}

/** Well-formed WeChat requests, one maker per endpoint; `token` names the kind of account the endpoint serves. */
const wechatEndpoints: Array<{ path: string; method: string; token?: Kind | "any"; body: () => Record<string, unknown> }> = [
  { path: "/cgi-bin/token", method: "GET", body: () => credentials() },
  { path: "/cgi-bin/stable_token", method: "POST", body: () => ({ ...credentials(), ...(chance(0.3) ? { force_refresh: chance(0.5) } : {}) }) },
  {
    path: "/cgi-bin/component/api_component_token",
    method: "POST",
    body: () => ({ component_appid: component.appId, component_appsecret: component.secret, component_verify_ticket: component.verifyTicket }),
  },
  {
    path: "/cgi-bin/component/api_authorizer_token",
    method: "POST",
    token: "component",
    body: () => {
      const appId = pick(authorizers);
      return { component_appid: component.appId, authorizer_appid: appId, authorizer_refresh_token: component.authorizerRefreshTokens![appId] };
    },
  },
  {
    path: "/cgi-bin/component/api_get_authorizer_info",
    method: "POST",
    token: "component",
    body: () => ({ component_appid: component.appId, authorizer_appid: pick(authorizers) }),
  },
  {
    path: "/cgi-bin/component/api_get_authorizer_list",
    method: "POST",
    token: "component",
    body: () => ({ component_appid: component.appId, offset: pick([0, 1, 3, 100]), count: pick([1, 2, 500]) }),
  },
  {
    path: "/cgi-bin/openapi/quota/get",
    method: "POST",
    token: "any",
    body: () => ({ cgi_path: chance(0.9) ? pick(wechatEndpoints).path : pick(["wxa/plugin", "/wxa/nothing"]) }),
  },
  {
    path: "/wxa/plugin",
    method: "POST",
    token: "miniProgram",
    body: () =>
      pick([
        { action: "apply", plugin_appid: pick(plugins).appId, reason: "fuzz" },
        { action: "list" },
        { action: "unbind", plugin_appid: pick(plugins).appId },
        { action: "update", plugin_appid: pick(plugins).appId, user_version: pick(versions) },
      ]),
  },
  {
    path: "/wxa/devplugin",
    method: "POST",
    token: "plugin",
    body: () =>
      pick([
        { action: "dev_apply_list", page: 1, num: 10 },
        { action: "dev_agree", appid: pick(miniPrograms).appId },
        { action: "dev_refuse", appid: pick(miniPrograms).appId, reason: "fuzz" },
        { action: "dev_delete", appid: pick(miniPrograms).appId },
      ]),
  },
  { path: "/cgi-bin/wxopen/wxamplinkget", method: "POST", token: "officialAccount", body: () => ({}) },
  {
    path: "/cgi-bin/wxopen/wxamplink",
    method: "POST",
    token: "officialAccount",
    body: () => ({ appid: pick(miniPrograms).appId, notify_users: pick([0, 1]), show_profile: pick([0, 1]) }),
  },
  { path: "/cgi-bin/wxopen/wxampunlink", method: "POST", token: "officialAccount", body: () => ({ appid: pick(miniPrograms).appId }) },
];
const unknownWeChatPaths = ["/", "/cgi-bin/unknown", "/wxa/plugin/", "/WXA/PLUGIN", "/__emulator", "/cgi-bin/token/../token2"];

function credentials(): Record<string, unknown> {
  const account = pick(accounts);
  return { grant_type: "client_credential", appid: account.appId, secret: account.secret };
}

/** Well-formed control requests, with the valid values kept harmless: delays of a few milliseconds, no httpStatus. */
const controlEndpoints: Array<{ path: string; method: string; weight: number; body?: () => Record<string, unknown> }> = [
  { path: "health", method: "GET", weight: 1 },
  // A reset wipes what the fuzz has built up: rare.
  { path: "reset", method: "POST", weight: 0.2 },
  { path: "state", method: "GET", weight: 1 },
  { path: "calls", method: "GET", weight: 1 },
  { path: "calls", method: "DELETE", weight: 0.5 },
  {
    path: "faults",
    method: "POST",
    weight: 2,
    body: () => ({
      path: pick(wechatEndpoints).path,
      ...(chance(0.5) ? { action: pick(["apply", "list", "dev_agree", "update"]) } : {}),
      ...(chance(0.3) ? { appId: pick(appIds) } : {}),
      ...pick([{ errcode: pick([-1, 40001, 42001, 45009, 45011, 89247]) }, { delayMs: pick([0, 1, 5]) }, { dropConnection: pick([true, "before", "after"]) }]),
      times: pick([1, 2, 3]),
      ...(chance(0.3) ? { probability: pick([0, 1]) } : {}),
    }),
  },
  { path: "faults", method: "DELETE", weight: 1 },
  // Mostly limits no run reaches: a low one shuts an endpoint for the rest of the emulator's day.
  {
    path: "quotas",
    method: "POST",
    weight: 1,
    body: () => ({
      path: pick(wechatEndpoints).path,
      ...(chance(0.5) ? { appId: pick(appIds) } : {}),
      dailyLimit: chance(0.8) ? pick([1000, 10_000_000]) : pick([0, 1, 5]),
    }),
  },
  // Mostly small steps: a long one expires every token the fuzz holds.
  { path: "clock", method: "POST", weight: 1, body: () => ({ advanceSeconds: chance(0.8) ? pick([1, 60, 301]) : pick([7200, 48 * 3600, 31_536_000]) }) },
  {
    path: "links/confirm",
    method: "POST",
    weight: 2,
    body: () => ({ officialAccountAppId: HARBOUR, miniProgramAppId: pick(miniPrograms).appId, by: pick(["officialAccount", "miniProgram"]), accept: chance(0.8) }),
  },
  {
    path: "plugins/answer",
    method: "POST",
    weight: 2,
    body: () => {
      const accept = chance(0.7);
      // An application the fuzz made, which may still be pending, or any pair at all.
      const [miniProgramAppId, pluginAppId] = applied.length > 0 && chance(0.8) ? pick(applied.slice(-10)) : [pick(miniPrograms).appId, pick(plugins).appId];
      return { pluginAppId, miniProgramAppId, accept, ...(!accept && chance(0.5) ? { reason: "fuzz" } : {}) };
    },
  },
];
/** [mini program, plugin] of the applications WeChat accepted, newest last. */
const applied: Array<[string, string]> = [];
/** The account each token the fuzz was given belongs to. */
const owners = new Map<string, string>();

const unknownControlPaths = ["nothing", "", "faults/1", "state/", "__proto__", "constructor", "hasOwnProperty"];

/** Drops, replaces or adds fields, now and then replacing the whole body with text that is not a JSON object. */
function mutate(body: Record<string, unknown>, values: readonly unknown[]): Record<string, unknown> | string | undefined {
  if (chance(0.04)) return pick([undefined, "", "not json", "[1]", "42", "{", '{"advanceSeconds": 1e400}', "null"]);
  const mutated = { ...body };
  for (const field of Object.keys(mutated)) {
    if (chance(0.08)) delete mutated[field];
    else if (chance(0.1)) mutated[field] = pick(values);
  }
  // defineProperty, because assigning "__proto__" would set the prototype instead of adding a field.
  if (chance(0.04)) Object.defineProperty(mutated, pick(["extra", "__proto__", "Action"]), { value: pick(junk), enumerable: true });
  return mutated;
}

function wechatRequest(tokens: Map<Kind, string[]>): Request {
  const endpoint = pick(wechatEndpoints);
  const path = chance(0.04) ? pick(unknownWeChatPaths) : endpoint.path;
  const method = chance(0.05) ? pick(["GET", "POST", "PUT", "DELETE"]) : endpoint.method;
  const query: Record<string, string> = {};
  if (endpoint.token || chance(0.05)) {
    // The right kind of token mostly; otherwise another kind's, a dead one (expired, rotated) or none at all.
    const kind = endpoint.token && endpoint.token !== "any" && chance(0.8) ? endpoint.token : pick(["miniProgram", "officialAccount", "plugin", "component"] as const);
    const candidates = tokens.get(kind) ?? [];
    const token = chance(0.9) && candidates.length > 0 ? pick(candidates.slice(-5)) : pick(["", "not-a-token", ...candidates.slice(0, 3)]);
    if (chance(0.95)) query[endpoint.token === "component" && chance(0.5) ? "component_access_token" : "access_token"] = token;
  }
  const body = mutate(endpoint.body(), [...junk, ...appIds]);
  if (method === "GET") {
    // GET /cgi-bin/token reads its fields from the query.
    if (typeof body === "object") for (const [field, value] of Object.entries(body)) query[field] = String(value);
    return { method, path, query, body: undefined };
  }
  return { method, path, query, body };
}

function controlRequest(): Request {
  if (chance(0.03)) return { method: "POST", path: `/__emulator/${pick(unknownControlPaths)}`, query: {}, body: "{}" };
  const total = controlEndpoints.reduce((sum, endpoint) => sum + endpoint.weight, 0);
  let draw = random() * total;
  const endpoint = controlEndpoints.find((candidate) => (draw -= candidate.weight) < 0) ?? controlEndpoints[0];
  const method = chance(0.04) ? pick(["GET", "POST", "DELETE", "PATCH"]) : endpoint.method;
  const body = method === "GET" ? undefined : mutate(endpoint.body?.() ?? {}, [...junk, ...edges, ...appIds]);
  return { method, path: `/__emulator/${endpoint.path}`, query: {}, body };
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

it(`answers ${REQUESTS} random requests (seed ${SEED}) as WeChat or the control surface would, and the world keeps working`, async () => {
  const unexpected = vi.spyOn(console, "error");
  const tokens = new Map<Kind, string[]>();
  const outcomes = new Set<string>();

  for (let i = 0; i < REQUESTS; i++) {
    const wechat = chance(0.7);
    const request = wechat ? wechatRequest(tokens) : controlRequest();
    const url = `${h.url}${request.path}?${new URLSearchParams(request.query).toString()}`;
    const body = typeof request.body === "object" ? JSON.stringify(request.body) : request.body;
    const where = `request #${i} of seed ${SEED}: ${request.method} ${request.path} ${JSON.stringify(request.query)} ${body ?? ""}`;

    let response: Response;
    try {
      response = await fetch(url, { method: request.method, body });
    } catch (error) {
      // Only a fault may drop a connection: the call log names it, with no HTTP status.
      expect(wechat, `${where}: ${String(error)}`).toBe(true);
      await expectFaulted(url, { httpStatus: null }, where);
      continue;
    }
    expect(response.headers.get("content-type"), where).toMatch(/^application\/json/);
    const answer = (await response.json()) as Json;
    const context = `${where} → HTTP ${response.status} ${JSON.stringify(answer)}`;
    expect(answer, context).toBeTypeOf("object");
    if (wechat) {
      expectWeChatAnswer(response.status, answer, context);
      // -1 is also what an internal failure answers; only a fault that injected it may give it.
      if (answer.errcode === -1) await expectFaulted(url, { errcode: -1, httpStatus: 200 }, context);
      keepToken(tokens, request, answer);
      if (answer.errcode === 0 && typeof request.body === "object" && request.body.action === "apply") {
        applied.push([owners.get(request.query.access_token) ?? "", String(request.body.plugin_appid)]);
      }
      outcomes.add(`${request.path} ${answer.errcode ?? "token"}`);
    } else {
      expect(response.status, context).toBeGreaterThanOrEqual(200);
      expect(response.status, context).toBeLessThan(500);
      if (response.status >= 400) expect(answer.error, context).toBeTypeOf("string");
      outcomes.add(`${request.method} ${request.path} ${response.status}`);
    }
  }

  expect(unexpected).not.toHaveBeenCalled();
  unexpected.mockRestore();
  // The fuzz reached past the first checks: every WeChat endpoint said "ok" at least once, and every control request
  // that takes a body was refused for it at least once.
  for (const endpoint of wechatEndpoints) {
    expect([...outcomes].some((outcome) => outcome.startsWith(`${endpoint.path} `) && / (0|token)$/.test(outcome)), endpoint.path).toBe(true);
  }
  for (const endpoint of controlEndpoints.filter((candidate) => candidate.body)) expect(outcomes).toContain(`POST /__emulator/${endpoint.path} 400`);
  // Whatever the fuzz left behind (faults, a clock years ahead), a reset gives a world that works.
  await h.client.reset();
  expectOk(await h.post("/wxa/plugin", { action: "apply", plugin_appid: STORE_LOCATOR }, await h.stableToken(COFFEE)));
}, 120_000);

/** The call log's last record is this call's, answered by a fault as `expected` says. */
async function expectFaulted(url: string, expected: object, where: string): Promise<void> {
  const { calls } = await h.client.calls();
  expect(calls.at(-1), where).toMatchObject({ path: new URL(url).pathname, ...expected, fault: expect.any(Number) });
}

/** WeChat-style JSON: an errcode and errmsg, or a token answer; never an HTTP error (the fuzz injects no httpStatus). */
function expectWeChatAnswer(status: number, answer: Json, context: string): void {
  if (status === 404) {
    expect(answer.errcode, context).toBe(40066);
    return;
  }
  expect(status, context).toBe(200);
  if ("errcode" in answer) {
    expect(answer.errcode, context).toBeTypeOf("number");
    expect(answer.errmsg, context).toBeTypeOf("string");
  } else {
    const tokenAnswer = ["access_token", "component_access_token", "authorizer_access_token", "authorizer_info", "total_count"].some((field) => field in answer);
    expect(tokenAnswer, context).toBe(true);
  }
}

/** Remembers a token an answer gave, under the kind of account it serves, for later requests to use. */
function keepToken(tokens: Map<Kind, string[]>, request: Request, answer: Json): void {
  const token = answer.access_token ?? answer.component_access_token ?? answer.authorizer_access_token;
  if (typeof token !== "string") return;
  const fields = typeof request.body === "object" ? request.body : request.query;
  const appId = answer.component_access_token ? COMPONENT : String(fields.authorizer_appid ?? fields.appid);
  const kind = appId === COMPONENT ? "component" : accounts.find((account) => account.appId === appId)?.kind;
  owners.set(token, appId);
  if (kind) tokens.set(kind, [...(tokens.get(kind) ?? []), token]);
}
