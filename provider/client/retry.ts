import { ErrCode, transientCodes } from "./codes";
import { WeChatError } from "./errors";

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long a 45011 (per-minute quota) may make us wait, in all, before giving up. */
  minuteQuotaWaitMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  minuteQuotaWaitMs: 65_000,
};

/**
 * Runs `attempt` again after failures a later attempt may not see: WeChat's "system busy" (-1) and internal
 * error (89247), HTTP 5xx, dropped connections and time-outs. Writes are safe to repeat: the resources take "already
 * applied / already linked" on a later attempt (`WeChatError.attempts`) for their own earlier attempt, and "already
 * gone" as success. 45009 (daily quota) is never retried. With `answers: "final"` (a token service's, which retried
 * WeChat itself) only a failure to reach the other side is retried.
 */
export async function withRetry<T>(attempt: () => Promise<T>, policy: RetryPolicy, answers: "retried" | "final" = "retried"): Promise<T> {
  const retryable = answers === "final" ? isUnreached : isTransient;
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let waitedForQuotaMs = 0;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof WeChatError)) throw error;
      error.attempts = n;
      if (n >= policy.maxAttempts) {
        // Say that the run already retried, so nobody reads a transient failure as a first attempt.
        if (n > 1 && (retryable(error) || error.errcode === ErrCode.MinuteQuotaReached)) error.message += `; gave up after ${n} attempts (wechat:maxAttempts)`;
        throw error;
      }
      if (error.errcode === ErrCode.MinuteQuotaReached && answers === "retried") {
        const untilNextMinute = 60_000 - (Date.now() % 60_000) + 250;
        if (waitedForQuotaMs + untilNextMinute > policy.minuteQuotaWaitMs) throw error;
        waitedForQuotaMs += untilNextMinute;
        await sleep(untilNextMinute);
        continue;
      }
      if (!retryable(error)) throw error;
      // Full jitter: concurrent resources that failed together must not retry together.
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
      await sleep(Math.random() * ceiling);
    }
  }
}

/** A failure to reach the other side at all, as opposed to an answer: all that is retried when answers are final. */
function isUnreached(error: WeChatError): boolean {
  return error.code === "WECHAT_NETWORK_ERROR" || error.code === "WECHAT_TIMEOUT";
}

function isTransient(error: WeChatError): boolean {
  switch (error.code) {
    case "WECHAT_NETWORK_ERROR":
    case "WECHAT_TIMEOUT":
    case "TOKEN_STORE_UNREACHABLE":
    case "TOKEN_STORE_TIMEOUT":
      return true;
    case "WECHAT_HTTP_ERROR":
      return error.status !== undefined && error.status >= 500;
    case "WECHAT_API_ERROR":
      return error.errcode !== undefined && transientCodes.has(error.errcode);
    default:
      return false;
  }
}
