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
}

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
