import { afterAll, beforeAll, beforeEach } from "vitest";
import { defaultSeed, EmulatorClient, startEmulator } from "../../emulator/index";
import type { EmulatorOptions, FaultSpec, LinkAnswer, LinkState } from "../../emulator/index";

function account<T extends { appId: string; nickname?: string }>(accounts: T[] | undefined, nickname: string): T {
  const found = accounts?.find((candidate) => candidate.nickname === nickname);
  if (!found) throw new Error(`the emulator's default seed has no ${nickname}`);
  return found;
}

const component = defaultSeed.component!;
const officialAccount = account(defaultSeed.officialAccounts, "Harbour Group");

/** Default-seed accounts (the emulator's `defaultSeed`), named for what they are in the tests. */
export const seed = {
  coffee: account(defaultSeed.miniPrograms, "Harbour Coffee").appId,
  bakery: account(defaultSeed.miniPrograms, "Corner Bakery").appId,
  books: account(defaultSeed.miniPrograms, "Riverside Books").appId,
  mall: account(defaultSeed.miniPrograms, "Outlet Mall").appId, // a store mini program, shown nearby
  officialAccount: officialAccount.appId,
  storeLocator: account(defaultSeed.plugins, "Store Locator").appId, // needs approval; 3.0.0 has no quick update
  liveChat: account(defaultSeed.plugins, "Live Chat").appId, // no approval
  membership: account(defaultSeed.plugins, "Membership Card").appId, // needs approval
  reviews: account(defaultSeed.plugins, "Reviews").appId, // no approval
  delivery: account(defaultSeed.plugins, "Delivery Tracker").appId, // needs approval
  component: { appId: component.appId, appSecret: component.secret, verifyTicket: component.verifyTicket },
  appSecrets: Object.fromEntries([...defaultSeed.miniPrograms, officialAccount].map((app) => [app.appId, app.secret])),
};

/** The third-party platform's refresh token of every account that authorized it. */
export function refreshTokens(): Record<string, string> {
  return { ...component.authorizerRefreshTokens };
}

/** What a WeChat endpoint answers: its `errcode` (absent on token answers), `errmsg` and data. */
export type WeChatAnswer = { errcode?: number; errmsg?: string } & Record<string, unknown>;

/** A running emulator, driven through the package's control client as a user's own test suite would. */
export class Emulator extends EmulatorClient {
  private constructor(
    url: string,
    readonly close: () => Promise<void>,
  ) {
    super(url);
  }

  static async start(options: Omit<EmulatorOptions, "port"> = {}): Promise<Emulator> {
    const emulator = await startEmulator({ port: 0, ...options });
    return new Emulator(emulator.url, () => emulator.close());
  }

  /** addFault, by the name the tests use. */
  fault(fault: FaultSpec): Promise<number> {
    return this.addFault(fault);
  }

  /** An admin's answer to a link invitation (or unlink); the tests' shorthand takes the app ids first. */
  override confirmLink(answer: LinkAnswer): Promise<LinkState | null>;
  override confirmLink(officialAccountAppId: string, miniProgramAppId: string, by: LinkAnswer["by"], accept?: boolean): Promise<LinkState | null>;
  override confirmLink(answerOrAccount: LinkAnswer | string, miniProgramAppId?: string, by?: LinkAnswer["by"], accept = true): Promise<LinkState | null> {
    return super.confirmLink(typeof answerOrAccount === "string" ? { officialAccountAppId: answerOrAccount, miniProgramAppId: miniProgramAppId!, by: by!, accept } : answerOrAccount);
  }

  /** The plugin developer's answer to a mini program's application: `dev_agree` or `dev_refuse`. */
  async developer(action: "dev_agree" | "dev_refuse", pluginAppId: string, miniProgramAppId: string): Promise<void> {
    await this.answerPluginApplication(
      action === "dev_agree" ? { pluginAppId, miniProgramAppId, accept: true } : { pluginAppId, miniProgramAppId, accept: false, reason: "not for this shop" },
    );
  }

  /** A WeChat call made directly, as another tool or a person in the console would. */
  async wechat(path: string, appId: string, secret: string, body: unknown): Promise<WeChatAnswer> {
    const token = await fetch(`${this.url}/cgi-bin/stable_token`, {
      method: "POST",
      body: JSON.stringify({ grant_type: "client_credential", appid: appId, secret }),
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const response = await fetch(`${this.url}${path}?access_token=${encodeURIComponent(access_token)}`, {
      method: "POST",
      body: JSON.stringify(body),
    });
    return (await response.json()) as WeChatAnswer;
  }

  /** Unbinds a plugin behind Pulumi's back, as someone in the WeChat console would. */
  async unbindOutOfBand(miniProgramAppId: string, pluginAppId: string): Promise<void> {
    const answer = await this.wechat("/wxa/plugin", miniProgramAppId, seed.appSecrets[miniProgramAppId], { action: "unbind", plugin_appid: pluginAppId });
    if (answer.errcode !== 0) throw new Error(`unbind: ${JSON.stringify(answer)}`);
  }
}

/**
 * The emulator of a test file: started before its tests, closed after them, and reset to the seed before each one
 * (unless `reset` is false). What it returns stands for that emulator from the start, so that the file can keep it in a
 * constant at its top level; it is usable from the file's hooks and tests on.
 */
export function useEmulator(options: Omit<EmulatorOptions, "port"> & { reset?: boolean } = {}): Emulator {
  const { reset = true, ...start } = options;
  let started: Emulator | undefined;
  beforeAll(async () => {
    started = await Emulator.start(start);
  });
  afterAll(() => started?.close());
  if (reset) beforeEach(() => running().reset());
  const running = (): Emulator => {
    if (!started) throw new Error("the emulator is used before useEmulator's beforeAll started it");
    return started;
  };
  return new Proxy({} as Emulator, {
    get(_, key) {
      const value: unknown = Reflect.get(running(), key);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(running()) : value;
    },
  });
}
