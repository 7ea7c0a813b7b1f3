import { CallContext, WeChatError } from "./client/errors";

/*
 * A create that finds its binding or link already at WeChat: the same words in the error of `pulumi up` and in the
 * warning of `pulumi preview`. Adopting silently would let a stack take over, and its destroy later remove, what
 * another stack or a person manages; adopting is asked for explicitly instead.
 */

const whatToDo =
  "set `adopt: true` on the resource to bring it under this stack's management; or, if an earlier run of this stack was " +
  "interrupted or failed after WeChat acted, run `pulumi up` once with WECHAT_ADOPT=true (stack config wechat:adopt); " +
  "if another stack manages it, leave it out of this program";

/** `found` says what WeChat has, e.g. "already in the mini program's plugin list at WeChat, approved (…89237)". */
export function alreadyExists(context: CallContext, found: string): WeChatError {
  return new WeChatError("WECHAT_ALREADY_EXISTS", context, `${found}, and this stack does not manage it; WeChat was left as it is. What to do: ${whatToDo}.`);
}

/** For `check`: `subject` names the plugin or link. */
export function alreadyExistsWarning(subject: string, found: string): string {
  return `${subject}: ${found}, and this stack does not manage it, so \`pulumi up\` will fail to create it. What to do: ${whatToDo}`;
}
