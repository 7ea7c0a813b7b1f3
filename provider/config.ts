/**
 * The provider's settings: stack config under `wechat:` (read in the dynamic provider's `configure`), each key
 * also from the environment as WECHAT_<KEY_IN_SNAKE_CASE>. Stack config wins. Values are never echoed in
 * messages: most of them are secrets.
 */
export interface ComponentCredentials {
  appId: string;
  /** Absent only with a token store in read-only mode, which never fetches the platform's token itself. */
  appSecret?: string;
  /** Absent only with a token store whose layout keeps the ticket (wxjava, wechatpy): the store's is then read. */
  verifyTicket?: string;
}

/**
 * The Redis in which the platform's own servers keep their tokens, as their WeChat SDK does: see
 * provider/client/redis-tokens.ts for the layouts.
 */
export interface TokenStoreConfig {
  /** The store's URL without its password: the only form messages print. */
  url: string;
  host: string;
  port: number;
  tls: boolean;
  database: number;
  username?: string;
  password?: string;
  /** WxJava's or wechatpy's key names, or a template of the platform's own with `{appId}` (and `{componentAppId}`). */
  layout: "wxjava" | "wechatpy" | { template: string };
  /** WxJava's `keyPrefix`, wechatpy's `RedisStorage` prefix (default "wechatpy"), or text put before a template's keys. */
  prefix?: string;
  /** Never fetch a token the store lacks, nor write to the store: the platform's servers alone keep it. */
  readOnly: boolean;
}

export interface ProviderConfig {
  endpoint: string;
  accessTokens: Record<string, string>;
  tokenUrl?: string;
  /** Sent to tokenUrl as `Authorization: Bearer …`, so that only its holders get tokens (the fleet's token broker requires it). */
  tokenUrlSecret?: string;
  /** The platform's Redis, read for tokens before fetching any (see TokenStoreConfig). */
  tokenStore?: TokenStoreConfig;
  component?: ComponentCredentials;
  authorizerRefreshTokens: Record<string, string>;
  appSecrets: Record<string, string>;
  requestTimeoutMs: number;
  maxAttempts: number;
  /**
   * Creates adopt what already exists at WeChat, as every resource's `adopt` input does: for the one run after an
   * interrupted or failed run of the same stack, whose creates WeChat may have acted on.
   */
  adopt: boolean;
}

export const defaultEndpoint = "https://api.weixin.qq.com";

export const configKeys = [
  "endpoint",
  "accessTokens",
  "tokenUrl",
  "tokenUrlSecret",
  "tokenStore",
  "tokenStorePassword",
  "tokenStoreLayout",
  "tokenStorePrefix",
  "tokenStoreMode",
  "componentAppId",
  "componentAppSecret",
  "componentVerifyTicket",
  "authorizerRefreshTokens",
  "appSecrets",
  "requestTimeoutMs",
  "maxAttempts",
  "adopt",
] as const;

export type ConfigKey = (typeof configKeys)[number];

/**
 * What each key holds, for the native provider's schema (provider/native/schema.ts): its type, whether it is a secret
 * (kept encrypted in the state and shown as [secret]), and what it means, as the README's configuration table says.
 * JSON maps are strings, as stack config holds them.
 */
export const configSettings: Record<ConfigKey, { type: "string" | "integer" | "boolean"; secret: boolean; description: string }> = {
  endpoint: { type: "string", secret: false, description: "WeChat's API (default https://api.weixin.qq.com), or the emulator's URL. Only https://, except on loopback." },
  accessTokens: { type: "string", secret: true, description: 'JSON {"<appId>": "<access token>"}.' },
  tokenUrl: { type: "string", secret: false, description: "A central token service: GET <tokenUrl>?appid=<appId> answers {access_token, expires_in}; https or loopback." },
  tokenUrlSecret: { type: "string", secret: true, description: "Sent to tokenUrl as Authorization: Bearer <secret> on each token request." },
  tokenStore: {
    type: "string",
    secret: false,
    description: "The Redis in which your platform's servers keep their tokens, redis://[user@]host[:port][/database] (rediss:// for TLS): tokens are read there before any is fetched. A secret if the password is in it.",
  },
  tokenStorePassword: { type: "string", secret: true, description: "The token store's password, instead of one in the URL." },
  tokenStoreLayout: {
    type: "string",
    secret: false,
    description: "The store's key names: wxjava (the default; WxJava's weixin-java-open), wechatpy (wechatpy's RedisStorage), or a template of your own with {appId} and optionally {componentAppId}.",
  },
  tokenStorePrefix: { type: "string", secret: false, description: "WxJava's keyPrefix, wechatpy's prefix (default wechatpy), or text put before a template's keys." },
  tokenStoreMode: {
    type: "string",
    secret: false,
    description: "read-write (the default): a token the store lacks is fetched and written back for your servers; read-only: the provider never writes to the store, and fails instead.",
  },
  componentAppId: { type: "string", secret: false, description: "The third-party platform's app id." },
  componentAppSecret: { type: "string", secret: true, description: "The third-party platform's AppSecret." },
  componentVerifyTicket: { type: "string", secret: true, description: "The latest component_verify_ticket WeChat pushed to the platform." },
  authorizerRefreshTokens: { type: "string", secret: true, description: 'JSON {"<appId>": "<authorizer refresh token>"}.' },
  appSecrets: { type: "string", secret: true, description: 'JSON {"<appId>": "<AppSecret>"}, used through stable_token.' },
  requestTimeoutMs: { type: "integer", secret: false, description: "Time-out of one HTTP call, in milliseconds (default 10000)." },
  maxAttempts: { type: "integer", secret: false, description: "Attempts per call for transient failures (default 8)." },
  adopt: {
    type: "boolean",
    secret: false,
    description: "true: every create of the run adopts a binding or link that already exists at WeChat, as the adopt input does; for the one run after an interrupted or failed run.",
  },
};

/** The environment variable a configuration key is also read from: the one spelling of it. */
export function envName(key: ConfigKey): string {
  return `WECHAT_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/**
 * Where an app id's access token comes from, in the order the provider looks (provider/client/token-cache.ts), with
 * the keys that configure each: the one list the provider's checks, its messages and the fleet runner's pre-flight use.
 */
export const credentialSources = [
  { source: "accessTokens", keys: ["accessTokens"], configured: (c: ProviderConfig) => Object.keys(c.accessTokens).length > 0 },
  { source: "tokenUrl", keys: ["tokenUrl"], configured: (c: ProviderConfig) => c.tokenUrl !== undefined },
  { source: "tokenStore", keys: ["tokenStore"], configured: (c: ProviderConfig) => c.tokenStore !== undefined },
  {
    source: "component",
    keys: ["componentAppId", "componentAppSecret", "componentVerifyTicket", "authorizerRefreshTokens"],
    configured: (c: ProviderConfig) => c.component !== undefined,
  },
  { source: "appSecrets", keys: ["appSecrets"], configured: (c: ProviderConfig) => Object.keys(c.appSecrets).length > 0 },
] as const satisfies ReadonlyArray<{ source: string; keys: readonly ConfigKey[]; configured: (c: ProviderConfig) => boolean }>;

export type CredentialSource = (typeof credentialSources)[number]["source"];

/** Whether the configuration gives any credential at all. */
export function hasCredentials(config: ProviderConfig): boolean {
  return credentialSources.some(({ configured }) => configured(config));
}

/** The credential sources in words, each with its keys and their environment variables. */
function sourcesInWords(): string {
  const keys = (source: CredentialSource) => credentialSources.find((s) => s.source === source)!.keys.map((k) => `wechat:${k} (${envName(k)})`);
  return [
    ...keys("accessTokens"),
    ...keys("tokenUrl"),
    ...keys("tokenStore"),
    `the third-party platform's ${keys("component").join(", ")}`,
    ...keys("appSecrets"),
  ].join("; ");
}

/** A message for an app id no credential serves, naming the keys that would. */
export function missingCredential(appId: string): string {
  return `no credential for ${appId}: set one of ${sourcesInWords()}, with an entry for ${appId} where the key takes one`;
}

/** A message for a configuration without any credential: the fleet runner refuses it before anything runs. */
export function noCredentials(): string {
  return `no WeChat credentials: set one of ${sourcesInWords()}`;
}

/** The outcome of reading configuration: the config, or every problem found, each naming its key. */
export type LoadedConfig = { ok: true; config: ProviderConfig } | { ok: false; problems: string[] };

export function loadConfig(stackConfig: (key: string) => string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const problems: string[] = [];
  const raw = (key: ConfigKey): string | undefined => {
    const value = stackConfig(`wechat:${key}`) ?? env[envName(key)];
    return value === undefined || value.trim() === "" ? undefined : value;
  };
  const where = (key: ConfigKey) => `wechat:${key} (or ${envName(key)})`;

  const endpoint = raw("endpoint") ?? defaultEndpoint;
  const endpointProblem = checkUrl(endpoint);
  if (endpointProblem) problems.push(`${where("endpoint")} ${endpointProblem}`);

  const tokenUrl = raw("tokenUrl");
  const tokenUrlProblem = tokenUrl === undefined ? undefined : checkUrl(tokenUrl);
  if (tokenUrlProblem) problems.push(`${where("tokenUrl")} ${tokenUrlProblem}`);

  const appIdMap = (key: ConfigKey): Record<string, string> => {
    const value = raw(key);
    if (value === undefined) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      problems.push(`${where(key)} is not valid JSON; expected an object {"<appId>": "<value>"}`);
      return {};
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      problems.push(`${where(key)} must be a JSON object {"<appId>": "<value>"}`);
      return {};
    }
    const result: Record<string, string> = {};
    for (const [appId, secret] of Object.entries(parsed)) {
      if (!isAppId(appId)) problems.push(`${where(key)} has a key that is not an app id${describeKey(appId)}`);
      else if (typeof secret !== "string" || secret === "") problems.push(`${where(key)} has no string value for ${appId}`);
      else result[appId] = secret;
    }
    return result;
  };

  const tokenStore = readTokenStore(raw, where, problems);

  const componentParts = {
    appId: raw("componentAppId"),
    appSecret: raw("componentAppSecret"),
    verifyTicket: raw("componentVerifyTicket"),
  };
  let component: ComponentCredentials | undefined;
  const given = Object.values(componentParts).filter((v) => v !== undefined).length;
  // A store refused above is problem enough: which of these it would have supplied is unknown.
  const refusedStore = tokenStore === undefined && raw("tokenStore") !== undefined;
  const missing = refusedStore ? [] : componentKeysNeeded(tokenStore).filter((k) => raw(k) === undefined);
  if (given > 0 && missing.length === 0) {
    component = componentParts as ComponentCredentials;
    if (!isAppId(component.appId)) problems.push(`${where("componentAppId")} is not an app id (wx followed by 16 hex digits)`);
  } else if (given > 0) {
    problems.push(`third-party platform credentials are incomplete: set ${missing.map(where).join(", ")}`);
  } else if (tokenStore && storeNeedsComponentAppId(tokenStore)) {
    problems.push(`${where("tokenStoreLayout")} names its keys after the third-party platform: set ${where("componentAppId")}`);
  }

  const positive = (key: ConfigKey, fallback: number): number => {
    const value = raw(key);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      problems.push(`${where(key)} must be a positive whole number`);
      return fallback;
    }
    return n;
  };

  const flag = (key: ConfigKey): boolean => {
    const value = raw(key)?.trim().toLowerCase();
    if (value === undefined || value === "false") return false;
    if (value === "true") return true;
    problems.push(`${where(key)} must be true or false`);
    return false;
  };

  const config: ProviderConfig = {
    endpoint: endpoint.replace(/\/+$/, ""),
    accessTokens: appIdMap("accessTokens"),
    tokenUrl,
    tokenUrlSecret: raw("tokenUrlSecret"),
    tokenStore,
    component,
    authorizerRefreshTokens: appIdMap("authorizerRefreshTokens"),
    appSecrets: appIdMap("appSecrets"),
    requestTimeoutMs: positive("requestTimeoutMs", 10_000),
    maxAttempts: positive("maxAttempts", 8),
    adopt: flag("adopt"),
  };
  // With some of the platform's credentials given, the "incomplete" problem above already says what is missing.
  if (Object.keys(config.authorizerRefreshTokens).length > 0 && given === 0) {
    problems.push(`${where("authorizerRefreshTokens")} needs the third-party platform's componentAppId, componentAppSecret and componentVerifyTicket`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

/**
 * A key that is not an app id is shown when it is short enough to be a mistyped one (an app id has 18 characters).
 * A longer one is more likely a secret written where its app id belongs, and is never echoed.
 */
function describeKey(key: string): string {
  return key.length <= 24 ? `: "${key}"` : ` (${key.length} characters, not shown in case it is a secret; are keys and values swapped?)`;
}

export function isAppId(value: string): boolean {
  return /^wx[0-9a-f]{16}$/.test(value);
}

/** Credentials travel in the query string, so only https is allowed off this machine. */
function checkUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL";
  }
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:" && isLoopback(url.hostname)) return undefined;
  return "must be an https:// URL (plain http is allowed only for 127.0.0.1, localhost and [::1])";
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

const storeKeys = ["tokenStorePassword", "tokenStoreLayout", "tokenStorePrefix", "tokenStoreMode"] as const;

/**
 * `wechat:tokenStore` and its companions. The URL may hold the password, so neither is ever echoed; the URL is kept
 * without it for messages.
 */
function readTokenStore(
  raw: (key: ConfigKey) => string | undefined,
  where: (key: ConfigKey) => string,
  problems: string[],
): TokenStoreConfig | undefined {
  const value = raw("tokenStore");
  if (value === undefined) {
    const orphans = storeKeys.filter((key) => raw(key) !== undefined);
    if (orphans.length > 0) problems.push(`${orphans.map(where).join(", ")} ${orphans.length > 1 ? "need" : "needs"} ${where("tokenStore")}`);
    return undefined;
  }
  const refuse = (text: string): undefined => void problems.push(`${where("tokenStore")} ${text}`);
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return refuse("is not a URL; expected redis://[:password@]host[:port][/database] or rediss://…");
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") return refuse("must be a redis:// or rediss:// URL");
  if (url.hostname === "") return refuse("has no host; expected redis://[:password@]host[:port][/database]");
  if (url.search !== "" || url.hash !== "") return refuse("takes no query or fragment; put the database number in the path (redis://host:6379/2)");
  const path = url.pathname.replace(/^\/+|\/+$/g, "");
  if (!/^\d*$/.test(path)) return refuse("has a path that is not a database number (redis://host:6379/2)");
  const database = path === "" ? 0 : Number(path);

  // A malformed %-escape is taken as it is: the password is the server's to refuse, never ours to echo.
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  const inUrl = url.password === "" ? undefined : decode(url.password);
  const separate = raw("tokenStorePassword");
  if (inUrl !== undefined && separate !== undefined) problems.push(`give the token store's password once: in ${where("tokenStore")} or in ${where("tokenStorePassword")}`);
  const username = url.username === "" ? undefined : decode(url.username);
  const port = url.port === "" ? 6379 : Number(url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");

  const layoutValue = raw("tokenStoreLayout")?.trim() ?? "wxjava";
  let layout: TokenStoreConfig["layout"];
  if (layoutValue === "wxjava" || layoutValue === "wechatpy") layout = layoutValue;
  else {
    const unknown = [...layoutValue.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]).filter((name) => name !== "appId" && name !== "componentAppId");
    if (!layoutValue.includes("{appId}") || unknown.length > 0 || /\s/.test(layoutValue)) {
      problems.push(
        `${where("tokenStoreLayout")} must be wxjava, wechatpy, or a key template with {appId} (and optionally {componentAppId}), ` +
          `without spaces, e.g. myplatform:token:{appId}`,
      );
      // Keeps the problem above the only one: a template needs nothing more.
      layout = { template: "{appId}" };
    } else layout = { template: layoutValue };
  }

  const mode = raw("tokenStoreMode")?.trim() ?? "read-write";
  if (mode !== "read-write" && mode !== "read-only") problems.push(`${where("tokenStoreMode")} must be read-write or read-only`);

  return {
    url: `${url.protocol}//${username === undefined ? "" : `${encodeURIComponent(username)}@`}${url.hostname}:${port}${database === 0 ? "" : `/${database}`}`,
    host,
    port,
    tls: url.protocol === "rediss:",
    database,
    username,
    password: inUrl ?? separate,
    layout,
    prefix: raw("tokenStorePrefix"),
    readOnly: mode === "read-only",
  };
}

/**
 * The platform's credentials a configuration must give, once it gives any. A store whose layout keeps the platform's
 * token and verify ticket (wxjava, wechatpy) supplies the ticket, and in read-only mode the token, so that only the
 * platform's app id is left to configure; a template of the platform's own keeps account tokens only.
 */
function componentKeysNeeded(store: TokenStoreConfig | undefined): ConfigKey[] {
  if (store === undefined || typeof store.layout === "object") return ["componentAppId", "componentAppSecret", "componentVerifyTicket"];
  return store.readOnly ? ["componentAppId"] : ["componentAppId", "componentAppSecret"];
}

/** WxJava's keys, and a template with `{componentAppId}`, are named after the platform's app id. */
function storeNeedsComponentAppId(store: TokenStoreConfig): boolean {
  return store.layout === "wxjava" || (typeof store.layout === "object" && store.layout.template.includes("{componentAppId}"));
}
