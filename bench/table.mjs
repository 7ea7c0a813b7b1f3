// The Markdown the benchmark prints: one table per size (steps as columns), and a growth table when several sizes ran.
import { callKinds } from "./calls.mjs";

const fmtSeconds = (s) => `${s.toFixed(1)} s`;
const fmtRatio = (r) => `${r.toFixed(2)}×`;

function row(cells) {
  return `| ${cells.join(" | ")} |`;
}

/** The figure against its minimum, in bold when it is above it. */
function versus(measured, minimum) {
  return measured > minimum ? `**${measured}** / ${minimum}` : `${measured} / ${minimum}`;
}

export function sizeTable(run, steps) {
  const { size, repeat, results } = run;
  const lines = [];
  lines.push(
    `### P=${size.plugins} plugins on M=${size.miniPrograms} mini programs, L=${size.links} links on K=${size.officialAccounts} official accounts, ${size.latency} ms per WeChat call, ${size.order}${size.usernames ? ", usernames given" : ""}${size.skipCheckpoints ? ", PULUMI_SKIP_CHECKPOINTS" : ""}`,
    "",
  );
  lines.push(row(["", ...steps.map((step) => step.title)]));
  lines.push(row(["---", ...steps.map(() => "---:")]));
  const line = (label, cell) => lines.push(row([label, ...steps.map((step) => cell(results[step.key], step))]));
  const heading = (label) => lines.push(row([`**${label}**`, ...steps.map(() => "")]));

  heading(repeat > 1 ? `WeChat calls, measured (most of ${repeat} rounds) / minimum` : "WeChat calls, measured / minimum");
  const shown = callKinds.filter((kind) => steps.some((step) => results[step.key].calls.byKind[kind.key] > 0 || results[step.key].minimum[kind.key] > 0));
  for (const kind of shown) line(kind.label, (r) => versus(r.calls.byKind[kind.key], r.minimum[kind.key] ?? 0));
  if (steps.some((step) => results[step.key].calls.byKind.other > 0)) line("other calls", (r) => versus(r.calls.byKind.other, 0));
  line("all calls", (r) => versus(r.calls.total, Object.values(r.minimum).reduce((a, b) => a + b, 0)));
  line("failed calls (errcode ≠ 0)", (r) => String(r.calls.failed));
  line("most `api_authorizer_token` calls for one account", (r) => String(r.calls.maxTokensPerAccount));

  heading(repeat > 1 ? `Wall time, median of ${repeat} rounds` : "Wall time");
  line("pulumi-wechat", (r) => fmtSeconds(r.wechat.seconds));
  line("baseline: no-op provider, same resources", (r) => fmtSeconds(r.baseline.seconds));
  line("**ratio** (target)", (r, step) => `**${fmtRatio(r.wechat.seconds / r.baseline.seconds)}**${step.target ? ` (≤ ${step.target}×)` : ""}`);
  line("WeChat busy: first call to last answer", (r) => (r.calls.total === 0 ? "–" : fmtSeconds(r.calls.spanSeconds)));

  heading("Provider process (pulumi-wechat / baseline)");
  line("peak RSS", (r) => `${r.wechat.provider.peakRssMb.toFixed(0)} / ${r.baseline.provider.peakRssMb.toFixed(0)} MB`);
  line("CPU time", (r) => `${r.wechat.provider.cpuSeconds.toFixed(2)} / ${r.baseline.provider.cpuSeconds.toFixed(2)} s`);
  line("processes started", (r) => `${r.wechat.provider.processes} / ${r.baseline.provider.processes}`);
  line("TCP connections to WeChat", (r) => String(r.connections));
  return lines.join("\n");
}

/** What the minimums and the other rows mean, printed once under the tables. */
export const legend = `Minimums: the platform token once and one \`api_authorizer_token\` per account the step touches. A refresh: one list
per account (M plugin lists, K link lists); with a token store, no token call: that refresh runs on a stack (and an
emulator) of its own whose \`wechat:tokenStore\` is a redis-server the benchmark starts, filled by the stack's \`up\`
writing back the tokens it fetched (wxjava layout, read-write mode). Creates: one apply per plugin and one link per
link; one \`api_get_authorizer_info\` per linked mini program when the program gives no miniProgramUsername (WeChat's
link list names mini programs only by their original id); and at least one list per account after its writes, to
learn the status WeChat gave (a lower bound: only creates of one account that overlap in time can share it).
Destroy: one unbind per plugin, one unlink per link, and one link list per official account (an unlink of a link that
is already gone fails with 40097, the code of any bad argument, so the list tells "gone" from a failure). A figure
above its minimum is in bold. Wall time: the whole \`pulumi\` command; baseline: a program with the same resources, inputs and output
properties whose dynamic provider answers at once without any network. WeChat busy: from the first call's arrival to
the last answer. Peak RSS: the provider process's VmHWM, the kernel's high-water mark. Processes: dynamic-provider
processes the command started (the engine starts two for \`preview --refresh\`, in both programs; one token per
account shows that the reads all ran in one of them). TCP connections: opened to the emulator during the step.`;

export function growthTable(runs, steps) {
  const lines = [];
  lines.push(row(["P", "resources", ...steps.map((step) => `${step.title}: wechat / baseline = ratio`), "peak provider RSS", "calls: up / refresh / refresh with store / destroy"]));
  lines.push(row(["---:", "---:", ...steps.map(() => "---:"), "---:", "---:"]));
  for (const { size, results } of runs) {
    const peak = Math.max(...steps.map((step) => results[step.key].wechat.provider.peakRssMb));
    lines.push(
      row([
        String(size.plugins),
        String(size.plugins + size.links),
        ...steps.map((step) => {
          const r = results[step.key];
          return `${fmtSeconds(r.wechat.seconds)} / ${fmtSeconds(r.baseline.seconds)} = ${fmtRatio(r.wechat.seconds / r.baseline.seconds)}`;
        }),
        `${peak.toFixed(0)} MB`,
        ["up", "refresh", "refreshStore", "destroy"].map((key) => results[key].calls.total).join(" / "),
      ]),
    );
  }
  return lines.join("\n");
}
