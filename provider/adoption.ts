import { CallContext, WeChatError } from "./client/errors";
import { isUnknown } from "./inputs";

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
function alreadyExists(context: CallContext, found: string): WeChatError {
  return new WeChatError("WECHAT_ALREADY_EXISTS", context, `${found}, and this stack does not manage it; WeChat was left as it is. What to do: ${whatToDo}.`);
}

/** How every warning of a create that took what WeChat had ends (`…: already at WeChat (approved); adopting it`). */
export const adoptingWords = "; adopting it";

/** Whether a warning says its create adopted what WeChat had, rather than making it. */
export function saysAdopted(warning: string): boolean {
  return warning.includes(adoptingWords);
}

/** What the adoption checks need of a resource (a plugin binding or a link). */
export interface Adoptable<Inputs> {
  /** The resource id, or undefined while the inputs (the state's, possibly partial) lack a part of it. */
  id(inputs: Partial<Inputs>): string | undefined;
  /** The account whose list holds the binding or link. */
  account(inputs: Inputs): string;
  /** The inputs that locate the binding or link: while one is unknown (preview), there is nothing to look for. */
  keys: ReadonlyArray<keyof Inputs>;
  /** The create's write, which the already-exists error names. */
  context(inputs: Inputs): CallContext;
  describe(inputs: Inputs): string;
  /** A list status in words, e.g. "waiting for the plugin developer". */
  statusWords(status: number): string;
  /** What WeChat has, in the already-exists error and warning, e.g. "already in the mini program's plugin list at WeChat, approved (…)". */
  found(status: number): string;
}

/**
 * The adoption decisions of one resource type in one run: whether a create may take over what WeChat already has
 * (`adopt` on the resource, or wechat:adopt for every create), and which bindings or links are this stack's own.
 */
export class Adoption<Inputs extends { adopt?: boolean }> {
  /** Ids this stack's state holds, as this run's checks saw them (`warning`). */
  private readonly inState = new Set<string>();
  /** Accounts whose list a check could not read: later checks skip them, and their creates report why. */
  private readonly unreadable = new Set<string>();

  /** `adoptAll`: wechat:adopt. */
  constructor(
    private readonly resource: Adoptable<Inputs>,
    private readonly adoptAll: boolean,
    private readonly warn: (message: string) => void,
  ) {}

  adopting(inputs: Inputs): boolean {
    return inputs.adopt === true || this.adoptAll;
  }

  /**
   * For `check`, so that `pulumi preview` shows before `up` what a create would meet: a warning when what a create
   * would make exists at WeChat and adoption is off. `olds` are the inputs in the state, empty for a new resource;
   * the engine checks a replacement a second time without them, so an id any check of this run saw in the state is
   * this stack's own (a replacement of the same binding or link removes it first). `existing` is the list read the
   * create then uses; its failures are left for the create to report, and not asked again by the checks.
   */
  async warning(olds: Partial<Inputs>, news: Inputs, existing: () => Promise<{ status: number } | undefined>): Promise<string | undefined> {
    const own = this.resource.id(olds);
    if (own) this.inState.add(own);
    if (this.adopting(news) || [...this.resource.keys, "adopt" as const].some((key) => isUnknown(news[key]))) return undefined;
    const account = this.resource.account(news);
    if (this.inState.has(this.resource.id(news) ?? "") || this.unreadable.has(account)) return undefined;
    const item = await existing().catch(() => void this.unreadable.add(account));
    return item && `${this.resource.describe(news)}: ${this.resource.found(item.status)}, and this stack does not manage it, so \`pulumi up\` will fail to create it. What to do: ${whatToDo}`;
  }

  /**
   * At create, before any write, the binding or link the list shows: an error unless adoption is on, and otherwise a
   * warning that it is adopted; `then` says what the create does next, for a status that needs a new write.
   */
  take(inputs: Inputs, status: number, then?: string): void {
    if (!this.adopting(inputs)) throw alreadyExists(this.resource.context(inputs), this.resource.found(status));
    this.warn(`${this.resource.describe(inputs)}: already at WeChat (${this.resource.statusWords(status)})${adoptingWords}${then ? `: ${then}` : ""}`);
  }

  /**
   * A write WeChat refused because its binding or link exists (89237, 89010, 89015). On a later attempt, that is the
   * write's own earlier attempt, whose answer was lost: adopted without being asked, as it is this stack's. On the
   * first attempt, it was there before: adopted only if asked, and otherwise the already-exists error, saying what
   * `found` gives.
   */
  async refused(error: WeChatError, inputs: Inputs, found: () => string | Promise<string>): Promise<"answer lost" | "asked"> {
    if (error.attempts > 1) return "answer lost";
    if (this.adopting(inputs)) return "asked";
    throw alreadyExists(error.context, await found());
  }
}
