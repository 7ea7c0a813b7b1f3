/**
 * WeChat's numeric `errcode`s, named once. Every code the provider can meet is here with what it means and what
 * a person should do about it, so that error messages are built from one table instead of scattered strings.
 */
export const ErrCode = {
  Ok: 0,
  SystemBusy: -1,
  InvalidCredential: 40001,
  InvalidAppId: 40013,
  InvalidToken: 40014,
  InvalidArgs: 40097,
  InvalidAppSecret: 40125,
  IpNotWhitelistedLegacy: 40164,
  TokenMissing: 41001,
  TokenExpired: 42001,
  DailyQuotaReached: 45009,
  MinuteQuotaReached: 45011,
  DataFormatError: 47001,
  ApiUnauthorized: 48001,
  ComponentNotAuthorized: 61003,
  IpNotWhitelisted: 61004,
  VerifyTicketInvalid: 61006,
  ApiNotAuthorizedToComponent: 61007,
  RefreshTokenInvalid: 61023,

  LinkMonthlyQuotaUsed: 89007,
  OverseasAccount: 89008,
  LinkLimitReached: 89009,
  InvitationAlreadySent: 89010,
  NearbyCannotUnlink: 89011,
  StoreCannotUnlink: 89012,
  MiniProgramBanned: 89013,
  AlreadyLinked: 89015,
  SameOwnerMonthlyQuotaUsed: 89016,
  OtherOwnerMonthlyQuotaUsed: 89017,
  UnlinkAlreadyRequested: 89018,
  ConsoleLinkPending: 89035,

  PluginCannotBeApplied: 89236,
  PluginAlreadyApplied: 89237,
  PluginLimitReached: 89238,
  PluginDoesNotExist: 89239,
  PluginApplicationPending: 89243,
  PluginNotInList: 89244,
  PluginsNotAllowed: 89245,
  SpecialCategoryPlugin: 89246,
  PluginInternalError: 89247,
  NotAuthorizerToken: 89256,
  VersionNotQuickUpdatable: 89257,
  GrayReleaseInProgress: 89258,
  PluginCannotBeUnbound: 89259,
} as const;

export interface Explanation {
  meaning: string;
  action: string;
}

const explanations: Record<number, Explanation> = {
  [ErrCode.SystemBusy]: { meaning: "WeChat is busy", action: "run the command again in a few minutes" },
  [ErrCode.InvalidCredential]: {
    meaning: "the access token is invalid or no longer the latest",
    action: "check the credential configured for this app id; if something else rotated the token, use wechat:tokenUrl to share it",
  },
  [ErrCode.InvalidAppId]: { meaning: "the app id is invalid", action: "check the app id" },
  [ErrCode.InvalidToken]: { meaning: "the access token is invalid", action: "check the credential configured for this app id" },
  [ErrCode.InvalidArgs]: { meaning: "WeChat rejected the request's arguments", action: "check the resource's inputs" },
  [ErrCode.InvalidAppSecret]: { meaning: "the AppSecret is wrong", action: "correct the secret in wechat:appSecrets" },
  [ErrCode.IpNotWhitelisted]: {
    meaning: "this machine's IP address is not on the account's API allow-list",
    action: "add this machine's public IP to the allow-list in the WeChat console (or the third-party platform's)",
  },
  [ErrCode.IpNotWhitelistedLegacy]: {
    meaning: "this machine's IP address is not on the account's API allow-list",
    action: "add this machine's public IP to the allow-list in the WeChat console",
  },
  [ErrCode.TokenMissing]: { meaning: "no access token was sent", action: "check the credential configured for this app id" },
  [ErrCode.TokenExpired]: { meaning: "the access token has expired", action: "renew the token configured for this app id" },
  [ErrCode.DailyQuotaReached]: {
    meaning: "the account's daily API quota is used up (retrying does not help)",
    action: "wait until the quota resets at midnight Beijing time, or clear it in the WeChat console, then run again",
  },
  [ErrCode.MinuteQuotaReached]: { meaning: "the per-minute API quota is used up", action: "run again in a minute" },
  [ErrCode.DataFormatError]: { meaning: "WeChat could not parse the request", action: "report this as a bug in pulumi-wechat" },
  [ErrCode.ApiUnauthorized]: {
    meaning: "the account is not authorized for this API",
    action: "check the account's type and permissions, or grant the permission set to the third-party platform",
  },
  [ErrCode.ComponentNotAuthorized]: {
    meaning: "the account has not authorized the third-party platform",
    action: "have the account's admin authorize the platform, or configure another credential for it",
  },
  [ErrCode.VerifyTicketInvalid]: {
    meaning: "the component verify ticket is invalid or expired",
    action: "set wechat:componentVerifyTicket to the latest ticket pushed to your platform (it lives 12 hours)",
  },
  [ErrCode.ApiNotAuthorizedToComponent]: {
    meaning: "the account did not grant this API's permission set to the third-party platform",
    action: "have the account's admin authorize the permission set",
  },
  [ErrCode.RefreshTokenInvalid]: {
    meaning: "the authorizer refresh token is invalid",
    action: "update wechat:authorizerRefreshTokens with the account's current refresh token",
  },

  [ErrCode.LinkMonthlyQuotaUsed]: { meaning: "the official account's monthly link quota is used up", action: "try again next month" },
  [ErrCode.OverseasAccount]: { meaning: "overseas accounts cannot link mini programs", action: "remove this link from the program" },
  [ErrCode.LinkLimitReached]: {
    meaning: "the official account has reached its limit of linked mini programs",
    action: "unlink a mini program first",
  },
  [ErrCode.InvitationAlreadySent]: { meaning: "an invitation was already sent", action: "wait for the admins to answer it" },
  [ErrCode.NearbyCannotUnlink]: {
    meaning: "the mini program is shown in \"nearby\" and cannot be unlinked",
    action: "turn off its \"nearby\" display in the WeChat console, then run again",
  },
  [ErrCode.StoreCannotUnlink]: {
    meaning: "store and mall mini programs cannot be unlinked through the API",
    action: "unlink it in the official account's console, then run again",
  },
  [ErrCode.MiniProgramBanned]: { meaning: "the mini program is banned", action: "resolve the ban in the WeChat console" },
  [ErrCode.AlreadyLinked]: { meaning: "the mini program is already linked", action: "nothing to do" },
  [ErrCode.SameOwnerMonthlyQuotaUsed]: {
    meaning: "the monthly quota of same-owner links is used up",
    action: "try again next month",
  },
  [ErrCode.OtherOwnerMonthlyQuotaUsed]: {
    meaning: "the monthly quota of links to mini programs of other owners is used up",
    action: "try again next month",
  },
  [ErrCode.UnlinkAlreadyRequested]: {
    meaning: "an unlink request is already waiting for the official account admin",
    action: "have the admin confirm it",
  },
  [ErrCode.ConsoleLinkPending]: {
    meaning: "a link request made in the WeChat console is pending",
    action: "have the admin answer it in the console, then run again",
  },

  [ErrCode.PluginCannotBeApplied]: { meaning: "this plugin cannot be applied for", action: "remove it from the program" },
  [ErrCode.PluginAlreadyApplied]: { meaning: "the plugin was already applied for or added", action: "nothing to do" },
  [ErrCode.PluginLimitReached]: {
    meaning: "the mini program has reached its plugin limit",
    action: "remove another plugin from this mini program first",
  },
  [ErrCode.PluginDoesNotExist]: { meaning: "the plugin does not exist", action: "check pluginAppId" },
  [ErrCode.PluginApplicationPending]: {
    meaning: "the application is waiting for the plugin developer and cannot be unbound",
    action: "wait for the developer to answer; an unanswered application times out after about 48 hours, then run again",
  },
  [ErrCode.PluginNotInList]: { meaning: "the plugin is not in the mini program's list", action: "nothing to do" },
  [ErrCode.PluginsNotAllowed]: {
    meaning: "this mini program may not use plugins",
    action: "check the mini program's category and qualifications",
  },
  [ErrCode.SpecialCategoryPlugin]: {
    meaning: "the plugin belongs to a special category the mini program is not qualified for",
    action: "add the qualification in the WeChat console first",
  },
  [ErrCode.PluginInternalError]: { meaning: "WeChat had an internal error", action: "run again" },
  [ErrCode.NotAuthorizerToken]: {
    meaning: "quick version updates need a third-party platform's authorizer token",
    action: "configure wechat:componentAppId, wechat:componentAppSecret, wechat:componentVerifyTicket and wechat:authorizerRefreshTokens for this mini program, or drop `version`",
  },
  [ErrCode.VersionNotQuickUpdatable]: {
    meaning: "the version does not exist or does not allow a quick update",
    action: "pick a version the plugin developer published with quick update enabled",
  },
  [ErrCode.GrayReleaseInProgress]: {
    meaning: "the mini program has a gray (staged) release in progress",
    action: "finish or cancel the gray release, then run again",
  },
  [ErrCode.PluginCannotBeUnbound]: {
    meaning: "this plugin cannot be unbound",
    action: "remove it in the WeChat console, or keep it and remove it from the program with `pulumi state delete`",
  },
};

export function explain(errcode: number): Explanation {
  return explanations[errcode] ?? { meaning: "a code WeChat does not document", action: "check WeChat's error code list, then run again" };
}

/** Codes that mean the token we sent is no good: drop it, fetch a new one, retry once. */
export const tokenRejectedCodes: ReadonlySet<number> = new Set([ErrCode.InvalidCredential, ErrCode.InvalidToken, ErrCode.TokenExpired]);

/** Codes that a later attempt may not see. */
export const transientCodes: ReadonlySet<number> = new Set([ErrCode.SystemBusy, ErrCode.PluginInternalError]);
