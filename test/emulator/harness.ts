import { expect } from "vitest";
import { startEmulator, defaultSeed, type RunningEmulator, type EmulatorOptions, type Seed } from "../../emulator/index";

export const COFFEE = "wxc0ffee0000000001";
export const BAKERY = "wxb4ce000000000002";
export const BOOKS = "wxb00c000000000003";
export const MALL = "wx5a1e000000000004";
export const HARBOUR = "wx0a00000000000001";
export const STORE_LOCATOR = "wx1000000000000001";
export const LIVE_CHAT = "wx1000000000000002";
export const MEMBERSHIP = "wx1000000000000003";
export const REVIEWS = "wx1000000000000004";
export const DELIVERY = "wx1000000000000005";
export const COMPONENT = "wx0c00000000000001";

export type Json = Record<string, any>;

/** A running emulator plus small clients for its WeChat endpoints and control surface. */
export interface Harness {
  emulator: RunningEmulator;
  url: string;
  /** POSTs JSON (or a raw string) to a WeChat path, with `access_token` when given. */
  post(path: string, body?: unknown, token?: string, tokenParam?: string): Promise<Json>;
  stableToken(appId: string): Promise<string>;
  componentToken(): Promise<string>;
  authorizerToken(appId: string): Promise<string>;
  control(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  state(): Promise<Json>;
  confirmLink(miniProgramAppId: string, by: "officialAccount" | "miniProgram", accept: boolean): Promise<number>;
  advance(seconds: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts an emulator; the token helpers need the seed as an object (the default seed when none is given). */
export async function startHarness(options: EmulatorOptions = {}): Promise<Harness> {
  const emulator = await startEmulator(options);
  const seed: Seed = typeof options.seed === "object" ? options.seed : defaultSeed;
  const url = emulator.url;

  const post: Harness["post"] = async (path, body, token, tokenParam = "access_token") => {
    const target = token === undefined ? `${url}${path}` : `${url}${path}?${tokenParam}=${encodeURIComponent(token)}`;
    const response = await fetch(target, {
      method: "POST",
      body: typeof body === "string" ? body : body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    return (await response.json()) as Json;
  };

  const secretOf = (appId: string): string => {
    const account = [...seed.miniPrograms, ...(seed.officialAccounts ?? []), ...(seed.plugins ?? [])].find(
      (candidate) => candidate.appId === appId,
    );
    if (!account) throw new Error(`no account ${appId} in the seed`);
    return account.secret;
  };

  const stableToken: Harness["stableToken"] = async (appId) => {
    const answer = await post("/cgi-bin/stable_token", { grant_type: "client_credential", appid: appId, secret: secretOf(appId) });
    expect(answer.access_token, JSON.stringify(answer)).toBeTypeOf("string");
    return answer.access_token as string;
  };

  const componentToken: Harness["componentToken"] = async () => {
    const component = seed.component!;
    const answer = await post("/cgi-bin/component/api_component_token", {
      component_appid: component.appId,
      component_appsecret: component.secret,
      component_verify_ticket: component.verifyTicket,
    });
    expect(answer.component_access_token, JSON.stringify(answer)).toBeTypeOf("string");
    return answer.component_access_token as string;
  };

  const authorizerToken: Harness["authorizerToken"] = async (appId) => {
    const component = seed.component!;
    const answer = await post(
      "/cgi-bin/component/api_authorizer_token",
      {
        component_appid: component.appId,
        authorizer_appid: appId,
        authorizer_refresh_token: component.authorizerRefreshTokens![appId],
      },
      await componentToken(),
      "component_access_token",
    );
    expect(answer.authorizer_access_token, JSON.stringify(answer)).toBeTypeOf("string");
    return answer.authorizer_access_token as string;
  };

  const control: Harness["control"] = async (method, path, body) => {
    const response = await fetch(`${url}/__emulator/${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };

  return {
    emulator,
    url,
    post,
    stableToken,
    componentToken,
    authorizerToken,
    control,
    state: async () => (await control("GET", "state")).body,
    confirmLink: async (miniProgramAppId, by, accept) =>
      (await control("POST", "links/confirm", { officialAccountAppId: HARBOUR, miniProgramAppId, by, accept })).status,
    advance: async (seconds) => {
      expect((await control("POST", "clock", { advanceSeconds: seconds })).status).toBe(200);
    },
    close: () => emulator.close(),
  };
}

/** The default seed with changes, for worlds the demo seed does not contain. */
export function seedWith(change: (seed: Seed) => void): Seed {
  const seed = structuredClone(defaultSeed);
  change(seed);
  return seed;
}

/** Asserts a WeChat error answer: the code, and an errmsg ending with a request id as real answers do. */
export function expectError(answer: Json, errcode: number): void {
  expect(answer.errcode, JSON.stringify(answer)).toBe(errcode);
  expect(answer.errmsg).toMatch(/ rid: [0-9a-f]+-[0-9a-f]+-[0-9a-f]+$/);
}

export function expectOk(answer: Json): void {
  expect(answer, JSON.stringify(answer)).toMatchObject({ errcode: 0, errmsg: "ok" });
}
