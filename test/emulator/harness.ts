import { expect } from "vitest";
import {
  defaultSeed,
  EmulatorClient,
  generatedAccounts,
  startEmulator,
  type EmulatorOptions,
  type LinkState,
  type RunningEmulator,
  type Seed,
  type WorldState,
} from "../../emulator/index";
import { seed as defaultAccounts } from "../support/emulator";

// The default seed's accounts, as test/support/emulator.ts finds them by nickname, under the names these tests use.
export const COFFEE = defaultAccounts.coffee;
export const BAKERY = defaultAccounts.bakery;
export const BOOKS = defaultAccounts.books;
/** A store mini program shown nearby: it cannot be unlinked. */
export const MALL = defaultAccounts.mall;
export const HARBOUR = defaultAccounts.officialAccount;
/** Needs approval; 3.0.0 has no quick update. */
export const STORE_LOCATOR = defaultAccounts.storeLocator;
/** Needs no approval. */
export const LIVE_CHAT = defaultAccounts.liveChat;
export const MEMBERSHIP = defaultAccounts.membership;
export const REVIEWS = defaultAccounts.reviews;
export const DELIVERY = defaultAccounts.delivery;
export const COMPONENT = defaultAccounts.component.appId;

/** A WeChat answer, read field by field as a client would: untyped JSON on purpose. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** A running emulator, a small client for its WeChat endpoints, and the control surface's own client. */
export interface Harness {
  emulator: RunningEmulator;
  url: string;
  client: EmulatorClient;
  /** POSTs JSON (or a raw string) to a WeChat path, with `access_token` when given. */
  post(path: string, body?: unknown, token?: string, tokenParam?: string): Promise<Json>;
  stableToken(appId: string): Promise<string>;
  componentToken(): Promise<string>;
  authorizerToken(appId: string): Promise<string>;
  state(): Promise<WorldState>;
  /** Answers for the admin of HARBOUR's link to the mini program; resolves to the link afterwards. */
  confirmLink(miniProgramAppId: string, by: "officialAccount" | "miniProgram", accept: boolean): Promise<LinkState | null>;
  advance(seconds: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts an emulator; the token helpers need the seed as an object (the default seed when none is given), and know its generated accounts too. */
export async function startHarness(options: EmulatorOptions = {}): Promise<Harness> {
  const emulator = await startEmulator(options);
  const seed: Seed = typeof options.seed === "object" ? options.seed : defaultSeed;
  const generated = generatedAccounts(seed);
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
    const written = [...seed.miniPrograms, ...(seed.officialAccounts ?? []), ...(seed.plugins ?? [])];
    const account = [...written, ...generated.miniPrograms, ...generated.officialAccounts].find((candidate) => candidate.appId === appId);
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
        authorizer_refresh_token: component.authorizerRefreshTokens?.[appId] ?? generated.authorizerRefreshTokens[appId],
      },
      await componentToken(),
      "component_access_token",
    );
    expect(answer.authorizer_access_token, JSON.stringify(answer)).toBeTypeOf("string");
    return answer.authorizer_access_token as string;
  };

  const client = new EmulatorClient(url);

  return {
    emulator,
    url,
    client,
    post,
    stableToken,
    componentToken,
    authorizerToken,
    state: () => client.state(),
    confirmLink: (miniProgramAppId, by, accept) => client.confirmLink({ officialAccountAppId: HARBOUR, miniProgramAppId, by, accept }),
    advance: async (seconds) => {
      await client.advanceClock(seconds);
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

/** Asserts that the control surface refused a request with this HTTP status (and, if given, a message matching). */
export async function expectRefused(request: Promise<unknown>, status: number, message?: RegExp): Promise<void> {
  await expect(request).rejects.toMatchObject({ name: "EmulatorControlError", status, ...(message ? { message: expect.stringMatching(message) } : {}) });
}
