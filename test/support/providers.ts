import type { RetryPolicy } from "../../provider/client/retry";
import { loadConfig } from "../../provider/config";
import { createProviders, Providers } from "../../provider/runtime";
import { refreshTokens, seed } from "./emulator";

export type Credentials = "thirdParty" | "appSecrets";

/** Providers wired to an emulator, with warnings collected and retries fast enough for tests. */
export function providersFor(
  endpoint: string,
  credentials: Credentials = "thirdParty",
  extra: Record<string, string> = {},
  retry: Partial<RetryPolicy> = {},
): Providers & { warnings: string[] } {
  const values: Record<string, string> =
    credentials === "thirdParty"
      ? {
          "wechat:componentAppId": seed.component.appId,
          "wechat:componentAppSecret": seed.component.appSecret,
          "wechat:componentVerifyTicket": seed.component.verifyTicket,
          "wechat:authorizerRefreshTokens": JSON.stringify(refreshTokens()),
        }
      : { "wechat:appSecrets": JSON.stringify(seed.appSecrets) };
  const loaded = loadConfig((key) => ({ "wechat:endpoint": endpoint, "wechat:requestTimeoutMs": "2000", ...values, ...extra })[key], {});
  if (!loaded.ok) throw new Error(loaded.problems.join("; "));
  const warnings: string[] = [];
  const providers = createProviders(loaded.config, {
    warn: (message) => warnings.push(message),
    retry: { baseDelayMs: 1, maxDelayMs: 20, minuteQuotaWaitMs: 0, ...retry },
  });
  return { ...providers, warnings };
}
