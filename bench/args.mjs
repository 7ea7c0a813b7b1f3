// The benchmarks' command lines: Node's own parser, `--help`, and whole-number options that say which and why.
import { parseArgs } from "node:util";

/** Parses `options` (node:util's format, `help` added); prints `usage` and exits 0 on --help. */
export function benchArgs(usage, options) {
  const { values } = parseArgs({ options: { ...options, help: { type: "boolean", default: false } } });
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  return values;
}

/** `value` as a whole number of at least `min`, or an error naming the flag. */
export function whole(name, value, min) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}, got ${value}`);
  return n;
}

/** The one-stack world's size flags (bench/world.mjs), shared by `npm run bench` and `npm run bench:native`. */
export const worldOptions = {
  plugins: { type: "string", default: "200" },
  "mini-programs": { type: "string", default: "20" },
  links: { type: "string", default: "20" },
  "official-accounts": { type: "string", default: "4" },
  latency: { type: "string", default: "50" },
  quick: { type: "boolean", default: false },
};

/** The world's size from those flags: `--quick` a small smoke run, P=20, M=4, L=4, K=2. */
export function worldSize(values) {
  if (values.quick) return { plugins: 20, miniPrograms: 4, links: 4, officialAccounts: 2 };
  return {
    plugins: whole("plugins", values.plugins, 0),
    miniPrograms: whole("mini-programs", values["mini-programs"], 1),
    links: whole("links", values.links, 0),
    officialAccounts: whole("official-accounts", values["official-accounts"], 1),
  };
}
