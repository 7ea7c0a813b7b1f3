// The generated world of one benchmark size: an emulator seed with M mini programs, K official accounts and enough
// approval-free plugins, all authorized to one third-party platform, and the program's spec (P plugins spread over
// the mini programs, L links spread over the official accounts).

const appId = (prefix, index) => `wx${prefix}${index.toString(16).padStart(14, "0")}`;
const miniProgram = (m) => appId("a0", m + 1);
const officialAccount = (k) => appId("b0", k + 1);
const plugin = (n) => appId("c0", n + 1);
const username = (m) => `gh_a0${(m + 1).toString(16).padStart(10, "0")}`;

export const component = { appId: appId("d0", 1), appSecret: "bench-component-secret", verifyTicket: "ticket@@@bench" };

/**
 * The program declares its resources account by account (`grouped`: all plugins of the first mini program, then
 * the next…, as a loop over a platform's customers would) or round-robin over the accounts (`interleaved`). The
 * order decides which resources the engine hands the provider at the same time.
 *
 * @param {{plugins: number, miniPrograms: number, links: number, officialAccounts: number, usernames: boolean, order: "grouped" | "interleaved"}} size
 */
export function generateWorld({ plugins: P, miniPrograms: M, links: L, officialAccounts: K, usernames, order }) {
  if (M < 1 || K < 1) throw new Error("--mini-programs and --official-accounts must be at least 1");
  if (L > K * M) throw new Error(`${L} links need ${L} distinct (official account, mini program) pairs; ${K} × ${M} allows ${K * M}`);
  const pluginsPerMiniProgram = Math.max(1, Math.ceil(P / M));

  // Plugin i goes to mini program i mod M: every mini program gets P/M plugins, one of each seeded plugin.
  const pluginList = [];
  for (let i = 0; i < P; i++) {
    const m = i % M;
    const n = Math.floor(i / M);
    pluginList.push({ m, name: `plugin-${m}-${n}`, args: { appId: miniProgram(m), pluginAppId: plugin(n) } });
  }

  // Links walk the diagonals of the K × M grid: mini program m links to official account (m + d) mod K on
  // diagonal d, so the pairs are distinct and each official account gets about L/K links.
  const linkList = [];
  const linksPerAccount = new Array(K).fill(0);
  const linkedMiniPrograms = new Set();
  for (let i = 0; i < L; i++) {
    const m = i % M;
    const k = (m + Math.floor(i / M)) % K;
    linksPerAccount[k]++;
    linkedMiniPrograms.add(m);
    linkList.push({
      k,
      name: `link-${k}-${m}`,
      args: { officialAccountAppId: officialAccount(k), miniProgramAppId: miniProgram(m), ...(usernames ? { miniProgramUsername: username(m) } : {}) },
    });
  }
  if (order === "grouped") {
    pluginList.sort((a, b) => a.m - b.m);
    linkList.sort((a, b) => a.k - b.k);
  } else if (order !== "interleaved") {
    throw new Error(`--order must be grouped or interleaved, got ${order}`);
  }
  const pluginSpec = Object.fromEntries(pluginList.map(({ name, args }) => [name, args]));
  const linkSpec = Object.fromEntries(linkList.map(({ name, args }) => [name, args]));

  const miniPrograms = Array.from({ length: M }, (_, m) => ({
    appId: miniProgram(m),
    secret: `bench-mp-secret-${m}`,
    username: username(m),
    nickname: `Bench Mini Program ${m}`,
    pluginLimit: pluginsPerMiniProgram,
  }));
  const officialAccounts = Array.from({ length: K }, (_, k) => ({
    appId: officialAccount(k),
    secret: `bench-oa-secret-${k}`,
    nickname: `Bench Official Account ${k}`,
    linkLimit: Math.max(1, ...linksPerAccount),
  }));
  const authorizers = [...miniPrograms, ...officialAccounts].map((account) => account.appId);
  const refreshTokens = Object.fromEntries(authorizers.map((id) => [id, `refreshtoken@@@${id}`]));

  const seed = {
    miniPrograms,
    officialAccounts,
    plugins: Array.from({ length: Math.min(P, pluginsPerMiniProgram) }, (_, n) => ({
      appId: plugin(n),
      secret: `bench-plugin-secret-${n}`,
      nickname: `Bench Plugin ${n}`,
      requiresApproval: false,
      versions: [{ version: "1.0.0", quickUpdate: true }],
    })),
    component: { appId: component.appId, secret: component.appSecret, verifyTicket: component.verifyTicket, authorizerRefreshTokens: refreshTokens },
  };

  const config = {
    "wechat:componentAppId": component.appId,
    "wechat:componentAppSecret": component.appSecret,
    "wechat:componentVerifyTicket": component.verifyTicket,
    "wechat:authorizerRefreshTokens": JSON.stringify(refreshTokens),
  };

  return {
    seed,
    spec: { plugins: pluginSpec, links: linkSpec },
    config,
    counts: {
      plugins: P,
      links: L,
      miniProgramsWithPlugins: Math.min(P, M),
      accountsWithLinks: linksPerAccount.filter((n) => n > 0).length,
      usernameLookups: usernames ? 0 : linkedMiniPrograms.size,
    },
  };
}
