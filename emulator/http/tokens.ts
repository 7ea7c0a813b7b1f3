import { ErrCode, refuse, WeChatRefusal } from "../model/codes";
import {
  authorization,
  authorizerPage,
  authorizerToken as mintAuthorizerToken,
  componentToken as mintComponentToken,
  secondsLeft,
  tokenForSecret,
  type Authorization,
} from "../model/tokens";
import type { Token } from "../model/world";
import { fail, isWholeNumber, reply, stringField, type AuthenticatedRequest, type WeChatAnswer, type WeChatRequest } from "./protocol";

// Successful token answers carry no errcode, as WeChat's do.

/** `GET /cgi-bin/token`: always mints, cutting the previous token to 5 minutes: the behaviour that makes it unsafe for tools. */
export function clientCredentialToken({ query, world, now }: WeChatRequest): WeChatAnswer {
  const credentials = readCredentials(query.get("grant_type"), query.get("appid"), query.get("secret"));
  if (typeof credentials === "number") return fail(credentials);
  return tokenAnswer(tokenForSecret(world, now, credentials.appId, credentials.secret, "/cgi-bin/token", true), now);
}

/** `POST /cgi-bin/stable_token`: the current token while it is valid; `force_refresh` rotates it. */
export function stableToken({ body, world, now }: WeChatRequest): WeChatAnswer {
  const forceRefresh = body.force_refresh ?? false;
  if (typeof forceRefresh !== "boolean") return fail(ErrCode.DataFormatError);
  const credentials = readCredentials(body.grant_type, body.appid, body.secret);
  if (typeof credentials === "number") return fail(credentials);
  return tokenAnswer(tokenForSecret(world, now, credentials.appId, credentials.secret, "/cgi-bin/stable_token", forceRefresh), now);
}

/** `POST /cgi-bin/component/api_component_token`: the third-party platform's own token. */
export function componentToken({ body, world, now }: WeChatRequest): WeChatAnswer {
  const appId = stringField(body, "component_appid");
  const secret = stringField(body, "component_appsecret");
  const ticket = stringField(body, "component_verify_ticket");
  if (!appId || !secret || !ticket) return fail(ErrCode.DataFormatError);
  return reply(mintComponentToken(world, now, appId, secret, ticket), (token) => ({
    component_access_token: token.value,
    expires_in: secondsLeft(token, now),
  }));
}

/** `POST /cgi-bin/component/api_authorizer_token`: a token for an account that authorized the platform. */
export function authorizerToken(request: AuthenticatedRequest): WeChatAnswer {
  const authorized = readAuthorization(request);
  if (authorized instanceof WeChatRefusal) return fail(authorized);
  const refreshToken = stringField(request.body, "authorizer_refresh_token");
  if (!refreshToken) return fail(ErrCode.DataFormatError);
  return reply(mintAuthorizerToken(request.world, request.now, authorized, refreshToken), (token) => ({
    authorizer_access_token: token.value,
    expires_in: secondsLeft(token, request.now),
    authorizer_refresh_token: refreshToken,
  }));
}

/** `POST /cgi-bin/component/api_get_authorizer_info`: the account's profile, notably `user_name`, the `gh_…` id link lists use. */
export function authorizerInfo(request: AuthenticatedRequest): WeChatAnswer {
  const authorized = readAuthorization(request);
  if (authorized instanceof WeChatRefusal) return fail(authorized);
  const account = request.world.account(authorized.appId);
  const isMiniProgram = request.world.accounts.miniPrograms.has(authorized.appId);
  return {
    authorizer_info: {
      nick_name: account?.nickname,
      head_img: account?.headImgUrl,
      // 0 is a mini program's service type; 2 is a service account.
      service_type_info: { id: isMiniProgram ? 0 : 2 },
      verify_type_info: { id: 0 },
      user_name: account && "username" in account ? account.username : "",
      principal_name: "",
      alias: "",
      qrcode_url: "",
      signature: "",
      ...(isMiniProgram ? { MiniProgramInfo: { network: {}, categories: [], visit_status: 0 } } : {}),
    },
    authorization_info: {
      authorizer_appid: authorized.appId,
      authorizer_refresh_token: authorized.refreshToken,
      func_info: [],
    },
  };
}

/** `POST /cgi-bin/component/api_get_authorizer_list`: a page of the accounts that authorized the platform, as a platform enumerates its fleet. */
export function authorizerList({ body, world, caller }: AuthenticatedRequest): WeChatAnswer {
  const componentAppId = stringField(body, "component_appid");
  const { offset, count } = body;
  if (!componentAppId || !isWholeNumber(offset, 0) || !isWholeNumber(count, 0)) return fail(ErrCode.DataFormatError);
  // Like api_get_authorizer_info, a success carries no errcode.
  return reply(authorizerPage(world, caller, componentAppId, offset, count), ({ total, authorizations }) => ({
    total_count: total,
    list: authorizations.map(({ appId, refreshToken, authTime }) => ({ authorizer_appid: appId, refresh_token: refreshToken, auth_time: authTime })),
  }));
}

/** The fields every secret-based token request needs, or the code WeChat gives for the first one missing. */
function readCredentials(grantType: unknown, appId: unknown, secret: unknown): { appId: string; secret: string } | number {
  if (grantType !== "client_credential") return ErrCode.InvalidGrantType;
  if (typeof appId !== "string" || appId === "") return ErrCode.AppIdMissing;
  if (typeof secret !== "string" || secret === "") return ErrCode.AppSecretMissing;
  return { appId, secret };
}

/** The authorizer a component request names, once the model agrees that it authorized the caller's platform. */
function readAuthorization({ body, world, caller }: AuthenticatedRequest): Authorization | WeChatRefusal {
  const componentAppId = stringField(body, "component_appid");
  const appId = stringField(body, "authorizer_appid");
  if (!componentAppId || !appId) return refuse(ErrCode.DataFormatError);
  return authorization(world, caller, componentAppId, appId);
}

function tokenAnswer(token: Token | WeChatRefusal, now: number): WeChatAnswer {
  return reply(token, (issued) => ({ access_token: issued.value, expires_in: secondsLeft(issued, now) }));
}
