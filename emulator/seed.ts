import { readFileSync } from "node:fs";
import { SeedError } from "./errors";
import type { Accounts, Component, Existing, ExistingLinkStatus, ExistingPluginStatus, MiniProgram, OfficialAccount, Plugin } from "./model/accounts";
import { isWeChatPath } from "./model/paths";
import { MAX_DAILY_LIMIT } from "./model/quotas";

/** The world the emulator starts from, as written in a seed file. Optional fields have the defaults the README's "The seed" lists. */
export interface Seed {
  miniPrograms: MiniProgramSeed[];
  officialAccounts?: OfficialAccountSeed[];
  plugins?: PluginSeed[];
  component?: ComponentSeed;
  /** Accounts made by a pattern rather than written out, for a platform's fleet of thousands; see `generatedAccounts`. */
  generate?: GenerateSeed;
  /** Daily call limits per WeChat path, for each account: `{"/wxa/plugin": 1000}`. Without one a path has no limit. */
  quotas?: Record<string, number>;
  /** Real `wxamplinkget` items carry no `appid`; turn this on to emulate the responses that do. */
  linkItemsIncludeAppId?: boolean;
}

/** How many accounts of each kind to generate, all authorized by the seed's platform; the README's "The seed" gives the pattern. */
export interface GenerateSeed {
  miniPrograms?: number;
  officialAccounts?: number;
  /** Every generated mini program's plugin limit (default 5). */
  pluginLimit?: number;
  /** Every generated official account's link limit (default 13). */
  linkLimit?: number;
  /** Plugin entries and links the generated accounts start with, rather than none. */
  existing?: ExistingSeed;
}

/**
 * What the generated accounts hold before any call: each mini program `pluginsPerMiniProgram` plugin entries, each
 * official account `linksPerOfficialAccount` links (default 0 each), their statuses mixed as the weights say. The
 * emulator picks the plugins (from the seed's) and the mini programs (from the generated ones); docs/emulator.md's
 * "Generated accounts" gives the rules.
 */
export interface ExistingSeed {
  pluginsPerMiniProgram?: number;
  linksPerOfficialAccount?: number;
  /** How often each status comes relative to the others; default `{approved: 6, applying: 2, rejected: 1, expired: 1}`. */
  pluginStatuses?: Partial<Record<ExistingPluginStatus, number>>;
  /** Default `{linked: 7, waitingForOfficialAccount: 1, waitingForMiniProgram: 1, refused: 1}`. */
  linkStatuses?: Partial<Record<ExistingLinkStatus, number>>;
}

/** The accounts a seed's `generate` section makes, written out as a seed would write them. */
export interface GeneratedAccounts {
  miniPrograms: MiniProgramSeed[];
  officialAccounts: OfficialAccountSeed[];
  /** `{appId: refreshToken}` for each of them when the seed has a platform (`{}` otherwise): the shape of `wechat:authorizerRefreshTokens`. */
  authorizerRefreshTokens: Record<string, string>;
}

export interface MiniProgramSeed {
  appId: string;
  secret: string;
  /** The original id (`gh_…`), which is all `wxamplinkget` reports about a linked mini program. */
  username: string;
  nickname?: string;
  grayRelease?: boolean;
  nearby?: boolean;
  store?: boolean;
  pluginLimit?: number;
}

export interface OfficialAccountSeed {
  appId: string;
  secret: string;
  nickname?: string;
  username?: string;
  linkLimit?: number;
}

export interface PluginSeed {
  appId: string;
  secret: string;
  nickname?: string;
  headImgUrl?: string;
  requiresApproval?: boolean;
  versions?: PluginVersionSeed[];
}

export interface PluginVersionSeed {
  version: string;
  quickUpdate?: boolean;
}

export interface ComponentSeed {
  appId: string;
  secret: string;
  verifyTicket: string;
  /** Accounts that authorized the platform, with the refresh token `api_authorizer_token` must be given. */
  authorizerRefreshTokens?: Record<string, string>;
}

const DEFAULT_PLUGIN_LIMIT = 5;
const DEFAULT_LINK_LIMIT = 13;
/** Far beyond any platform's fleet, and small enough that a mistyped count cannot exhaust the emulator's memory. */
const MAX_GENERATED = 100_000;
const DEFAULT_PLUGIN_STATUSES: Record<ExistingPluginStatus, number> = { approved: 6, applying: 2, rejected: 1, expired: 1 };
const DEFAULT_LINK_STATUSES: Record<ExistingLinkStatus, number> = { linked: 7, waitingForOfficialAccount: 1, waitingForMiniProgram: 1, refused: 1 };
/** A status's weight; the turns repeat after the weights' sum, which this keeps short. */
const MAX_WEIGHT = 1000;

const miniProgramIds = ["wxc0ffee0000000001", "wxb4ce000000000002", "wxb00c000000000003", "wx5a1e000000000004"];
const officialAccountId = "wx0a00000000000001";

/** The world the demo and the project's own tests run against when no seed file is given. */
export const defaultSeed: Seed = {
  miniPrograms: [
    { appId: miniProgramIds[0], secret: "mp-secret-coffee", username: "gh_c0ffee000001", nickname: "Harbour Coffee" },
    { appId: miniProgramIds[1], secret: "mp-secret-bakery", username: "gh_b4ce00000002", nickname: "Corner Bakery" },
    { appId: miniProgramIds[2], secret: "mp-secret-books", username: "gh_b00c00000003", nickname: "Riverside Books" },
    { appId: miniProgramIds[3], secret: "mp-secret-mall", username: "gh_5a1e00000004", nickname: "Outlet Mall", store: true, nearby: true },
  ],
  officialAccounts: [{ appId: officialAccountId, secret: "oa-secret-harbour", nickname: "Harbour Group" }],
  plugins: [
    {
      appId: "wx1000000000000001",
      secret: "plugin-secret-1",
      nickname: "Store Locator",
      requiresApproval: true,
      versions: [
        { version: "1.0.0", quickUpdate: true },
        { version: "2.2.46", quickUpdate: true },
        { version: "3.0.0", quickUpdate: false },
      ],
    },
    {
      appId: "wx1000000000000002",
      secret: "plugin-secret-2",
      nickname: "Live Chat",
      requiresApproval: false,
      versions: [
        { version: "1.0.0", quickUpdate: true },
        { version: "1.4.2", quickUpdate: true },
      ],
    },
    {
      appId: "wx1000000000000003",
      secret: "plugin-secret-3",
      nickname: "Membership Card",
      requiresApproval: true,
      versions: [
        { version: "2.0.0", quickUpdate: true },
        { version: "2.1.0", quickUpdate: true },
      ],
    },
    {
      appId: "wx1000000000000004",
      secret: "plugin-secret-4",
      nickname: "Reviews",
      requiresApproval: false,
      versions: [
        { version: "0.9.0", quickUpdate: true },
        { version: "1.0.0", quickUpdate: true },
      ],
    },
    {
      appId: "wx1000000000000005",
      secret: "plugin-secret-5",
      nickname: "Delivery Tracker",
      requiresApproval: true,
      versions: [{ version: "1.0.0", quickUpdate: true }],
    },
  ].map((plugin) => ({ ...plugin, headImgUrl: `https://emulator.invalid/plugins/${plugin.appId}.png` })),
  component: {
    appId: "wx0c00000000000001",
    secret: "component-secret-demo",
    verifyTicket: "ticket@@@demo",
    authorizerRefreshTokens: Object.fromEntries(
      [...miniProgramIds, officialAccountId].map((appId) => [appId, `refreshtoken@@@${appId}`]),
    ),
  },
  linkItemsIncludeAppId: false,
};

/**
 * The built-in seed with a fleet that already has plugins and links, in every status: 50 generated mini programs with 2
 * plugin entries each, 5 generated official accounts with 4 links each (`--fleet`, and the tour in docs/fleets.md).
 */
export const fleetSeed: Seed = {
  ...defaultSeed,
  generate: { miniPrograms: 50, officialAccounts: 5, existing: { pluginsPerMiniProgram: 2, linksPerOfficialAccount: 4 } },
};

/** Reads a seed object or a JSON seed file and fills in the defaults, refusing anything malformed. */
export function loadSeed(seed: Seed | string): Accounts {
  if (typeof seed !== "string") return resolveSeed(seed);
  let text: string;
  try {
    text = readFileSync(seed, "utf8");
  } catch (error) {
    throw new SeedError(`cannot read seed file ${seed}: ${(error as Error).message}`, "EMULATOR_SEED_UNREADABLE", { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SeedError(`seed file ${seed} is not valid JSON: ${(error as Error).message}`, "EMULATOR_SEED_INVALID", { cause: error });
  }
  return resolveSeed(parsed);
}

/**
 * The accounts the seed's `generate` section makes, so that a test or a benchmark can list them without a running
 * emulator: mini program n (from 1) is `wxf1` + n in 14 digits, official account n `wxf2` + n in 14 digits; their
 * secrets, usernames, nicknames and refresh tokens follow the README's pattern. Throws a SeedError for a malformed section.
 */
export function generatedAccounts(seed: Seed): GeneratedAccounts {
  const fields: Record<string, unknown> =
    seed.generate === undefined ? {} : record(seed.generate, "seed.generate", ["miniPrograms", "officialAccounts", "pluginLimit", "linkLimit", "existing"]);
  const amount = (name: string) => count(fields[name], `seed.generate.${name}`, 0, MAX_GENERATED);
  const pluginLimit = fields.pluginLimit === undefined ? {} : { pluginLimit: count(fields.pluginLimit, "seed.generate.pluginLimit", 0) };
  const linkLimit = fields.linkLimit === undefined ? {} : { linkLimit: count(fields.linkLimit, "seed.generate.linkLimit", 0) };
  const miniPrograms = numbered(amount("miniPrograms"), (n) => ({ ...named("f1", "Mini Program", n), secret: `mp-secret-${n}`, ...pluginLimit }));
  const officialAccounts = numbered(amount("officialAccounts"), (n) => ({ ...named("f2", "Official Account", n), secret: `oa-secret-${n}`, ...linkLimit }));
  // A refresh token the seed writes for a generated account is the one the platform holds.
  const written = seed.component?.authorizerRefreshTokens ?? {};
  const authorizerRefreshTokens: Record<string, string> = {};
  if (seed.component !== undefined) {
    for (const { appId } of [...miniPrograms, ...officialAccounts]) {
      authorizerRefreshTokens[appId] = Object.hasOwn(written, appId) ? written[appId] : `refreshtoken@@@${appId}`;
    }
  }
  return { miniPrograms, officialAccounts, authorizerRefreshTokens };
}

/** A generated account's names: `kind` (`f1`, `f2`) after `wx` and `gh_` keeps mini programs and official accounts apart. */
function named(kind: string, noun: string, n: number): { appId: string; username: string; nickname: string } {
  return { appId: `wx${kind}${digits(n, 14)}`, username: `gh_${kind}${digits(n, 10)}`, nickname: `${noun} ${n}` };
}

function numbered<T>(amount: number, make: (n: number) => T): T[] {
  return Array.from({ length: amount }, (_, index) => make(index + 1));
}

function digits(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** Validates an untrusted seed value (it may come from a file) and fills in the defaults. */
function resolveSeed(value: unknown): Accounts {
  const seed = record(value, "seed", ["miniPrograms", "officialAccounts", "plugins", "component", "generate", "quotas", "linkItemsIncludeAppId"]);
  const generated = generatedAccounts(seed as unknown as Seed);
  const seen = new Map<string, string>();
  const claim = (appId: string, field: string): string => {
    const previous = seen.get(appId);
    if (previous) throw new SeedError(`${field} ${appId} is already used by ${previous}`);
    seen.set(appId, field);
    return appId;
  };

  const miniPrograms = new Map<string, MiniProgram>();
  withGenerated("miniPrograms", list(seed.miniPrograms, "seed.miniPrograms", true), generated.miniPrograms).forEach(([item, at]) => {
    const fields = record(item, at, ["appId", "secret", "username", "nickname", "grayRelease", "nearby", "store", "pluginLimit"]);
    const appId = claim(text(fields.appId, `${at}.appId`), `${at}.appId`);
    miniPrograms.set(appId, {
      appId,
      secret: text(fields.secret, `${at}.secret`),
      username: text(fields.username, `${at}.username`),
      nickname: optionalText(fields.nickname, `${at}.nickname`) ?? appId,
      headImgUrl: `https://emulator.invalid/mini-programs/${appId}.png`,
      grayRelease: flag(fields.grayRelease, `${at}.grayRelease`, false),
      nearby: flag(fields.nearby, `${at}.nearby`, false),
      store: flag(fields.store, `${at}.store`, false),
      pluginLimit: count(fields.pluginLimit, `${at}.pluginLimit`, DEFAULT_PLUGIN_LIMIT),
    });
  });

  const officialAccounts = new Map<string, OfficialAccount>();
  withGenerated("officialAccounts", list(seed.officialAccounts, "seed.officialAccounts", false), generated.officialAccounts).forEach(([item, at]) => {
    const fields = record(item, at, ["appId", "secret", "nickname", "username", "linkLimit"]);
    const appId = claim(text(fields.appId, `${at}.appId`), `${at}.appId`);
    officialAccounts.set(appId, {
      appId,
      secret: text(fields.secret, `${at}.secret`),
      nickname: optionalText(fields.nickname, `${at}.nickname`) ?? appId,
      username: optionalText(fields.username, `${at}.username`) ?? `gh_${appId.slice(-12)}`,
      headImgUrl: `https://emulator.invalid/official-accounts/${appId}.png`,
      linkLimit: count(fields.linkLimit, `${at}.linkLimit`, DEFAULT_LINK_LIMIT),
    });
  });

  const plugins = new Map<string, Plugin>();
  list(seed.plugins, "seed.plugins", false).forEach((item, index) => {
    const at = `seed.plugins[${index}]`;
    const fields = record(item, at, ["appId", "secret", "nickname", "headImgUrl", "requiresApproval", "versions"]);
    const appId = claim(text(fields.appId, `${at}.appId`), `${at}.appId`);
    const versions = new Map<string, { quickUpdate: boolean }>();
    list(fields.versions, `${at}.versions`, false).forEach((entry, versionIndex) => {
      const versionAt = `${at}.versions[${versionIndex}]`;
      const versionFields = record(entry, versionAt, ["version", "quickUpdate"]);
      const version = text(versionFields.version, `${versionAt}.version`);
      if (versions.has(version)) throw new SeedError(`${versionAt}.version ${version} is listed twice`);
      versions.set(version, { quickUpdate: flag(versionFields.quickUpdate, `${versionAt}.quickUpdate`, true) });
    });
    plugins.set(appId, {
      appId,
      secret: text(fields.secret, `${at}.secret`),
      nickname: optionalText(fields.nickname, `${at}.nickname`) ?? appId,
      headImgUrl: optionalText(fields.headImgUrl, `${at}.headImgUrl`) ?? `https://emulator.invalid/plugins/${appId}.png`,
      requiresApproval: flag(fields.requiresApproval, `${at}.requiresApproval`, true),
      versions,
    });
  });

  let component: Component | undefined;
  if (seed.component !== undefined) {
    const at = "seed.component";
    const fields = record(seed.component, at, ["appId", "secret", "verifyTicket", "authorizerRefreshTokens"]);
    const appId = claim(text(fields.appId, `${at}.appId`), `${at}.appId`);
    const refreshTokens = new Map<string, string>();
    if (fields.authorizerRefreshTokens !== undefined) {
      const tokens = record(fields.authorizerRefreshTokens, `${at}.authorizerRefreshTokens`);
      for (const [authorizer, token] of Object.entries(tokens)) {
        const field = `${at}.authorizerRefreshTokens.${authorizer}`;
        if (!seen.has(authorizer) || authorizer === appId) {
          throw new SeedError(`${field} must name a mini program, official account or plugin of the seed`);
        }
        refreshTokens.set(authorizer, text(token, field));
      }
    }
    // After the written ones; one written for a generated account keeps its place and is what generatedAccounts reports.
    for (const [authorizer, token] of Object.entries(generated.authorizerRefreshTokens)) refreshTokens.set(authorizer, token);
    component = {
      appId,
      secret: text(fields.secret, `${at}.secret`),
      verifyTicket: text(fields.verifyTicket, `${at}.verifyTicket`),
      authorizerRefreshTokens: refreshTokens,
    };
  }

  return {
    miniPrograms,
    officialAccounts,
    plugins,
    component,
    quotas: readQuotas(seed.quotas),
    linkItemsIncludeAppId: flag(seed.linkItemsIncludeAppId, "seed.linkItemsIncludeAppId", false),
    existing: readExisting((seed.generate as Record<string, unknown> | undefined)?.existing, generated, plugins.size),
  };
}

/**
 * The seed's `generate.existing`, refused when it asks for more than the generated accounts can hold: more plugin
 * entries than their plugin limit or the seed's plugins, more links than their link limit or the generated mini programs.
 */
function readExisting(value: unknown, generated: GeneratedAccounts, pluginCount: number): Existing | undefined {
  if (value === undefined) return undefined;
  const at = "seed.generate.existing";
  const fields = record(value, at, ["pluginsPerMiniProgram", "linksPerOfficialAccount", "pluginStatuses", "linkStatuses"]);
  const miniProgramAppIds = generated.miniPrograms.map((account) => account.appId);
  const officialAccountAppIds = generated.officialAccounts.map((account) => account.appId);
  const perMiniProgram = count(fields.pluginsPerMiniProgram, `${at}.pluginsPerMiniProgram`, 0);
  const perOfficialAccount = count(fields.linksPerOfficialAccount, `${at}.linksPerOfficialAccount`, 0);
  const atMost = (field: string, amount: number, bound: number, what: string): void => {
    if (amount > bound) throw new SeedError(`${at}.${field} is ${amount}, more than ${what}`);
  };
  const [miniProgram] = generated.miniPrograms;
  const [officialAccount] = generated.officialAccounts;
  if (miniProgram) {
    const pluginLimit = miniProgram.pluginLimit ?? DEFAULT_PLUGIN_LIMIT;
    atMost("pluginsPerMiniProgram", perMiniProgram, pluginLimit, `the generated mini programs' plugin limit (${pluginLimit})`);
    atMost("pluginsPerMiniProgram", perMiniProgram, pluginCount, `the seed's ${pluginCount} plugins (a mini program's entries are for different plugins)`);
  }
  if (officialAccount) {
    const linkLimit = officialAccount.linkLimit ?? DEFAULT_LINK_LIMIT;
    atMost("linksPerOfficialAccount", perOfficialAccount, linkLimit, `the generated official accounts' link limit (${linkLimit})`);
    atMost("linksPerOfficialAccount", perOfficialAccount, miniProgramAppIds.length, `the ${miniProgramAppIds.length} generated mini programs (an official account's links are to different mini programs)`);
  }
  return {
    miniProgramAppIds,
    officialAccountAppIds,
    pluginsPerMiniProgram: perMiniProgram,
    linksPerOfficialAccount: perOfficialAccount,
    pluginStatuses: weights(fields.pluginStatuses, `${at}.pluginStatuses`, DEFAULT_PLUGIN_STATUSES),
    linkStatuses: weights(fields.linkStatuses, `${at}.linkStatuses`, DEFAULT_LINK_STATUSES),
  };
}

/** Weights for the statuses `defaults` names: a status left out weighs 0, and at least one must weigh more. */
function weights<T extends string>(value: unknown, field: string, defaults: Record<T, number>): Record<T, number> {
  if (value === undefined) return defaults;
  const names = Object.keys(defaults) as T[];
  const fields = record(value, field, names);
  const result = Object.fromEntries(names.map((name) => [name, count(fields[name], `${field}.${name}`, 0, MAX_WEIGHT)])) as Record<T, number>;
  if (names.every((name) => result[name] === 0)) throw new SeedError(`${field} must give at least one status a weight above 0`);
  return result;
}

/** The written accounts, then the generated ones, each with the name its errors give it (`seed.generate.miniPrograms#1`). */
function withGenerated(kind: "miniPrograms" | "officialAccounts", written: unknown[], generated: unknown[]): Array<[unknown, string]> {
  return [
    ...written.map((item, index): [unknown, string] => [item, `seed.${kind}[${index}]`]),
    ...generated.map((item, index): [unknown, string] => [item, `seed.generate.${kind}#${index + 1}`]),
  ];
}

function readQuotas(value: unknown): Map<string, number> {
  const quotas = new Map<string, number>();
  if (value === undefined) return quotas;
  for (const [path, limit] of Object.entries(record(value, "seed.quotas"))) {
    // A misspelt path would otherwise limit nothing, silently.
    if (!isWeChatPath(path)) throw new SeedError(`seed.quotas.${path} is not a WeChat path the emulator serves`);
    quotas.set(path, count(limit, `seed.quotas.${path}`, 0, MAX_DAILY_LIMIT));
  }
  return quotas;
}

function record(value: unknown, field: string, known?: string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new SeedError(`${field} must be an object`);
  if (known) {
    // A misspelt optional field would otherwise be ignored silently and its default used.
    const unknown = Object.keys(value).find((key) => !known.includes(key));
    if (unknown !== undefined) throw new SeedError(`${field}.${unknown} is not a known field (expected one of ${known.join(", ")})`);
  }
  return value as Record<string, unknown>;
}

function list(value: unknown, field: string, required: boolean): unknown[] {
  if (value === undefined && !required) return [];
  if (!Array.isArray(value)) throw new SeedError(`${field} must be an array`);
  return value;
}

function text(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new SeedError(`${field} must be a non-empty string`);
  return value;
}

function optionalText(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : text(value, field);
}

function flag(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new SeedError(`${field} must be true or false`);
  return value;
}

function count(value: unknown, field: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw new SeedError(max === Number.MAX_SAFE_INTEGER ? `${field} must be a whole number ≥ 0` : `${field} must be a whole number from 0 to ${max}`);
  }
  return value;
}
