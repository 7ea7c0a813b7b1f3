// Watches the provider processes a Pulumi command starts, through /proc (Linux only).
//
// The engine starts the dynamic provider as `sh pulumi-resource-pulumi-nodejs` → `node …/cmd/dynamic-provider/index.js`,
// and the native one as `sh pulumi-resource-wechat` → `node …/pulumi-resource-wechat.js`, a
// descendant of the `pulumi` process we spawn; only descendants of that process count, so other Pulumi runs on the
// machine are never measured. Peak memory is the kernel's own high-water mark of the resident set (VmHWM in
// /proc/<pid>/status), not a sampled RSS: sampling only has to see the process once shortly before it exits, so
// nothing between samples is missed except growth in the last interval, when the provider is idle. CPU time is
// utime + stime from /proc/<pid>/stat, read the same way.
import { readFileSync } from "node:fs";
import { descendants } from "../scripts/pulumi-project.mjs";

const ticksPerSecond = 100; // USER_HZ, 100 on every Linux architecture Node runs on.
const sampleMs = 50;
const rescanEvery = 4; // look for new provider processes every 4th sample (200 ms)

// The native plugin's launcher execs node in its own process: a pid first seen as the launcher is the provider too.
const isProvider = (argv) => argv.some((arg) => /[\\/]cmd[\\/]dynamic-provider([\\/]index\.js)?$|[\\/]pulumi-resource-wechat(\.js)?$/.test(arg));

function read(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined; // the process exited between listing and reading
  }
}

/** utime + stime of a process, or undefined once it has exited. */
function cpuTicks(pid) {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name (field 2) is in parentheses and may contain spaces: split after its closing one.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** Starts watching the descendants of `rootPid`; `stop()` returns what was seen. */
export function watchProviders(rootPid) {
  const providers = new Map(); // pid → { peakKb, cpuTicks }
  const ignored = new Set();
  let tick = 0;

  const sample = () => {
    if (tick++ % rescanEvery === 0) {
      for (const pid of descendants(rootPid)) {
        if (providers.has(pid) || ignored.has(pid)) continue;
        const cmdline = read(`/proc/${pid}/cmdline`);
        if (cmdline === undefined) continue;
        if (isProvider(cmdline.split("\0"))) providers.set(pid, { peakKb: 0, cpuTicks: 0 });
        else ignored.add(pid);
      }
    }
    for (const [pid, seen] of providers) {
      const status = read(`/proc/${pid}/status`);
      const ticks = cpuTicks(pid);
      if (!status || ticks === undefined) continue;
      const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
      if (hwm) seen.peakKb = Math.max(seen.peakKb, Number(hwm[1]));
      seen.cpuTicks = Math.max(seen.cpuTicks, ticks);
    }
  };
  const timer = setInterval(sample, sampleMs);
  sample();

  return {
    stop() {
      clearInterval(timer);
      const seen = [...providers.values()];
      return {
        processes: seen.length,
        peakRssMb: Math.max(0, ...seen.map((p) => p.peakKb)) / 1024,
        cpuSeconds: seen.reduce((sum, p) => sum + p.cpuTicks, 0) / ticksPerSecond,
      };
    },
  };
}
