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
  bindings: Binding[] = [];
  links: Link[] = [];
  tokens = new Map<string, Token>();
  /** By `quotaKey(path, appId)`; the key without an app id holds the limit for every account. */
  quotaLimits = new Map<string, QuotaLimit>();
  /** By `quotaKey(path, appId)`. */
  quotaUse = new Map<string, QuotaUse>();
  private changed = false;

  /**
   * `starting` makes the bindings and links the world holds before any call (the seed's existing entries), at `now`
   * and again at each reset; they are made anew each time because the rules change them in place.
   */
  constructor(
    readonly accounts: Accounts,
    now: number,
    private readonly starting: Starting = () => ({ bindings: [], links: [] }),
  ) {
    ({ bindings: this.bindings, links: this.links } = starting(now));
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

  binding(appId: string, pluginAppId: string): Binding | undefined {
    return this.bindings.find((binding) => binding.appId === appId && binding.pluginAppId === pluginAppId);
  }

  removeBinding(target: Binding): void {
    this.bindings = this.bindings.filter((binding) => binding !== target);
    this.markChanged();
  }

  link(officialAccountAppId: string, miniProgramAppId: string): Link | undefined {
    return this.links.find(
      (link) => link.officialAccountAppId === officialAccountAppId && link.miniProgramAppId === miniProgramAppId,
    );
  }

  removeLink(target: Link): void {
    this.links = this.links.filter((link) => link !== target);
    this.markChanged();
  }

  /** Turns applications left unanswered past the review window into status 4; run before anything reads the world. */
  settle(now: number): void {
    for (const binding of this.bindings) {
      if (binding.status === 1 && now >= applicationDeadline(binding)) {
        binding.status = 4;
        this.markChanged();
      }
    }
  }

  snapshot(): Dynamic {
    return {
      bindings: this.bindings,
      links: this.links,
      tokens: [...this.tokens.values()],
      quotaLimits: [...this.quotaLimits.values()],
      quotaUse: [...this.quotaUse.values()],
    };
  }

  restore(dynamic: Dynamic): void {
    this.bindings = dynamic.bindings;
    this.links = dynamic.links;
    this.tokens = new Map(dynamic.tokens.map((token) => [token.value, token]));
    this.quotaLimits = new Map(dynamic.quotaLimits.map((limit) => [quotaKey(limit.path, limit.appId), limit]));
    this.quotaUse = new Map(dynamic.quotaUse.map((use) => [quotaKey(use.path, use.appId), use]));
    this.markChanged();
  }

  /** Back to the seed's world at `now`: its existing entries only, no tokens, limits or counters. */
  clear(now: number): void {
    this.restore({ ...this.starting(now), tokens: [], quotaLimits: [], quotaUse: [] });
  }
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
