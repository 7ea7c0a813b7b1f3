import { ErrCode, refuse, type WeChatRefusal } from "./codes";
import { quotaKey, type QuotaLimit, type World } from "./world";

// WeChat's daily quotas: each account may call each API path so many times a day (Beijing time), and calls a
// platform makes on an account's behalf count against that account's quota.

/**
 * The largest daily limit a seed or the control surface may set. A path without a limit reports it as its limit, so
 * that a client planning a run against `remain` sees room for anything.
 */
export const MAX_DAILY_LIMIT = 10_000_000;

/** China keeps no daylight saving time: WeChat's days start at 16:00 UTC all year. */
const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

/** `YYYY-MM-DD` in Beijing: counters from an earlier day count as 0, so the quotas reset at midnight on the emulator's clock. */
function beijingDay(now: number): string {
  return new Date(now + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** The account's own limit, else the limit set for every account at run time, else the seed's; none means no limit. */
function dailyLimit(world: World, appId: string, path: string): number | undefined {
  return (
    world.quotaLimits.get(quotaKey(path, appId))?.dailyLimit ?? world.quotaLimits.get(quotaKey(path, undefined))?.dailyLimit ?? world.accounts.quotas.get(path)
  );
}

function usedToday(world: World, appId: string, path: string, now: number): number {
  const use = world.quotaUse.get(quotaKey(path, appId));
  return use?.day === beijingDay(now) ? use.used : 0;
}

/**
 * Counts a call of the account to a path that has a limit. A call past the limit is refused with 45009 before it acts,
 * and is not counted. Paths without a limit are not counted at all, so that they cost no state-file write.
 */
export function takeQuota(world: World, appId: string, path: string, now: number): WeChatRefusal | undefined {
  const limit = dailyLimit(world, appId, path);
  if (limit === undefined) return undefined;
  const used = usedToday(world, appId, path, now);
  if (used >= limit) return refuse(ErrCode.DailyQuotaReached);
  world.quotaUse.set(quotaKey(path, appId), { appId, path, day: beijingDay(now), used: used + 1 });
  world.markChanged();
  return undefined;
}

export interface QuotaReport {
  dailyLimit: number;
  used: number;
  remain: number;
}

/** What `openapi/quota/get` reports for the account and path today. */
export function quotaOf(world: World, appId: string, path: string, now: number): QuotaReport {
  const limit = dailyLimit(world, appId, path);
  if (limit === undefined) return { dailyLimit: MAX_DAILY_LIMIT, used: 0, remain: MAX_DAILY_LIMIT };
  const used = usedToday(world, appId, path, now);
  // A limit lowered below what was already used leaves nothing, not a negative remainder.
  return { dailyLimit: limit, used, remain: Math.max(0, limit - used) };
}

/** Sets the limit; what was used today still counts against it. */
export function setDailyLimit(world: World, limit: QuotaLimit): void {
  world.quotaLimits.set(quotaKey(limit.path, limit.appId), limit);
  world.markChanged();
}
