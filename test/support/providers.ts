import type { PartialCreateError, WeChatError } from "../../provider/client/errors";
import type { RetryPolicy } from "../../provider/client/retry";
import { loadConfig } from "../../provider/config";
import { createProviders, Providers } from "../../provider/providers";
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

/** What a failed call throws: a WeChatError, a PartialCreateError, or a plain Error, with whichever fields it has. */
export type Failure = Error & Partial<Pick<WeChatError, "code" | "errcode" | "status">> & Partial<Pick<PartialCreateError, "id" | "properties" | "reasons">>;

/** The error `call` fails with; the test fails if it succeeds. */
export async function failure(call: Promise<unknown>): Promise<Failure> {
  try {
    await call;
  } catch (error) {
    return error as Failure;
  }
  throw new Error("expected the call to fail, and it succeeded");
}
