import { startEmulator } from "../../emulator/index";
import type { Seed } from "../../emulator/index";

/** Default-seed accounts, named for what they are in the tests. */
export const seed = {
  coffee: "wxc0ffee0000000001",
  bakery: "wxb4ce000000000002",
  books: "wxb00c000000000003",
  mall: "wx5a1e000000000004",
  officialAccount: "wx0a00000000000001",
  storeLocator: "wx1000000000000001", // needs approval; 3.0.0 has no quick update
  liveChat: "wx1000000000000002", // no approval
  membership: "wx1000000000000003", // needs approval
  reviews: "wx1000000000000004", // no approval
  delivery: "wx1000000000000005", // needs approval
  component: { appId: "wx0c00000000000001", appSecret: "component-secret-demo", verifyTicket: "ticket@@@demo" },
  pluginSecrets: {
    wx1000000000000001: "plugin-secret-1",
    wx1000000000000002: "plugin-secret-2",
    wx1000000000000003: "plugin-secret-3",
    wx1000000000000004: "plugin-secret-4",
    wx1000000000000005: "plugin-secret-5",
  } as Record<string, string>,
  appSecrets: {
    wxc0ffee0000000001: "mp-secret-coffee",
    wxb4ce000000000002: "mp-secret-bakery",
    wxb00c000000000003: "mp-secret-books",
    wx5a1e000000000004: "mp-secret-mall",
    wx0a00000000000001: "oa-secret-harbour",
  } as Record<string, string>,
};

export function refreshTokens(): Record<string, string> {
  return Object.fromEntries(Object.keys(seed.appSecrets).map((appId) => [appId, `refreshtoken@@@${appId}`]));
}

export interface CallRecord {
  path: string;
  action?: string;
  appId?: string;
  errcode: number;
}

/** A running emulator and its control surface, as a user's own test suite would drive it. */
export class Emulator {
  private constructor(
    readonly url: string,
    readonly close: () => Promise<void>,
  ) {}

  static async start(options: { seed?: Seed; latencyMs?: number } = {}): Promise<Emulator> {
    const emulator = await startEmulator({ port: 0, ...options });
    return new Emulator(emulator.url, emulator.close);
  }

  async control(method: string, path: string, body?: unknown): Promise<any> {
    const response = await fetch(`${this.url}/__emulator/${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator ${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  reset = () => this.control("POST", "reset");
  state = () => this.control("GET", "state");
  clearCalls = () => this.control("DELETE", "calls");
  fault = (fault: Record<string, unknown>) => this.control("POST", "faults", fault);
  clearFaults = () => this.control("DELETE", "faults");
  advanceClock = (advanceSeconds: number) => this.control("POST", "clock", { advanceSeconds });
  confirmLink = (officialAccountAppId: string, miniProgramAppId: string, by: "officialAccount" | "miniProgram", accept = true) =>
    this.control("POST", "links/confirm", { officialAccountAppId, miniProgramAppId, by, accept });

  async calls(): Promise<{ calls: CallRecord[]; counts: Record<string, number> }> {
    return this.control("GET", "calls");
  }

  /** A WeChat call made directly, as another tool or a person in the console would. */
  async wechat(path: string, appId: string, secret: string, body: unknown): Promise<any> {
    const tokenAnswer = await (await fetch(`${this.url}/cgi-bin/stable_token`, {
      method: "POST",
      body: JSON.stringify({ grant_type: "client_credential", appid: appId, secret }),
    })).json();
    const response = await fetch(`${this.url}${path}?access_token=${encodeURIComponent(tokenAnswer.access_token)}`, {
      method: "POST",
      body: JSON.stringify(body),
    });
    return response.json();
  }

  /** The plugin developer's answer to a mini program's application. */
  async developer(action: "dev_agree" | "dev_refuse" | "dev_delete", pluginAppId: string, miniProgramAppId: string): Promise<void> {
    const answer = await this.wechat("/wxa/devplugin", pluginAppId, seed.pluginSecrets[pluginAppId], {
      action,
      appid: miniProgramAppId,
      ...(action === "dev_refuse" ? { reason: "not for this shop" } : {}),
    });
    if (answer.errcode !== 0) throw new Error(`${action}: ${JSON.stringify(answer)}`);
  }

  /** Unbinds a plugin behind Pulumi's back, as someone in the WeChat console would. */
  async unbindOutOfBand(miniProgramAppId: string, pluginAppId: string): Promise<void> {
    const answer = await this.wechat("/wxa/plugin", miniProgramAppId, seed.appSecrets[miniProgramAppId], { action: "unbind", plugin_appid: pluginAppId });
    if (answer.errcode !== 0) throw new Error(`unbind: ${JSON.stringify(answer)}`);
  }
}
