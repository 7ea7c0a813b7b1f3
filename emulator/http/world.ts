import type { EmulatorContext } from "../context";
import { WECHAT_PATHS } from "../model/paths";
import { applicationDeadline, type Binding, type Link, type PluginStatus } from "../model/world";
import type { Fault } from "./faults";
import { ControlFields } from "./fields";

// How the control surface shows the world: `GET /__emulator/state`, every binding and link as tests check them, and
// `GET /__emulator/world`, the console's view: accounts with their names, a page at a time, and what waits for people.

export interface BindingState {
  appId: string;
  pluginAppId: string;
  status: PluginStatus;
  version?: string;
  reason: string;
  refusalReason?: string;
  appliedAt: string;
}

export type LinkState = Link;

export interface WorldState {
  now: string;
  bindings: BindingState[];
  links: LinkState[];
}

/** A plugin entry in the console's view; a pending one (status 1) says when it times out. */
interface EntryState extends BindingState {
  expiresAt?: string;
}

interface MiniProgramView {
  appId: string;
  nickname: string;
  username: string;
  /** Authorized the third-party platform. */
  authorized: boolean;
  grayRelease: boolean;
  nearby: boolean;
  store: boolean;
  pluginLimit: number;
  plugins: EntryState[];
}

interface OfficialAccountView {
  appId: string;
  nickname: string;
  username: string;
  authorized: boolean;
  linkLimit: number;
  links: LinkState[];
}

/**
 * One page of accounts of a kind, those matching `search`: the ones something waits for first (a pending application;
 * an invitation or an unlink waiting for an admin), then those with plugin entries or links, then the rest, each in
 * the seed's order. With thousands of generated accounts, the few a run touched come first.
 */
interface AccountPage<T> {
  /** Accounts of this kind in the world. */
  total: number;
  /** Of those, the ones matching `search`. */
  matching: number;
  /** Of those matching, the ones with plugin entries or links. */
  active: number;
  offset: number;
  items: T[];
}

/** What waits for a person, oldest first: `total` of them, the first `limit` in `items`. */
interface Waiting<T> {
  total: number;
  items: T[];
}

/** What `GET /__emulator/world` answers. */
export interface ConsoleWorld {
  now: string;
  /** How far `POST /__emulator/clock` has moved the clock ahead of real time. */
  aheadSeconds: number;
  miniPrograms: AccountPage<MiniProgramView>;
  officialAccounts: AccountPage<OfficialAccountView>;
  plugins: { appId: string; nickname: string; requiresApproval: boolean; versions: { version: string; quickUpdate: boolean }[] }[];
  /** The third-party platform, and how many accounts of each kind authorized it. */
  platform: { appId: string; authorizedBy: { miniPrograms: number; officialAccounts: number; plugins: number } } | null;
  /** Pending applications, for the plugin developers; invitations and unlinks waiting for an admin. */
  waiting: { applications: Waiting<EntryState>; links: Waiting<LinkState> };
  /** The active faults, in the order they are tried, with the calls each has left (`remaining`). */
  faults: Fault[];
  /** The WeChat paths the emulator serves. */
  paths: string[];
  /** The nickname of every account this answer names. */
  nicknames: Record<string, string>;
}

/** How many accounts a page holds when the request does not say. */
const DEFAULT_PAGE = 25;
const MAX_PAGE = 500;

export function describeWorld({ world, clock }: EmulatorContext): WorldState {
  return {
    now: new Date(clock.now()).toISOString(),
    bindings: world.bindings.map(describeBinding),
    links: world.links.map(describeLink),
  };
}

export function describeBinding(binding: Binding): BindingState {
  return {
    appId: binding.appId,
    pluginAppId: binding.pluginAppId,
    status: binding.status,
    ...(binding.version === undefined ? {} : { version: binding.version }),
    reason: binding.reason,
    ...(binding.refusalReason === undefined ? {} : { refusalReason: binding.refusalReason }),
    appliedAt: new Date(binding.appliedAt).toISOString(),
  };
}

export function describeLink(link: Link): LinkState {
  return { ...link };
}

/** The console's view for a query `{search?, miniProgramOffset?, officialAccountOffset?, limit?}`; the world must be settled. */
export function describeConsoleWorld({ world, clock, faults }: EmulatorContext, query: URLSearchParams): ConsoleWorld {
  const fields = ControlFields.query(query, ["search", "miniProgramOffset", "officialAccountOffset", "limit"]);
  const search = fields.has("search") ? fields.text("search").toLowerCase() : undefined;
  const offset = (name: string) => (fields.has(name) ? fields.number(name, { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true }) : 0);
  const limit = fields.has("limit") ? fields.number("limit", { min: 1, max: MAX_PAGE, integer: true }) : DEFAULT_PAGE;
  const { miniPrograms, officialAccounts, plugins, component } = world.accounts;

  const matches = (appId: string): boolean => {
    if (search === undefined) return true;
    const account = world.account(appId);
    const username = account && "username" in account ? account.username : undefined;
    return [appId, account?.nickname, username].some((text) => text?.toLowerCase().includes(search));
  };
  const authorized = (appId: string): boolean => component?.authorizerRefreshTokens.has(appId) ?? false;
  const entry = (binding: Binding): EntryState => ({
    ...describeBinding(binding),
    ...(binding.status === 1 ? { expiresAt: new Date(applicationDeadline(binding)).toISOString() } : {}),
  });
  const linkWaits = (link: Link): boolean => link.status === 12 || link.status === 2 || link.unlinkPending;

  const pending = (binding: Binding): boolean => binding.status === 1;
  const page = { matches, limit };
  const miniProgramPage = accountPage(miniPrograms, { ...page, offset: offset("miniProgramOffset") }, (account) => tier(world.bindingsOf(account.appId), pending), (account) => ({
    appId: account.appId,
    nickname: account.nickname,
    username: account.username,
    authorized: authorized(account.appId),
    grayRelease: account.grayRelease,
    nearby: account.nearby,
    store: account.store,
    pluginLimit: account.pluginLimit,
    plugins: world.bindingsOf(account.appId).map(entry),
  }));
  const officialAccountPage = accountPage(officialAccounts, { ...page, offset: offset("officialAccountOffset") }, (account) => tier(world.linksOf(account.appId), linkWaits), (account) => ({
    appId: account.appId,
    nickname: account.nickname,
    username: account.username,
    authorized: authorized(account.appId),
    linkLimit: account.linkLimit,
    links: world.linksOf(account.appId).map(describeLink),
  }));
  const applications = world.bindings.filter((binding) => pending(binding) && (matches(binding.appId) || matches(binding.pluginAppId)));
  const links = world.links.filter((link) => linkWaits(link) && (matches(link.officialAccountAppId) || matches(link.miniProgramAppId)));
  const waiting = {
    applications: { total: applications.length, items: applications.slice(0, limit).map(entry) },
    links: { total: links.length, items: links.slice(0, limit).map(describeLink) },
  };
  const named = [
    ...plugins.keys(),
    ...miniProgramPage.items.flatMap((account) => [account.appId, ...account.plugins.map((binding) => binding.pluginAppId)]),
    ...officialAccountPage.items.flatMap((account) => [account.appId, ...account.links.map((link) => link.miniProgramAppId)]),
    ...waiting.applications.items.map((binding) => binding.appId),
    ...waiting.links.items.flatMap((link) => [link.officialAccountAppId, link.miniProgramAppId]),
  ];
  const authorizers = [...(component?.authorizerRefreshTokens.keys() ?? [])];

  return {
    now: new Date(clock.now()).toISOString(),
    aheadSeconds: clock.offsetMs / 1000,
    miniPrograms: miniProgramPage,
    officialAccounts: officialAccountPage,
    plugins: [...plugins.values()].map((plugin) => ({
      appId: plugin.appId,
      nickname: plugin.nickname,
      requiresApproval: plugin.requiresApproval,
      versions: [...plugin.versions].map(([version, { quickUpdate }]) => ({ version, quickUpdate })),
    })),
    platform: component
      ? {
          appId: component.appId,
          authorizedBy: {
            miniPrograms: authorizers.filter((appId) => miniPrograms.has(appId)).length,
            officialAccounts: authorizers.filter((appId) => officialAccounts.has(appId)).length,
            plugins: authorizers.filter((appId) => plugins.has(appId)).length,
          },
        }
      : null,
    waiting,
    faults: [...faults.list()],
    paths: [...WECHAT_PATHS],
    nicknames: Object.fromEntries(named.map((appId) => [appId, world.account(appId)?.nickname ?? appId])),
  };
}

/** 0 when something of the account waits for a person, 1 when it has entries or links, 2 when it has none. */
function tier<T>(items: readonly T[], waits: (item: T) => boolean): number {
  if (items.length === 0) return 2;
  return items.some(waits) ? 0 : 1;
}

/** The accounts matching the search, `limit` of them from `offset` on, in tier order and each tier in the seed's order. */
function accountPage<A extends { appId: string }, V>(
  accounts: Map<string, A>,
  { matches, offset, limit }: { matches: (appId: string) => boolean; offset: number; limit: number },
  tierOf: (account: A) => number,
  describe: (account: A) => V,
): AccountPage<V> {
  const tiers: A[][] = [[], [], []];
  for (const account of accounts.values()) if (matches(account.appId)) tiers[tierOf(account)].push(account);
  const [waiting, active, quiet] = tiers;
  return {
    total: accounts.size,
    matching: waiting.length + active.length + quiet.length,
    active: waiting.length + active.length,
    offset,
    items: tiers.flat().slice(offset, offset + limit).map(describe),
  };
}
