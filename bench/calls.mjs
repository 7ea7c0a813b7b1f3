// WeChat calls by kind, as the emulator's call log counts them, and the fewest calls each step can possibly make.

export const callKinds = [
  { key: "/cgi-bin/component/api_component_token", label: "platform token `api_component_token`" },
  { key: "/cgi-bin/component/api_authorizer_token", label: "account tokens `api_authorizer_token`" },
  { key: "/cgi-bin/component/api_get_authorizer_list", label: "authorizer list pages `api_get_authorizer_list`" },
  { key: "/cgi-bin/component/api_get_authorizer_info", label: "usernames `api_get_authorizer_info`" },
  { key: "/wxa/plugin#list", label: "plugin lists `plugin list`" },
  { key: "/wxa/plugin#apply", label: "plugin applies `plugin apply`" },
  { key: "/wxa/plugin#update", label: "plugin versions `plugin update`" },
  { key: "/wxa/plugin#unbind", label: "plugin unbinds `plugin unbind`" },
  { key: "/cgi-bin/wxopen/wxamplinkget", label: "link lists `wxamplinkget`" },
  { key: "/cgi-bin/wxopen/wxamplink", label: "links `wxamplink`" },
  { key: "/cgi-bin/wxopen/wxampunlink", label: "unlinks `wxampunlink`" },
];

const known = new Set(callKinds.map((kind) => kind.key));

/**
 * The minimum of each kind for each step. Reads and tokens: one per account that has something to read or write
 * (M' mini programs with plugins, K' official accounts with links), plus the platform token that fetches the
 * account tokens. Writes: one per resource created or deleted. A new link whose mini program's original id is not
 * in the program needs that id once per mini program (`api_get_authorizer_info`): WeChat's link list names mini
 * programs only by it. Creating needs one list per account after its writes, to learn the status WeChat gave;
 * deleting a link lists its account once to tell "already gone" from a failure (unlink answers both with 40097).
 * A refresh with a token store that holds every token reads them there: no token call at all.
 */
export function minimumCalls(step, counts) {
  const tokens = (reads) => ({
    "/cgi-bin/component/api_component_token": reads ? 1 : 0,
    "/cgi-bin/component/api_authorizer_token": reads ? counts.miniProgramsWithPlugins + counts.accountsWithLinks : 0,
  });
  switch (step) {
    case "up":
      return {
        ...tokens(true),
        "/cgi-bin/component/api_get_authorizer_info": counts.usernameLookups,
        "/wxa/plugin#list": counts.miniProgramsWithPlugins,
        "/wxa/plugin#apply": counts.plugins,
        "/cgi-bin/wxopen/wxamplinkget": counts.accountsWithLinks,
        "/cgi-bin/wxopen/wxamplink": counts.links,
      };
    case "noChange":
      return tokens(false);
    case "refresh":
    case "refreshStore":
      return { ...tokens(step === "refresh"), "/wxa/plugin#list": counts.miniProgramsWithPlugins, "/cgi-bin/wxopen/wxamplinkget": counts.accountsWithLinks };
    case "destroy":
      return {
        ...tokens(true),
        "/wxa/plugin#unbind": counts.plugins,
        "/cgi-bin/wxopen/wxamplinkget": counts.accountsWithLinks,
        "/cgi-bin/wxopen/wxampunlink": counts.links,
      };
    default:
      throw new Error(`unknown step ${step}`);
  }
}

/**
 * Counts by kind from `GET /__emulator/calls`, with everything unexpected folded into `other`, and the time from
 * the first call's arrival to the last answer (the log stamps each call after its simulated latency).
 */
export function summarizeCalls({ calls, counts }, latencyMs) {
  const byKind = Object.fromEntries(callKinds.map((kind) => [kind.key, counts[kind.key] ?? 0]));
  byKind.other = Object.entries(counts)
    .filter(([key]) => !known.has(key))
    .reduce((sum, [, n]) => sum + n, 0);
  const tokensPerAccount = new Map();
  for (const call of calls) {
    if (call.path === "/cgi-bin/component/api_authorizer_token") tokensPerAccount.set(call.appId, (tokensPerAccount.get(call.appId) ?? 0) + 1);
  }
  const stamps = calls.map((call) => Date.parse(call.at));
  return {
    byKind,
    total: calls.length,
    spanSeconds: calls.length === 0 ? 0 : (Math.max(...stamps) - Math.min(...stamps) + latencyMs) / 1000,
    failed: calls.filter((call) => call.errcode !== 0).length,
    maxTokensPerAccount: Math.max(0, ...tokensPerAccount.values()),
  };
}
