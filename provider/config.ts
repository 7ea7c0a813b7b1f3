/**
 * The provider's settings: stack config under `wechat:` (read in the dynamic provider's `configure`), each key
 * also from the environment as WECHAT_<KEY_IN_SNAKE_CASE>. Stack config wins. Values are never echoed in
 * messages: most of them are secrets.
 */
export interface ComponentCredentials {
  appId: string;
  appSecret: string;
  verifyTicket: string;
}

export interface ProviderConfig {
  endpoint: string;
  accessTokens: Record<string, string>;
  tokenUrl?: string;
  /** Sent to tokenUrl as `Authorization: Bearer …`, so that only its holders get tokens (the fleet's token broker requires it). */
  tokenUrlSecret?: string;
  component?: ComponentCredentials;
  authorizerRefreshTokens: Record<string, string>;
  appSecrets: Record<string, string>;
  requestTimeoutMs: number;
  maxAttempts: number;
}

export const defaultEndpoint = "https://api.weixin.qq.com";

export const configKeys = [
  "endpoint",
  "accessTokens",
  "tokenUrl",
  "tokenUrlSecret",
  "componentAppId",
  "componentAppSecret",
  "componentVerifyTicket",
  "authorizerRefreshTokens",
  "appSecrets",
  "requestTimeoutMs",
  "maxAttempts",
] as const;

type ConfigKey = (typeof configKeys)[number];

export function envName(key: ConfigKey): string {
  return `WECHAT_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
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

  const componentParts = {
    appId: raw("componentAppId"),
    appSecret: raw("componentAppSecret"),
    verifyTicket: raw("componentVerifyTicket"),
  };
  let component: ComponentCredentials | undefined;
  const given = Object.values(componentParts).filter((v) => v !== undefined).length;
  if (given === 3) {
    component = componentParts as ComponentCredentials;
    if (!isAppId(component.appId)) problems.push(`${where("componentAppId")} is not an app id (wx followed by 16 hex digits)`);
  } else if (given > 0) {
    const missing = (["componentAppId", "componentAppSecret", "componentVerifyTicket"] as const).filter((k) => raw(k) === undefined);
    problems.push(`third-party platform credentials are incomplete: set ${missing.map(where).join(", ")}`);
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

  const config: ProviderConfig = {
    endpoint: endpoint.replace(/\/+$/, ""),
    accessTokens: appIdMap("accessTokens"),
    tokenUrl,
    tokenUrlSecret: raw("tokenUrlSecret"),
    component,
    authorizerRefreshTokens: appIdMap("authorizerRefreshTokens"),
    appSecrets: appIdMap("appSecrets"),
    requestTimeoutMs: positive("requestTimeoutMs", 10_000),
    maxAttempts: positive("maxAttempts", 8),
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
