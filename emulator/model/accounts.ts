/**
 * The accounts the world holds: a seed with every default filled in (seed.ts reads and checks the seed, then makes
 * these). They never change while the emulator runs.
 */
export interface Accounts {
  miniPrograms: Map<string, MiniProgram>;
  officialAccounts: Map<string, OfficialAccount>;
  plugins: Map<string, Plugin>;
  component: Component | undefined;
  /** The seed's daily limit per path, for every account. */
  quotas: Map<string, number>;
  linkItemsIncludeAppId: boolean;
  /** Plugin entries and links the generated accounts start with (the seed's `generate.existing`); none without it. */
  existing?: Existing;
}

/**
 * What the generated accounts hold before any call, as the seed describes it; which plugin, which mini program and
 * which status each entry gets is the model's choice (`existingBindings`, `existingLinks`).
 */
export interface Existing {
  /** The generated mini programs and official accounts, in the seed's order: only they start with entries. */
  miniProgramAppIds: string[];
  officialAccountAppIds: string[];
  pluginsPerMiniProgram: number;
  linksPerOfficialAccount: number;
  /** How often each status comes, relative to the others: `{approved: 7, applying: 2, rejected: 1, expired: 0}`. */
  pluginStatuses: Record<ExistingPluginStatus, number>;
  linkStatuses: Record<ExistingLinkStatus, number>;
}

export type ExistingPluginStatus = "approved" | "applying" | "rejected" | "expired";
export type ExistingLinkStatus = "linked" | "waitingForOfficialAccount" | "waitingForMiniProgram" | "refused";

export interface MiniProgram {
  appId: string;
  secret: string;
  username: string;
  nickname: string;
  headImgUrl: string;
  grayRelease: boolean;
  nearby: boolean;
  store: boolean;
  pluginLimit: number;
}

export interface OfficialAccount {
  appId: string;
  secret: string;
  username: string;
  nickname: string;
  headImgUrl: string;
  linkLimit: number;
}

export interface Plugin {
  appId: string;
  secret: string;
  nickname: string;
  headImgUrl: string;
  requiresApproval: boolean;
  versions: Map<string, { quickUpdate: boolean }>;
}

export interface Component {
  appId: string;
  secret: string;
  verifyTicket: string;
  /** In the seed's order: the refresh tokens written, then the generated accounts'. */
  authorizerRefreshTokens: Map<string, string>;
}
