import type { Accounts, MiniProgram, OfficialAccount, Plugin } from "./accounts";

/** 1 applying · 2 approved · 3 rejected · 4 timed out. */
export type PluginStatus = 1 | 2 | 3 | 4;

/** 1 linked · 2 waiting for the mini program's admin · 3 refused · 12 waiting for the official account's admin. */
export type LinkStatus = 1 | 2 | 3 | 12;

export type TokenKind = "stable" | "authorizer" | "component";

/** A mini program's entry for one plugin, as `/wxa/plugin` and `/wxa/devplugin` see it. */
export interface Binding {
  appId: string;
  pluginAppId: string;
  status: PluginStatus;
  reason: string;
  appliedAt: number;
  /** Set by a quick update; WeChat never reports it back. */
  version?: string;
  refusalReason?: string;
}

export interface Link {
  officialAccountAppId: string;
  miniProgramAppId: string;
  status: LinkStatus;
  unlinkPending: boolean;
  notifyUsers: boolean;
  showProfile: boolean;
}

export interface Token {
  value: string;
  kind: TokenKind;
  appId: string;
  /** The path that minted it: tokens from `/cgi-bin/token` and `/cgi-bin/stable_token` live apart, as in WeChat. */
  issuedBy: string;
  expiresAt: number;
  /** When a newer token of the same line took over, the old one dies 5 minutes later. */
  revokedAt?: number;
}

/** A daily limit on a WeChat path set at run time, for one account or, without `appId`, for every account. */
export interface QuotaLimit {
  appId?: string;
  path: string;
  dailyLimit: number;
}

/** The calls an account made to a path that has a limit, on one day of Beijing time (`YYYY-MM-DD`). */
export interface QuotaUse {
  appId: string;
  path: string;
  day: string;
  used: number;
}

/** Applications nobody answers time out after 48 hours, as WeChat's review window does. */
const APPLICATION_TIMEOUT_MS = 48 * 3600 * 1000;

/** When an application still pending (status 1) times out (becomes 4). */
export function applicationDeadline(binding: Binding): number {
  return binding.appliedAt + APPLICATION_TIMEOUT_MS;
}

/** Everything that changes while the emulator runs; the accounts themselves come from the seed and never change. */
export interface Dynamic {
  bindings: Binding[];
  links: Link[];
  tokens: Token[];
  quotaLimits: QuotaLimit[];
  quotaUse: QuotaUse[];
}

export class World {
  private bindingList: Binding[] = [];
  private linkList: Link[] = [];
  tokens = new Map<string, Token>();
  /** By `quotaKey(path, appId)`; the key without an app id holds the limit for every account. */
  quotaLimits = new Map<string, QuotaLimit>();
  /** By `quotaKey(path, appId)`. */
  quotaUse = new Map<string, QuotaUse>();
  private changed = false;
  // Each mini program's bindings, each official account's links and each token line (an app's tokens from one path,
  // see Token.issuedBy), in the order of `bindings`, `links` and `tokens`: a call reads or changes one account's, and a
  // fleet's world holds tens of thousands of each, which a scan per call made the emulator's own CPU time grow with the
  // square of the fleet (a 70,000-resource fleet's drift).
  private bindingsByApp = new Map<string, Binding[]>();
  private linksByAccount = new Map<string, Link[]>();
  private tokensByLine = new Map<string, Token[]>();
  /** No pending application times out before this (settle scans the bindings only then); -Infinity when unknown. */
  private nextDeadline = -Infinity;
  /**
   * No token is due to be forgotten before this (tokens.ts forgets the long dead when it mints, and scans every token
   * only from then on); -Infinity when unknown. Kept by tokens.ts: a lower bound, lowered whenever a token's death is.
   */
  tokensDueFrom = -Infinity;

  /**
   * `starting` makes the bindings and links the world holds before any call (the seed's existing entries), at `now`
   * and again at each reset; they are made anew each time because the rules change them in place.
   */
  constructor(
    readonly accounts: Accounts,
    now: number,
    private readonly starting: Starting = () => ({ bindings: [], links: [] }),
  ) {
    const { bindings, links } = starting(now);
    this.holdEntries(bindings, links);
  }

  /** Every mini program's plugin entries, oldest first. */
  get bindings(): readonly Binding[] {
    return this.bindingList;
  }

  /** Every official account's links, oldest first. */
  get links(): readonly Link[] {
    return this.linkList;
  }

  /** The mini program, official account or plugin with this app id. */
  account(appId: string): MiniProgram | OfficialAccount | Plugin | undefined {
    const { miniPrograms, officialAccounts, plugins } = this.accounts;
    return miniPrograms.get(appId) ?? officialAccounts.get(appId) ?? plugins.get(appId);
  }

  /** The model's rules call this after any change, so the server knows to write the state file before answering. */
  markChanged(): void {
    this.changed = true;
  }

  /** Whether anything changed since the last call; the state file is written only then. */
  takeChanged(): boolean {
    const changed = this.changed;
    this.changed = false;
    return changed;
  }

  /** The mini program's plugin entries, oldest first. */
  bindingsOf(appId: string): readonly Binding[] {
    return this.bindingsByApp.get(appId) ?? [];
  }

  binding(appId: string, pluginAppId: string): Binding | undefined {
    return this.bindingsOf(appId).find((binding) => binding.pluginAppId === pluginAppId);
  }

  addBinding(binding: Binding): void {
    this.bindingList.push(binding);
    push(this.bindingsByApp, binding.appId, binding);
    if (binding.status === 1) this.nextDeadline = Math.min(this.nextDeadline, applicationDeadline(binding));
    this.markChanged();
  }

  removeBinding(target: Binding): void {
    remove(this.bindingList, target);
    remove(this.bindingsByApp.get(target.appId), target);
    this.markChanged();
  }

  /** The official account's links, oldest first. */
  linksOf(officialAccountAppId: string): readonly Link[] {
    return this.linksByAccount.get(officialAccountAppId) ?? [];
  }

  link(officialAccountAppId: string, miniProgramAppId: string): Link | undefined {
    return this.linksOf(officialAccountAppId).find((link) => link.miniProgramAppId === miniProgramAppId);
  }

  addLink(link: Link): void {
    this.linkList.push(link);
    push(this.linksByAccount, link.officialAccountAppId, link);
    this.markChanged();
  }

  removeLink(target: Link): void {
    remove(this.linkList, target);
    remove(this.linksByAccount.get(target.officialAccountAppId), target);
    this.markChanged();
  }

  /** The app's tokens minted by `line` (the path), oldest first. */
  tokenLine(appId: string, line: string): readonly Token[] {
    return this.tokensByLine.get(lineKey(appId, line)) ?? [];
  }

  addToken(token: Token): void {
    this.tokens.set(token.value, token);
    push(this.tokensByLine, lineKey(token.appId, token.issuedBy), token);
    this.markChanged();
  }

  forgetToken(token: Token): void {
    this.tokens.delete(token.value);
    remove(this.tokensByLine.get(lineKey(token.appId, token.issuedBy)), token);
  }

  /** Turns applications left unanswered past the review window into status 4; run before anything reads the world. */
  settle(now: number): void {
    if (now < this.nextDeadline) return;
    let next = Infinity;
    for (const binding of this.bindingList) {
      if (binding.status !== 1) continue;
      if (now >= applicationDeadline(binding)) {
        binding.status = 4;
        this.markChanged();
      } else next = Math.min(next, applicationDeadline(binding));
    }
    // Only an application makes a pending entry (addBinding lowers this for it); answers and timeouts end them.
    this.nextDeadline = next;
  }

  snapshot(): Dynamic {
    return {
      bindings: this.bindingList,
      links: this.linkList,
      tokens: [...this.tokens.values()],
      quotaLimits: [...this.quotaLimits.values()],
      quotaUse: [...this.quotaUse.values()],
    };
  }

  restore(dynamic: Dynamic): void {
    this.holdEntries(dynamic.bindings, dynamic.links);
    this.tokens = new Map();
    this.tokensByLine = new Map();
    for (const token of dynamic.tokens) this.addToken(token);
    this.tokensDueFrom = -Infinity;
    this.quotaLimits = new Map(dynamic.quotaLimits.map((limit) => [quotaKey(limit.path, limit.appId), limit]));
    this.quotaUse = new Map(dynamic.quotaUse.map((use) => [quotaKey(use.path, use.appId), use]));
    this.markChanged();
  }

  /** Back to the seed's world at `now`: its existing entries only, no tokens, limits or counters. */
  clear(now: number): void {
    this.restore({ ...this.starting(now), tokens: [], quotaLimits: [], quotaUse: [] });
  }

  private holdEntries(bindings: Binding[], links: Link[]): void {
    this.bindingList = bindings;
    this.linkList = links;
    this.bindingsByApp = new Map();
    this.linksByAccount = new Map();
    for (const binding of bindings) push(this.bindingsByApp, binding.appId, binding);
    for (const link of links) push(this.linksByAccount, link.officialAccountAppId, link);
    this.nextDeadline = -Infinity;
  }
}

function push<T>(index: Map<string, T[]>, key: string, item: T): void {
  const items = index.get(key);
  if (items) items.push(item);
  else index.set(key, [item]);
}

function remove<T>(items: T[] | undefined, item: T): void {
  const at = items ? items.indexOf(item) : -1;
  if (at !== -1) items?.splice(at, 1);
}

/** App ids never contain a space. */
function lineKey(appId: string, line: string): string {
  return `${appId} ${line}`;
}

/** The bindings and links a world starts from. */
export type Starting = (now: number) => Pick<Dynamic, "bindings" | "links">;

/**
 * The names in turn, each as often as its weight says and spread out rather than in runs (nginx's smooth weighted
 * round robin), so that every stretch of a generated world has its share: `{a: 6, b: 2, c: 1, d: 1}` gives ten turns,
 * six of them `a`. Names weighing 0 never come; all weighing 0 gives no turns.
 */
export function inTurn<T extends string>(weights: Record<T, number>): T[] {
  const entries = (Object.entries(weights) as Array<[T, number]>).filter(([, weight]) => weight > 0);
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  const current = entries.map(() => 0);
  const turns: T[] = [];
  for (let turn = 0; turn < total; turn++) {
    let best = 0;
    entries.forEach(([, weight], index) => {
      current[index] += weight;
      if (current[index] > current[best]) best = index;
    });
    current[best] -= total;
    turns.push(entries[best][0]);
  }
  return turns;
}

/** Paths never contain a space, so the key cannot be confused whatever the app id. */
export function quotaKey(path: string, appId: string | undefined): string {
  return `${path} ${appId ?? ""}`;
}
