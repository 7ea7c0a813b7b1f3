/**
 * WeChat's numeric `errcode`s, named once, with the names the provider gives them (the emulator never imports the
 * provider, so the names are repeated, not shared). Codes WeChat documents nowhere for a case are marked; the README's
 * "Behaviour WeChat does not document" lists those choices.
 */
export const ErrCode = {
  Ok: 0,
  SystemBusy: -1,
  InvalidCredential: 40001,
  InvalidGrantType: 40002,
  InvalidAppId: 40013,
  InvalidUrl: 40066, // chosen: unknown paths
  InvalidArgs: 40097,
  InvalidAppSecret: 40125,
  TokenMissing: 41001,
  AppIdMissing: 41002,
  AppSecretMissing: 41004,
  TokenExpired: 42001,
  RequireGet: 43001,
  RequirePost: 43002,
  DailyQuotaReached: 45009,
  MinuteQuotaReached: 45011,
  DataFormatError: 47001,
  ApiUnauthorized: 48001,
  ComponentNotAuthorized: 61003,
  VerifyTicketInvalid: 61006,
  RefreshTokenInvalid: 61023,
  CgiPathMalformed: 76003,
  CgiPathNotFound: 76021,

  LinkLimitReached: 89009,
  InvitationAlreadySent: 89010,
  NearbyCannotUnlink: 89011,
  StoreCannotUnlink: 89012,
  AlreadyLinked: 89015,
  UnlinkAlreadyRequested: 89018,

  PluginAlreadyApplied: 89237,
  PluginLimitReached: 89238,
  PluginDoesNotExist: 89239,
  ApplicationNotPending: 89240,
  ApplicationNotDeletable: 89241,
  ApplicationNotFound: 89242,
  PluginApplicationPending: 89243,
  PluginNotInList: 89244,
  NotAuthorizerToken: 89256,
  VersionNotQuickUpdatable: 89257,
  GrayReleaseInProgress: 89258,
} as const;

// English renderings of WeChat's messages (several are Chinese-only in the documentation).
const messages: Record<number, string> = {
  [ErrCode.SystemBusy]: "system error",
  [ErrCode.InvalidCredential]: "invalid credential, access_token is invalid or not latest",
  [ErrCode.InvalidGrantType]: "invalid grant_type",
  [ErrCode.InvalidAppId]: "invalid appid",
  [ErrCode.InvalidUrl]: "invalid url",
  [ErrCode.InvalidArgs]: "invalid args",
  [ErrCode.InvalidAppSecret]: "invalid appsecret",
  [ErrCode.TokenMissing]: "access_token missing",
  [ErrCode.AppIdMissing]: "appid missing",
  [ErrCode.AppSecretMissing]: "appsecret missing",
  [ErrCode.TokenExpired]: "access_token expired",
  [ErrCode.RequireGet]: "require GET method",
  [ErrCode.RequirePost]: "require POST method",
  [ErrCode.DailyQuotaReached]: "reach max api daily quota limit",
  [ErrCode.MinuteQuotaReached]: "api minute-quota reach limit  mustslower  retry next minute",
  [ErrCode.DataFormatError]: "data format error",
  [ErrCode.ApiUnauthorized]: "api unauthorized",
  [ErrCode.ComponentNotAuthorized]: "component is not authorized by this account",
  [ErrCode.VerifyTicketInvalid]: "component ticket is invalid",
  [ErrCode.RefreshTokenInvalid]: "refresh_token is invalid",
  [ErrCode.CgiPathMalformed]: "invalid cgi_path, give the path alone: /xxx/xxx",
  [ErrCode.CgiPathNotFound]: "cgi_path not found, please check",
  [ErrCode.LinkLimitReached]: "mini program link limit reached",
  [ErrCode.InvitationAlreadySent]: "link invitation already sent",
  [ErrCode.NearbyCannotUnlink]: "a mini program shown nearby cannot be unlinked",
  [ErrCode.StoreCannotUnlink]: "a store mini program cannot be unlinked",
  [ErrCode.AlreadyLinked]: "mini program already linked",
  [ErrCode.UnlinkAlreadyRequested]: "unlink request already sent",
  [ErrCode.PluginAlreadyApplied]: "plugin already applied for or added",
  [ErrCode.PluginLimitReached]: "plugin limit reached",
  [ErrCode.PluginDoesNotExist]: "plugin does not exist",
  [ErrCode.ApplicationNotPending]: "application is not pending",
  [ErrCode.ApplicationNotDeletable]: "only rejected or timed-out applications can be deleted",
  [ErrCode.ApplicationNotFound]: "appid not in the application list",
  [ErrCode.PluginApplicationPending]: "application is pending and cannot be unbound",
  [ErrCode.PluginNotInList]: "plugin appid not in the list",
  [ErrCode.NotAuthorizerToken]: "no component info, token is not a third-party platform's authorizer token",
  [ErrCode.VersionNotQuickUpdatable]: "plugin version does not support quick update",
  [ErrCode.GrayReleaseInProgress]: "a gray release is in progress",
};

/** WeChat's errmsg for a code; codes only a fault can produce get a generic one. */
export function messageOf(code: number): string {
  return messages[code] ?? `error ${code}`;
}

/**
 * The model's "no", and why. The control surface reports it as HTTP 409; steps WeChat takes only in its apps (an
 * admin answering a link) have no errcode, so they refuse with this class itself.
 */
export class Refusal {
  constructor(readonly message: string) {}
}

/** A "no" that WeChat's API gives as an errcode; WeChat handlers answer it as `{errcode, errmsg}`. */
export class WeChatRefusal extends Refusal {
  constructor(
    readonly code: number,
    message = messageOf(code),
  ) {
    super(message);
  }
}

/** Shorthand for the model's rules: `return refuse(ErrCode.PluginLimitReached)`. */
export function refuse(code: number, message?: string): WeChatRefusal {
  return new WeChatRefusal(code, message);
}
