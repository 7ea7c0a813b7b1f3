// The generated world of `npm run bench:fleet`: an emulator seed whose `generate` section makes M mini programs and
// K official accounts authorized by one third-party platform, P approval-free plugins, and the fleet spec that binds
// every mini program to the P plugins (one plugin set) and links every official account to L mini programs.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { generatedAccounts } = require("../dist/emulator/index.js");

const appId = (prefix, n) => `wx${prefix}${n.toString(16).padStart(14, "0")}`;

export const component = { appId: appId("d0", 1), secret: "bench-fleet-component-secret", verifyTicket: "ticket@@@bench-fleet" };

/**
 * @param {{miniPrograms: number, pluginsPer: number, officialAccounts: number, linksPer: number}} size
 * @param {{existing?: boolean}} [options] existing: WeChat already holds what the spec declares (the drift-only mode,
 *   fleet-state.mjs): the seed's `generate.existing` binds every mini program to the P plugins, approved, and links
 *   every official account to its L mini programs, linked; the same pairs as the spec (mini program n's entries are
 *   the P plugins from the n-th on, official account k's links the L mini programs from k × L on). The versions the
 *   spec declares are not the seed's to set: fleet-state.mjs sets them through WeChat's API.
 */
export function generateFleet({ miniPrograms: M, pluginsPer: P, officialAccounts: K, linksPer: L }, { existing = false } = {}) {
  if (L > M) throw new Error(`--links-per ${L} needs at least ${L} mini programs to link to; there are ${M}`);
  const plugins = Array.from({ length: P }, (_, n) => ({
    appId: appId("c1", n + 1),
    secret: `bench-fleet-plugin-secret-${n + 1}`,
    nickname: `Fleet Plugin ${n + 1}`,
    requiresApproval: false,
    versions: [{ version: "1.0.0", quickUpdate: true }],
  }));
  const seed = {
    miniPrograms: [],
    officialAccounts: [],
    plugins,
    component,
    generate: {
      miniPrograms: M,
      officialAccounts: K,
      pluginLimit: Math.max(5, P),
      linkLimit: Math.max(13, L),
      ...(existing
        ? { existing: { pluginsPerMiniProgram: P, linksPerOfficialAccount: L, pluginStatuses: { approved: 1 }, linkStatuses: { linked: 1 } } }
        : {}),
    },
  };
  const accounts = generatedAccounts(seed);
  const mps = accounts.miniPrograms.map((mp) => mp.appId);
  // Official account k links to the L mini programs from k × L on (wrapping): each pair distinct, and with K × L ≤ M
  // every linked mini program linked once.
  const linked = new Set();
  const officialAccounts = accounts.officialAccounts.map((oa, k) => ({
    appId: oa.appId,
    links: Array.from({ length: L }, (_, i) => {
      const miniProgramAppId = mps[(k * L + i) % M];
      linked.add(miniProgramAppId);
      return { miniProgramAppId };
    }),
  }));
  const spec = {
    pluginSets: { standard: plugins.map((p) => ({ pluginAppId: p.appId, version: "1.0.0" })) },
    miniPrograms: mps.map((id) => ({ appId: id, pluginSets: ["standard"] })),
    officialAccounts,
  };
  return {
    seed,
    spec,
    accounts,
    counts: {
      miniPrograms: M,
      officialAccounts: K,
      plugins: M * P,
      links: K * L,
      resources: M * P + K * L,
      // Accounts with something to read: every mini program has plugins (P ≥ 1), every official account links (L ≥ 1).
      accounts: (P > 0 ? M : 0) + (L > 0 ? K : 0),
      linkedMiniPrograms: linked.size,
    },
  };
}

/**
 * The fleet of about `resources` resources with the shape of `base` (the same plugins and links per account, the
 * same ratio of mini programs to official accounts), for the one-stack sizes.
 */
export function scaledSize(base, resources) {
  const total = base.miniPrograms * base.pluginsPer + base.officialAccounts * base.linksPer;
  const scale = resources / total;
  const miniPrograms = Math.max(1, Math.round(base.miniPrograms * scale));
  const officialAccounts = base.officialAccounts === 0 ? 0 : Math.max(1, Math.round(base.officialAccounts * scale));
  return { ...base, miniPrograms, officialAccounts, linksPer: Math.min(base.linksPer, miniPrograms) };
}

/**
 * The fewest WeChat calls of each kind a step can make (keys as bench/calls.mjs's kinds). Reads: one list per account
 * (M plugin lists, K link lists); tokens: the platform's component token once and each account's token once per run
 * (the runner's token broker), which takes the accounts' refresh tokens from api_get_authorizer_list (one page per
 * 500 accounts) as a platform with thousands of accounts does; writes: one per resource created or deleted, and one
 * version update per plugin created, since every plugin of the generated spec declares its version, which an
 * application cannot set. A create's lists are counted at their lower bound, the one list per account that a refresh
 * also makes, plus one per new link: WeChat's link list names a mini program only by its original id, which the
 * generated spec does not give (a discovered one does), so a stack learns it from the list after the invitation, as
 * it would from one api_get_authorizer_info per link.
 */
export function fleetMinimum(step, counts, changed = { plugins: 0, links: 0 }) {
  const tokens = {
    "/cgi-bin/component/api_component_token": 1,
    "/cgi-bin/component/api_get_authorizer_list": Math.max(1, Math.ceil((counts.miniPrograms + counts.officialAccounts) / 500)),
    "/cgi-bin/component/api_authorizer_token": counts.accounts,
  };
  const reads = (newLinks) => ({ "/wxa/plugin#list": counts.miniPrograms, "/cgi-bin/wxopen/wxamplinkget": counts.officialAccounts + newLinks });
  const creates = ({ plugins, links }) => ({ ...tokens, ...reads(links), "/wxa/plugin#apply": plugins, "/wxa/plugin#update": plugins, "/cgi-bin/wxopen/wxamplink": links });
  switch (step) {
    case "up":
      return creates(counts);
    case "noChange":
    case "drift":
    case "oobDrift":
      return { ...tokens, ...reads(0) };
    case "oobUp":
      return creates(changed);
    case "destroy":
      return {
        ...tokens,
        "/cgi-bin/wxopen/wxamplinkget": counts.officialAccounts,
        "/wxa/plugin#unbind": counts.plugins,
        "/cgi-bin/wxopen/wxampunlink": counts.links,
      };
    default:
      throw new Error(`unknown step ${step}`);
  }
}
